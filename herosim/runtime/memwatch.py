"""R14 when a dyno uses more than its quota; it keeps running, as on Heroku (R15 and the kill
at twice the quota come from the container's memory limit, see dynos.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from herosim.platform.logplex import Logplex
from herosim.platform.sizes import SIZES
from herosim.runtime import memory

R14_REPEAT = 60.0  # seconds between repeated R14 lines for one dyno (times the time scale)


class MemoryWatch:
    def __init__(self, dynos, backend, logs: Logplex, time_scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.dynos, self.backend, self.logs = dynos, backend, logs
        self.time_scale = time_scale
        self.clock = clock
        self._last: dict[str, float] = {}

    def sample(self) -> None:
        now = self.clock()
        for name, size, handle in self.dynos.running():
            used = self.backend.memory_used(handle)
            quota = SIZES[size].memory_mb
            if used is None or used <= quota * 1024 * 1024:
                continue
            last = self._last.get(name)
            if last is None or now - last >= R14_REPEAT * self.time_scale:
                self._last[name] = now
                self.logs.platform(name, memory.usage_line(used, quota))
                self.logs.platform(name, "Error R14 (Memory quota exceeded)")
