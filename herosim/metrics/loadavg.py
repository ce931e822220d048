"""A dyno's load average as the kernel damps its own: every sample of the runnable tasks
moves the 1, 5 and 15 minute averages by exp(-interval/period) (Heroku: "the number of CPU
tasks that are in the ready queue", exponentially damped over 1, 5 and 15 minutes)."""

from __future__ import annotations

import math
from dataclasses import dataclass

PERIODS = (60.0, 300.0, 900.0)


@dataclass(frozen=True)
class LoadAverage:
    m1: float = 0.0
    m5: float = 0.0
    m15: float = 0.0

    def update(self, runnable: int, elapsed: float) -> "LoadAverage":
        if elapsed <= 0:
            return self
        values = []
        for old, period in zip((self.m1, self.m5, self.m15), PERIODS, strict=True):
            decay = math.exp(-elapsed / period)
            values.append(old * decay + runnable * (1 - decay))
        return LoadAverage(*values)
