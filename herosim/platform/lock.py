"""One command at a time changes an app: a lock file in the app's folder.

`up`, `config:set`, `ps:scale`, `addons:*`, `destroy` … hold it while they work; a second
command waits for it (saying so), and gives up with a clear error after a while. The dyno
manager does not hold it: `down` must always be able to reach a manager.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from herosim.errors import AppBusy
from herosim.paths import LOCK, PRIVATE_FILE, private_dir

_local = threading.local()  # folders this thread holds the lock of: a verb that calls another holds it once


def held_here(folder: Path) -> bool:
    """Whether this thread holds the lock of `folder` now."""
    return bool(_local.__dict__.get("held", {}).get(str(folder.resolve())))


@contextlib.contextmanager
def held(folder: Path, app: str, *, wait: float = 600.0, notice: Callable[[str], None] | None = None,
         clock=time.monotonic, sleep=time.sleep):
    """Yields True when this took the lock, False when this thread held it already."""
    key = str(folder.resolve())
    _held = _local.__dict__.setdefault("held", {})
    if _held.get(key):
        _held[key] += 1
        try:
            yield False
        finally:
            _held[key] -= 1
        return
    private_dir(folder)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        deadline = clock() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and notice:
                    notice(f"Waiting for another herosim command on {app} to finish...")
                    told = True
                if clock() >= deadline:
                    raise AppBusy(f"Another herosim command is still changing {app}",
                                  hint="wait for it to finish (or stop it), then run this command again") from None
                sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _held[key] = 1
        try:
            yield True
        finally:
            _held.pop(key, None)
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process dies
