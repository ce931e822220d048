"""What a dyno manager is started with; a running one with other settings is replaced."""

from __future__ import annotations

import json
from dataclasses import dataclass

from herosim.platform.sizes import DEFAULT_SIZE
from herosim.platform.timeouts import Timeouts


@dataclass(frozen=True)
class ManagerSettings:
    router_port: int
    timeouts: Timeouts
    size: str = DEFAULT_SIZE
    cycle_every: float | None = None

    def to_json(self) -> str:
        return json.dumps({"router_port": self.router_port, "timeouts": self.timeouts.to_dict(),
                           "size": self.size, "cycle_every": self.cycle_every})

    @classmethod
    def from_json(cls, text: str) -> "ManagerSettings":
        data = json.loads(text)
        return cls(int(data["router_port"]), Timeouts(**data["timeouts"]), data.get("size") or DEFAULT_SIZE,
                   data.get("cycle_every"))
