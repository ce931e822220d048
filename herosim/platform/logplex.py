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

from herosim import paths
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
        self._fd: int | None = None
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------
    def emit(self, source: str, dyno: str, message: str, when: dt.datetime | None = None) -> list[LogLine]:
        when = when or self.clock()
        lines = [LogLine(when, source, dyno, piece)
                 for raw in (message.splitlines() or [""])
                 for piece in logline.chunks(raw)]
        self.append(lines)
        return lines

    def emit_many(self, source: str, dyno: str, messages: list[tuple[str, dt.datetime | None]]) -> None:
        """Several lines of one dyno in one write (a chunk of its output)."""
        stamp = self.clock()
        self.append([LogLine(when or stamp, source, dyno, piece)
                     for message, when in messages
                     for raw in (message.splitlines() or [""])
                     for piece in logline.chunks(raw)])

    def platform(self, dyno: str, message: str) -> list[LogLine]:
        return self.emit("heroku", dyno, message)

    def append(self, lines: list[LogLine]) -> None:
        """Whole lines in one O_APPEND write under a shared lock (several processes write this
        file); a trim takes the lock exclusively and swaps the file, so a writer that finds
        the path pointing elsewhere reopens it."""
        if not lines:
            return
        data = "".join(line.render() + "\n" for line in lines).encode("utf-8")
        with self._lock:
            for _ in range(5):
                fd = self._open()
                fcntl.flock(fd, fcntl.LOCK_SH)
                try:
                    if os.fstat(fd).st_ino != _inode(self.path):
                        self._close()
                        continue
                    os.write(fd, data)
                    size = os.fstat(fd).st_size
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                break
            else:
                return
            if size > self.keep * 2 * 200:  # cheap size gate before counting lines
                self._trim()

    def _open(self) -> int:
        if self._fd is None:
            paths.private_dir(self.path.parent)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, paths.PRIVATE_FILE)
        return self._fd

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _trim(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino != _inode(self.path):
                return  # someone else trimmed it meanwhile
            with open(fd, "rb", closefd=False) as handle:
                lines = handle.readlines()
            if len(lines) <= self.keep * 2:
                return
            tmp = self.path.with_suffix(".trim")
            with paths.open_private(tmp, "wb") as handle:
                handle.writelines(lines[-self.keep:])
            os.replace(tmp, self.path)
        finally:
            os.close(fd)
        self._close()

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
    """Collects lines and appends them in batches from a thread: the router writes one line
    per request and must not wait on the file. A line is stamped when it is emitted; its
    text can be made later, at the flush (`defer`), off the request's path."""

    def __init__(self, plex: Logplex, source: str, dyno: str, interval: float):
        self.plex, self.source, self.dyno, self.interval = plex, source, dyno, interval
        self._pending: list[tuple[float, object, dict | None]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        threading.Thread(target=self._run, daemon=True, name=f"log-{dyno}").start()

    def __call__(self, message: str) -> None:
        self._pending.append((time.time(), message, None))  # list.append is atomic under the GIL

    def defer(self, make: Callable[..., str], **fields) -> None:
        """A line whose text is `make(**fields)`, made at the next flush."""
        self._pending.append((time.time(), make, fields))

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        utc = dt.timezone.utc
        self.plex.append([LogLine(dt.datetime.fromtimestamp(stamp, utc), self.source, self.dyno,
                                  item if fields is None else item(**fields))
                          for stamp, item, fields in pending])


def _inode(path: Path) -> int:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return -1
