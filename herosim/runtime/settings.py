"""What a dyno manager is started with; a running one with other settings is replaced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from herosim.platform.sizes import DEFAULT_SIZE
from herosim.platform.timeouts import Timeouts


@dataclass(frozen=True)
class ManagerSettings:
    router_port: int
    timeouts: Timeouts
    size: str = DEFAULT_SIZE
    cycle_every: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"router_port": self.router_port, "timeouts": self.timeouts.to_dict(), "size": self.size,
                "cycle_every": self.cycle_every}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ManagerSettings:
        return cls(int(data["router_port"]), Timeouts(**data["timeouts"]), data.get("size") or DEFAULT_SIZE,
                   data.get("cycle_every"))

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> ManagerSettings:
        return cls.from_dict(json.loads(text))
