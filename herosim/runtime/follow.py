"""A dyno's process until it ends: its output followed through engine restarts, and Heroku's
stop (SIGTERM, then R12 and SIGKILL after the stop timeout).

When the engine goes away meanwhile (restarted, say), the follower waits for it with a
backoff: a dyno still running afterwards is followed again, not counted as crashed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BACKOFF = (0.5, 1, 2, 5, 10, 10, 30, 30, 60, 60)


def until_exit(backend, handle, emit: Callable[[list[str]], None], since: int | None,
               still_ours: Callable[[], bool], sleep: Callable[[float], None] = time.sleep) -> int | None:
    """Copy the output of the container `handle` to `emit` until it exits; its exit status, or
    None when there is nothing to report (`still_ours()` turned false, or the engine never came
    back)."""
    while True:
        backend.follow(handle, emit, since)
        status = backend.wait(handle, 60)
        if status is not None:
            return status
        running = _still_running(backend, handle, still_ours, sleep)
        if running is None:
            return None
        if not running:
            return backend.wait(handle, 5) or 0
        since = int(time.time())


def _still_running(backend, handle, still_ours: Callable[[], bool], sleep) -> bool | None:
    for delay in BACKOFF:
        if not still_ours():
            return None
        answer = backend.is_running(handle)
        if answer is not None:
            return answer
        sleep(delay)
    return False


def terminate(backend, handle, log: Callable[[str], None], stop_timeout: float) -> int:
    """Heroku's stop after SIGTERM has been sent: wait up to the stop timeout, then R12 and
    SIGKILL. The exit status."""
    status = backend.wait(handle, stop_timeout)
    if status is None:
        log(f"Error R12 (Exit timeout) -> At least one process failed to exit within {stop_timeout:g} "
            "seconds of SIGTERM")
        log("Stopping remaining processes with SIGKILL")
        backend.signal(handle, "SIGKILL")
        status = backend.wait(handle, 30) or 137
    return status
