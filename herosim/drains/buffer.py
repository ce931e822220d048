"""Logplex's drain buffer (`logplex_msg_buffer`): a bounded queue of messages. When it is
full the oldest message is dropped and counted, so a drain that is down costs the app
nothing and loses at most what Logplex loses: everything past the last 1,024 messages
(10 once the drain has failed for five minutes)."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_SIZE = 1024  # Logplex's http_drain_buffer_size and tcp_drain_buffer_size
SHRUNK_SIZE = 10     # its SHRINK_BUF_SIZE for a drain in "degraded" service


@dataclass(frozen=True)
class Batch:
    frames: tuple[bytes, ...]
    lost: int                        # dropped from the buffer before this batch
    lost_since: dt.datetime | None

    @property
    def count(self) -> int:
        return len(self.frames)

    @property
    def body(self) -> bytes:
        return b"".join(self.frames)


class MessageBuffer:
    """Not thread-safe: its owner (one drain's worker) holds a lock around it."""

    def __init__(self, size: int = DEFAULT_SIZE, clock: Callable[[], dt.datetime] | None = None):
        self.size = size
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._items: deque[bytes] = deque()
        self.lost = 0
        self.lost_since: dt.datetime | None = None

    def __len__(self) -> int:
        return len(self._items)

    def push(self, frame: bytes) -> None:
        if len(self._items) >= self.size:
            self._items.popleft()
            self._lose(1)
        self._items.append(frame)

    def resize(self, size: int) -> None:
        self.size = size
        while len(self._items) > size:
            self._items.popleft()
            self._lose(1)

    def take(self, target: int) -> Batch:
        """Frames up to `target` bytes (at least one), and the losses since the last batch."""
        taken: list[bytes] = []
        total = 0
        while self._items and (not taken or total + len(self._items[0]) <= target):
            frame = self._items.popleft()
            taken.append(frame)
            total += len(frame)
        batch = Batch(tuple(taken), self.lost, self.lost_since)
        self.lost, self.lost_since = 0, None
        return batch

    def _lose(self, count: int) -> None:
        if self.lost == 0:
            self.lost_since = self.clock()
        self.lost += count
