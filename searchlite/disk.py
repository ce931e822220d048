"""Elasticsearch's disk watermarks: past the flood stage (95 % of the disk used) indices take
writes no more (read-only-allow-delete) until the disk is back under the high watermark
(90 %); deletes still run, so space can be freed. A full disk is the machine's, not only the
engine's: the sidecar's data lives on the developer's disk."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from searchlite.errors import SearchError

FLOOD_STAGE = 0.95  # cluster.routing.allocation.disk.watermark.flood_stage
HIGH = 0.90         # cluster.routing.allocation.disk.watermark.high: the block is lifted below it
CHECK_EVERY = 1.0   # seconds a reading of the disk is kept


def blocked(index: str) -> SearchError:
    return SearchError(429, "cluster_block_exception",
                       f"index [{index}] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, "
                       "index has read-only-allow-delete block];")


class FloodStage:
    def __init__(self, path: Path, usage: Callable = shutil.disk_usage, clock: Callable[[], float] = time.monotonic):
        self.path, self.usage, self.clock = path, usage, clock
        self.read_at: float | None = None
        self.over = False

    def check(self, index: str, settings: dict) -> None:
        """Raises the block for a write to `index`; its own setting may set the block too."""
        if str(settings.get("blocks.read_only_allow_delete", "")).lower() == "true" or self._over():
            raise blocked(index)

    def _over(self) -> bool:
        now = self.clock()
        if self.read_at is None or now - self.read_at >= CHECK_EVERY:
            self.read_at = now
            total, _, free = self.usage(self.path)
            used = 1 - free / total if total else 0.0
            self.over = used >= HIGH if self.over else used > FLOOD_STAGE
        return self.over
