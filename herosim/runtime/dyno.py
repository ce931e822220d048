"""The manager's memory of one dyno, and what `herosim ps` shows of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from herosim.platform.sizes import DEFAULT_SIZE
from herosim.runtime import plan
from herosim.runtime.plan import DOWN


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Dyno:
    """The manager's memory of one dyno."""
    name: str
    process_type: str
    command: str
    release: int
    size: str = DEFAULT_SIZE
    state: str = DOWN
    since: dt.datetime = field(default_factory=utcnow)
    handle: object = None        # the backend's container
    port: int | None = None
    host_port: int | None = None
    address: tuple[str, int] | None = None  # where the router reaches it
    started: float = 0.0         # clock time of the last start
    up_at: float | None = None
    crashes: int = 0
    restart_at: float | None = None
    cycle_at: float | None = None
    boot_reported: bool = False
    busy: bool = False           # a transition is in progress
    faults: int = 0              # platform-side failures in a row (not crashes)

    @property
    def web(self) -> bool:
        return self.process_type == "web"

    def seen(self) -> plan.Seen:
        return plan.Seen(self.name, self.command, self.release, self.size, self.state, self.busy, self.crashes,
                         self.started, self.up_at, self.restart_at, self.cycle_at, self.web, self.boot_reported)


@dataclass(frozen=True)
class DynoView:
    """What `herosim ps` shows of a dyno (and, as JSON, `ps --json`: to_dict is its shape)."""
    name: str
    type: str
    command: str
    state: str
    since: str
    release: int
    size: str
    port: int | None
    host_port: int | None
    crashes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DynoView:
        return cls(str(data["name"]), str(data["type"]), str(data["command"]), str(data["state"]), str(data["since"]),
                   int(data["release"]), str(data["size"]), data.get("port"), data.get("host_port"),
                   int(data.get("crashes") or 0))
