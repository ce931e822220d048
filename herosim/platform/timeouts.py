"""Heroku's timeouts, each overridable by flag or environment (tests shrink them)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from herosim.const import (
    BOOT_TIMEOUT,
    ENV_BOOT_TIMEOUT,
    ENV_ROUTER_TIMEOUT,
    ENV_STOP_TIMEOUT,
    ENV_TIME_SCALE,
    ROUTER_IDLE_TIMEOUT,
    ROUTER_QUEUE_TIMEOUT,
    ROUTER_TIMEOUT,
    STOP_TIMEOUT,
)
from herosim.errors import HerosimError

# Crash cool-offs after the first (immediate) restart, in minutes (Dev Center: dynos#dyno-crash-restart-policy).
CRASH_COOLOFF_MINUTES = (20, 40, 60, 180, 320)


@dataclass(frozen=True)
class Timeouts:
    boot: float = BOOT_TIMEOUT            # R10
    stop: float = STOP_TIMEOUT            # R12
    router: float = ROUTER_TIMEOUT        # H12
    queue: float = ROUTER_QUEUE_TIMEOUT   # H20
    idle: float = ROUTER_IDLE_TIMEOUT     # H15
    time_scale: float = 1.0               # multiplies crash cool-offs and cycling

    @classmethod
    def resolve(cls, boot: float | None = None, stop: float | None = None, router: float | None = None,
                time_scale: float | None = None, environ=None) -> "Timeouts":
        environ = os.environ if environ is None else environ
        return cls(
            boot=_pick(boot, environ.get(ENV_BOOT_TIMEOUT), BOOT_TIMEOUT, ENV_BOOT_TIMEOUT),
            stop=_pick(stop, environ.get(ENV_STOP_TIMEOUT), STOP_TIMEOUT, ENV_STOP_TIMEOUT),
            router=_pick(router, environ.get(ENV_ROUTER_TIMEOUT), ROUTER_TIMEOUT, ENV_ROUTER_TIMEOUT),
            time_scale=_pick(time_scale, environ.get(ENV_TIME_SCALE), 1.0, ENV_TIME_SCALE),
        )

    def crash_delay(self, crashes: int) -> float:
        """Seconds before restarting a dyno that has crashed `crashes` times in a row."""
        if crashes <= 1:
            return 0.0
        index = min(crashes - 2, len(CRASH_COOLOFF_MINUTES) - 1)
        return CRASH_COOLOFF_MINUTES[index] * 60 * self.time_scale

    def to_dict(self) -> dict:
        return asdict(self)


def _pick(flag: float | None, env: str | None, default: float, name: str) -> float:
    if flag is not None:
        value = flag
    elif env not in (None, ""):
        try:
            value = float(env)
        except ValueError as exc:
            raise HerosimError(f"{name}={env!r} is not a number of seconds", hint=f"e.g. {name}=5") from exc
    else:
        value = default
    if value <= 0:
        raise HerosimError(f"{name} must be positive, got {value}", hint=f"Heroku's default is {default:g}")
    return float(value)


def parse_duration(text: str) -> float:
    """`90`, `30s`, `5m`, `2h`, `1d` as seconds (for --cycle-every)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    try:
        if value and value[-1] in units:
            seconds = float(value[:-1]) * units[value[-1]]
        else:
            seconds = float(value)
    except ValueError as exc:
        raise HerosimError(f"Invalid duration {text!r}", hint="use e.g. 90, 30s, 5m, 2h or 1d") from exc
    if seconds <= 0:
        raise HerosimError(f"Invalid duration {text!r}: must be positive", hint="e.g. 5m")
    return seconds
