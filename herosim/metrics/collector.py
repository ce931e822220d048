"""The metrics of one app, collected inside its dyno manager and kept in `metrics.json` in the
app's private folder (rewritten at most every 2 s, atomically, bounded by the rollups' rings:
about 300 KB for a week of steady traffic on two process types)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from herosim import paths
from herosim.errors import HerosimError
from herosim.metrics import events
from herosim.metrics.rollup import Rollups
from herosim.platform import jsonfile
from herosim.platform.logline import LogLine

FILE = "metrics.json"
FLUSH_EVERY = 2.0


def load(path: Path) -> tuple[Rollups, float | None]:
    """The rollups on disk, and when they were written (None when there are none yet)."""
    try:
        data = jsonfile.read(path, None)
    except HerosimError:
        return Rollups(), None
    if not isinstance(data, dict):
        return Rollups(), None
    return Rollups.from_dict(data.get("rollups") or {}), data.get("updated_at")


class Collector:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time, flush_every: float = FLUSH_EVERY):
        self.path = path
        self.clock = clock
        self.flush_every = flush_every
        self.rollups, _ = load(path)
        self._lock = threading.Lock()
        self._dirty = False
        self._flushed = 0.0

    def line(self, line: LogLine) -> None:
        with self._lock:
            if events.observe(self.rollups, line):
                self._dirty = True

    def memory(self, process_type: str, total_mb: float, rss_mb: float, swap_mb: float, quota_mb: float) -> None:
        with self._lock:
            self.rollups.memory(self.clock(), process_type, total_mb, rss_mb, swap_mb, quota_mb)
            self._dirty = True

    def load(self, process_type: str, value: float) -> None:
        with self._lock:
            self.rollups.load(self.clock(), process_type, value)
            self._dirty = True

    def flush(self, force: bool = False) -> None:
        now = self.clock()
        with self._lock:
            if not self._dirty or (not force and now - self._flushed < self.flush_every):
                return
            # made under the lock: the rollups' dicts are live
            text = json.dumps({"updated_at": now, "rollups": self.rollups.to_dict()}, separators=(",", ":"))
            self._dirty, self._flushed = False, now
        write(self.path, text)


def write(path: Path, text: str) -> None:
    """Atomic and private, compact (a week of a busy app is ~300 KB); a failed write (disk full)
    keeps the last one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        paths.private_dir(path.parent)
        with paths.open_private(tmp, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
