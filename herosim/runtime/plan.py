"""The dyno manager's decisions as pure functions: which dynos to boot, replace or retire
(a convergence plan, as docker-compose makes one), and what the clock asks for now
(boot checks, crash restarts, cycling). The executor in dynos.py carries them out."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from herosim.platform import formation as formation_mod
from herosim.platform import procfile
from herosim.platform.releases import Release

STARTING, UP, CRASHED, DOWN, COMPLETE = "starting", "up", "crashed", "down", "complete"


@dataclass(frozen=True)
class Wanted:
    """One dyno the formation asks for."""
    name: str            # web.1
    process_type: str    # web
    command: str
    release: int
    size: str

    @property
    def web(self) -> bool:
        return self.process_type == "web"


@dataclass(frozen=True)
class Seen:
    """One formation dyno as the manager knows it."""
    name: str
    command: str
    release: int
    size: str
    state: str
    busy: bool = False
    crashes: int = 0
    started: float = 0.0          # clock time of its last start
    up_at: float | None = None
    restart_at: float | None = None
    cycle_at: float | None = None
    web: bool = False
    boot_reported: bool = False   # R10 already logged for this start


@dataclass(frozen=True)
class Boot:
    wanted: Wanted


@dataclass(frozen=True)
class Replace:
    wanted: Wanted
    reason: str = "Restarting"


@dataclass(frozen=True)
class Retire:
    name: str


Action = Boot | Replace | Retire


def wanted(release: Release | None, formation: Mapping[str, int] | None, sizes: Mapping[str, str],
           default_size: str) -> dict[str, Wanted]:
    """The dynos a release's formation asks for; none without a slug."""
    if release is None or not release.slug:
        return {}
    parsed = procfile.Procfile(release.processes)
    counts = formation_mod.quantities(dict(formation or {}), parsed.formation_types)
    return {spec.name: Wanted(spec.name, spec.process_type, spec.command, release.version,
                              sizes.get(spec.process_type, default_size))
            for spec in procfile.expand(parsed, counts)}


def converge(wanted: Mapping[str, Wanted], seen: Mapping[str, Seen]) -> list[Action]:
    """Boot what is missing, replace what differs (release, command or size), retire the rest.
    Boots and replacements come first: new dynos start while old ones stop, as on Heroku."""
    actions: list[Action] = []
    for name, want in wanted.items():
        have = seen.get(name)
        if have is None:
            actions.append(Boot(want))
        elif (have.release, have.command, have.size) != (want.release, want.command, want.size):
            actions.append(Replace(want))
    actions += [Retire(name) for name in seen if name not in wanted]
    return actions


# -- the clock -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    kind: str    # "boot-check", "restart", "reset-crashes", "cycle"
    name: str


def due(seen: Iterable[Seen], now: float, success_window: float) -> list[Due]:
    """What one tick of the dyno manager's clock has to do."""
    out = []
    for dyno in seen:
        if dyno.busy:
            continue
        if dyno.state == STARTING and dyno.web and not dyno.boot_reported:
            out.append(Due("boot-check", dyno.name))
        elif dyno.state == CRASHED and dyno.restart_at is not None and now >= dyno.restart_at:
            out.append(Due("restart", dyno.name))
        elif dyno.state == UP:
            if dyno.crashes and dyno.up_at is not None and now - dyno.up_at > success_window:
                out.append(Due("reset-crashes", dyno.name))
            if dyno.cycle_at is not None and now >= dyno.cycle_at:
                out.append(Due("cycle", dyno.name))
    return out


def boot_verdict(listening: bool, started: float, now: float, boot_timeout: float) -> str:
    """A web dyno is up once it listens on 0.0.0.0:$PORT; past the boot timeout it gets R10."""
    if listening:
        return UP
    if now - started > boot_timeout:
        return "timeout"
    return STARTING


def next_cycle(now: float, every: float | None, jitter: float, rng: random.Random) -> float | None:
    """Heroku cycles each dyno after 24 h plus a random part (up to 216 min, i.e. 15 %)."""
    if not every:
        return None
    return now + every * (1 + rng.uniform(0, jitter))
