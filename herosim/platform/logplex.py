"""The app's log: every dyno's output and every platform event, as Logplex keeps it.

One text file per app of already-formatted Heroku lines. Writers append whole
lines under a lock; the file is trimmed to the last 1,500 lines (Logplex's
limit) once it holds twice that. Readers take the last N lines and follow.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from herosim.platform import logline
from herosim.const import LOG_LINES_KEPT
from herosim.platform.logline import LogLine


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Logplex:
    def __init__(self, path: Path, keep: int = LOG_LINES_KEPT, clock: Callable[[], dt.datetime] = now):
        self.path = path
        self.keep = keep
        self.clock = clock

    # -- writing ---------------------------------------------------------------
    def emit(self, source: str, dyno: str, message: str, when: dt.datetime | None = None) -> list[LogLine]:
        when = when or self.clock()
        lines = [LogLine(when, source, dyno, piece)
                 for raw in (message.splitlines() or [""])
                 for piece in logline.chunks(raw)]
        self.append(lines)
        return lines

    def platform(self, dyno: str, message: str) -> list[LogLine]:
        return self.emit("heroku", dyno, message)

    def append(self, lines: list[LogLine]) -> None:
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(line.render() + "\n" for line in lines).encode("utf-8")
        with open(self.path, "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(data)
                handle.flush()
                if handle.tell() > self.keep * 2 * 200:  # cheap size gate before counting lines
                    self._trim()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _trim(self) -> None:
        with open(self.path, "rb") as handle:
            lines = handle.readlines()
        if len(lines) <= self.keep * 2:
            return
        tmp = self.path.with_suffix(".trim")
        with open(tmp, "wb") as handle:
            handle.writelines(lines[-self.keep:])
        os.replace(tmp, self.path)

    def buffered(self, source: str, dyno: str, interval: float = 0.05) -> "BufferedEmitter":
        return BufferedEmitter(self, source, dyno, interval)

    # -- reading ---------------------------------------------------------------
    def tail(self, count: int, predicate: Callable[[LogLine], bool] = lambda _: True) -> list[LogLine]:
        out: deque[LogLine] = deque(maxlen=max(count, 0))
        for line in self._read_all():
            if predicate(line):
                out.append(line)
        return list(out)[-min(count, self.keep):] if count else []

    def _read_all(self) -> Iterator[LogLine]:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as handle:
                for text in handle:
                    parsed = logline.parse(text)
                    if parsed:
                        yield parsed
        except FileNotFoundError:
            return

    def follow(self, predicate: Callable[[LogLine], bool] = lambda _: True,
               stop: Callable[[], bool] = lambda: False, poll: float = 0.1) -> Iterator[LogLine]:
        """New lines from the end of the log on, until `stop()` is true."""
        position, inode = self._end()
        buffer = b""
        last_seen = None  # the last complete line read, to find our place after a trim
        while not stop():
            try:
                stat = os.stat(self.path)
            except FileNotFoundError:
                time.sleep(poll)
                continue
            if stat.st_ino != inode or stat.st_size < position:
                inode, position, buffer = stat.st_ino, 0, b""
                skip_to = last_seen
            else:
                skip_to = None
            if stat.st_size <= position:
                time.sleep(poll)
                continue
            with open(self.path, "rb") as handle:
                handle.seek(position)
                buffer += handle.read()
                position = handle.tell()
            *complete, buffer = buffer.split(b"\n")
            if skip_to is not None and skip_to in complete:
                complete = complete[len(complete) - complete[::-1].index(skip_to):]
            for raw in complete:
                last_seen = raw
                parsed = logline.parse(raw.decode("utf-8", errors="replace"))
                if parsed and predicate(parsed):
                    yield parsed

    def _end(self) -> tuple[int, int]:
        try:
            stat = os.stat(self.path)
            return stat.st_size, stat.st_ino
        except FileNotFoundError:
            return 0, 0


class BufferedEmitter:
    """Collects lines (each stamped when emitted) and appends them in batches from a
    thread: the router writes one line per request and must not wait on the file."""

    def __init__(self, plex: Logplex, source: str, dyno: str, interval: float):
        self.plex, self.source, self.dyno, self.interval = plex, source, dyno, interval
        self._lines: list[LogLine] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        threading.Thread(target=self._run, daemon=True, name=f"log-{dyno}").start()

    def __call__(self, message: str) -> None:
        line = LogLine(self.plex.clock(), self.source, self.dyno, message)
        with self._lock:
            self._lines.append(line)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        self.plex.append(lines)
