"""A writer that must never wait on the log file (the router: one line per request): lines
are collected and appended in batches by a thread of their own.

What it holds is bounded as Logplex bounds it: at most 1,024 lines waiting (Dev Center,
L10: "Logplex limits the total number of un-transmitted log messages it will keep in memory
to 1024 messages ... keeping newer messages in favor of older ones"); past that the oldest
go, counted, and the log later says how many (`Error L10 (output buffer overflow)`). A write
that fails (a full disk) keeps its lines and is tried again with a backoff, so the log
resumes by itself when space returns; the thread that writes is restarted if it ever ends.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable

from herosim.platform.logline import LogLine

LIMIT = 1024
RETRY_MAX = 1.0   # seconds between attempts while the log cannot be written


class BufferedEmitter:
    """A line is stamped when it is emitted; its text can be made later, at the flush
    (`defer`), off the request's path."""

    def __init__(self, plex, source: str, dyno: str, interval: float, limit: int = LIMIT,
                 report: Callable[[str], None] | None = None):
        self.plex, self.source, self.dyno, self.interval, self.limit = plex, source, dyno, interval, limit
        self.report = report or plex.report
        self._pending: deque[tuple[float, object, dict | None]] = deque()
        self._unsent: deque[LogLine] = deque()   # made, not yet written (the flusher's own)
        self._dropped, self._dropped_since = 0, 0.0
        self._lock = threading.Lock()             # guards _pending and the drop count (request side)
        self._flushing = threading.Lock()         # one flush at a time (the thread, and a final flush)
        self._wake = threading.Event()
        self._thread = self._start()

    def __call__(self, message: str) -> None:
        self._add((time.time(), message, None))

    def defer(self, make: Callable[..., str], **fields) -> None:
        """A line whose text is `make(**fields)`, made at the next flush."""
        self._add((time.time(), make, fields))

    def _add(self, item: tuple[float, object, dict | None]) -> None:
        with self._lock:
            if len(self._pending) >= self.limit:
                self._pending.popleft()
                self._shed(1, item[0])
            self._pending.append(item)
        if not self._thread.is_alive():
            self._thread = self._start()

    def _shed(self, count: int, stamp: float) -> None:
        if not self._dropped:
            self._dropped_since = stamp
        self._dropped += count

    def _start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True, name=f"log-{self.dyno}")
        thread.start()
        return thread

    def _run(self) -> None:
        delay = self.interval
        while True:
            self._wake.wait(delay)
            try:
                written = self.flush()
            except Exception:  # noqa: BLE001 - the writer goes on whatever one batch does
                self.report(f"log writer for {self.dyno}: {traceback.format_exc()}")
                written = False
            delay = self.interval if written else min(max(delay, self.interval) * 2, RETRY_MAX)

    def flush(self) -> bool:
        """Write what waits; False when some of it could not be written (it is kept)."""
        with self._flushing:
            with self._lock:
                pending, self._pending = self._pending, deque()
                dropped, since = self._dropped, self._dropped_since
                self._dropped = 0
            self._unsent.extend(self._made(pending))
            while len(self._unsent) > self.limit:   # still failing: the oldest go, counted
                self._unsent.popleft()
                dropped, since = dropped + 1, since or time.time()
            if dropped:
                self.plex.count_dropped(dropped, dt.datetime.fromtimestamp(since, dt.timezone.utc))
            if not self._unsent:
                return True
            batch = list(self._unsent)
            done = self.plex.deliver(batch)
            for _ in range(done):
                self._unsent.popleft()
            return done == len(batch)

    def _made(self, pending) -> list[LogLine]:
        utc, out, failed = dt.timezone.utc, [], 0
        for stamp, item, fields in pending:
            try:
                text = item if fields is None else item(**fields)
            except Exception:  # noqa: BLE001 - one line that cannot be made is one line lost, said so
                if not failed:
                    self.report(f"log writer for {self.dyno}: a line could not be made:\n{traceback.format_exc()}")
                failed += 1
                with self._lock:
                    self._shed(1, stamp)
                continue
            out.append(LogLine(dt.datetime.fromtimestamp(stamp, utc), self.source, self.dyno, str(text)))
        return out
