"""The dyno manager's periodic duties (the dyno clock, the scheduler, the router, the memory
watch, following each dyno's output), each on its own: one that fails is logged to the
manager's log (once while it keeps failing, and once when it works again), tried again with a
backoff, and never stops the others or the manager."""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable

BACKOFF = (0.5, 1, 2, 5, 10, 30)   # seconds before a failed duty's next try


def to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Duty:
    def __init__(self, name: str, work: Callable[[], object], report: Callable[[str], None] = to_stderr,
                 clock: Callable[[], float] = time.monotonic, backoff: tuple[float, ...] = BACKOFF):
        self.name, self.work, self.report, self.clock, self.backoff = name, work, report, clock, backoff
        self.failures = 0
        self._next = 0.0

    def __call__(self) -> bool:
        """Do it, unless a failure's backoff is not over yet; False when it failed."""
        now = self.clock()
        if now < self._next:
            return False
        try:
            self.work()
        except Exception:  # noqa: BLE001 - one duty's failure is that duty's alone
            self.failures += 1
            self._next = now + self.backoff[min(self.failures, len(self.backoff)) - 1]
            if self.failures == 1:
                self.report(f"herosim: {self.name} failed; trying again with a backoff:\n{traceback.format_exc()}")
            return False
        if self.failures:
            self.report(f"herosim: {self.name} works again (after {self.failures} failed tries)")
        self.failures = 0
        return True


def every(duty: Duty, interval: float, done: threading.Event) -> threading.Thread:
    """Run `duty` every `interval` seconds on a thread of its own until `done`."""
    def loop():
        while not done.wait(interval):
            duty()
    thread = threading.Thread(target=loop, daemon=True, name=duty.name)
    thread.start()
    return thread


def restarting(name: str, work: Callable[[int | None], object], since: int | None, wanted: Callable[[], bool],
               report: Callable[[str], None] = to_stderr, sleep: Callable[[float], None] = time.sleep) -> None:
    """`work(since)` (following a dyno's output until it exits) again whenever it fails, from
    the time it failed, for as long as it is `wanted`."""
    failures = 0
    while True:
        try:
            work(since)
            return
        except Exception:  # noqa: BLE001 - a follower that dies would leave its dyno unwatched
            failures += 1
            report(f"herosim: {name} failed; following again:\n{traceback.format_exc()}")
        since = int(time.time())
        sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
        if not wanted():
            return
