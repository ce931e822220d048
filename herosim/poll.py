"""One way to wait for something: ask until it answers or the time is up."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(check: Callable[[], T], timeout: float, interval: float = 0.05, *,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> T | None:
    """Call `check()` until it returns something truthy (returned) or `timeout` seconds pass
    (None). `check` is called at least once."""
    deadline = clock() + timeout
    while True:
        result = check()
        if result:
            return result
        left = deadline - clock()
        if left <= 0:
            return None
        sleep(min(interval, left))
