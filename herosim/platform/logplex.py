"""The app's log: every dyno's output and every platform event, as Logplex keeps it.

One text file per app of already-formatted Heroku lines, written by several threads of
several processes (the dyno manager, its router, the CLI). Writers append whole lines in
one O_APPEND write under a shared flock; the file is trimmed to the last 1,500 lines
(Logplex's limit) once it holds twice that, under the exclusive lock, by swapping the file.

Writing never raises and never stops for good: a line that cannot be written (a full disk)
is counted, the failure is reported once (to stderr: the manager's log), and the next line
that can be written is preceded by Logplex's own notice,
`heroku[logplex]: Error L10 (output buffer overflow): N messages dropped since T.`
Readers take the last N lines and follow.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from herosim import paths
from herosim.const import LOG_LINES_KEPT
from herosim.platform import logline
from herosim.platform.logline import LogLine

# Dev Center, Error codes, L10:
# "Error L10 (output buffer overflow): 500 messages dropped since 2013-04-17T19:04:46+00:00."
DROP_NOTICE = "Error L10 (output buffer overflow): {count} messages dropped since {since}."
REOPEN_ATTEMPTS = 100   # the file swapped under a writer by as many trims in a row: practically never
TRIM_RETRY = 5.0        # seconds before a trim that failed (a full disk) is tried again


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def to_stderr(text: str) -> None:
    try:
        print(f"herosim: {text}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


class Drops:
    """Lines lost since the last notice, announced as Logplex announces its own."""

    def __init__(self):
        self.count = 0
        self.since: dt.datetime | None = None

    def add(self, count: int, when: dt.datetime) -> None:
        if count > 0:
            self.count += count
            self.since = min(self.since, when) if self.since else when

    def notice(self, when: dt.datetime) -> LogLine:
        since = logline.format_timestamp(self.since or when)
        return LogLine(when, "heroku", "logplex", DROP_NOTICE.format(count=self.count, since=since))

    def clear(self) -> None:
        self.count, self.since = 0, None


class Logplex:
    def __init__(self, path: Path, keep: int = LOG_LINES_KEPT, clock: Callable[[], dt.datetime] = now,
                 report: Callable[[str], None] = to_stderr, write: Callable[[int, bytes], int] = os.write):
        self.path = path
        self.keep = keep
        self.clock = clock
        self.report = report
        self._os_write = write
        self._fd: int | None = None
        self._lock = threading.Lock()   # one writer of this object at a time; flock orders the rest
        self._drops = Drops()
        self._failing = False
        self._torn = False              # the last write stopped inside a line: the next starts a new one
        self._trim_after = 0.0
        self._trim_size = keep * 2 * 200  # the size at which a trim next counts lines (learnt from the file)

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

    def append(self, lines: list[LogLine]) -> bool:
        """Write the lines; those that cannot be written are counted as dropped. Never raises."""
        return self.deliver(lines, shed=True) == len(lines)

    def count_dropped(self, count: int, since: dt.datetime) -> None:
        """Lines a writer shed before they reached the store (a full buffer): the log says so."""
        with self._lock:
            self._drops.add(count, since)

    def deliver(self, lines: list[LogLine], shed: bool = False) -> int:
        """How many of `lines` (from the first) were written, after the drop notice when lines
        were lost before; the rest are counted as dropped when `shed`. Never raises."""
        if not lines:
            return 0
        with self._lock:
            error: BaseException | None
            try:
                notice = self._drops.notice(self.clock()) if self._drops.count else None
                batch = [notice, *lines] if notice else list(lines)
                done, error = self._write_lines([line.render() for line in batch])
                if notice is not None and done:
                    self._drops.clear()
                    done -= 1
                elif notice is not None:
                    done = 0
            except Exception as exc:  # noqa: BLE001 - a writer must never die of its log
                done, error = 0, exc
                self.report(f"the app's log {self.path}: {traceback.format_exc()}")
            if shed and done < len(lines):
                self._drops.add(len(lines) - done, lines[done].timestamp)
            self._note(error)
            return done

    def _note(self, error: BaseException | None) -> None:
        """Say once when writing fails and once when it works again."""
        if error is not None and not self._failing:
            self._failing = True
            self.report(f"the app's log {self.path} cannot be written ({error}); lines are counted, "
                        "and the log says how many were dropped once it can be written again")
        elif error is None and self._failing:
            self._failing = False
            self.report(f"the app's log {self.path} is written again")

    def _write_lines(self, rendered: list[str]) -> tuple[int, OSError | None]:
        """(complete lines written, the error that stopped the rest)."""
        prefix = b"\n" if self._torn else b""
        data = prefix + "".join(text + "\n" for text in rendered).encode("utf-8", errors="replace")
        for _ in range(REOPEN_ATTEMPTS):
            try:
                fd = self._open()
                fcntl.flock(fd, fcntl.LOCK_SH)
            except OSError as exc:
                self._close()
                return 0, exc
            try:
                stale = os.fstat(fd).st_ino != _inode(self.path)
                if not stale:
                    written, error = self._write_all(fd, data)
                    size = os.fstat(fd).st_size
            finally:
                _unlock(fd)  # before any close: unlocking a closed descriptor was issue 19's EBADF
            if stale:  # trimmed meanwhile: the path is a new file
                self._close()
                continue
            if written > len(prefix):
                self._torn = not data[:written].endswith(b"\n")
            done = data[len(prefix):written].count(b"\n")
            if error is None and size > self._trim_size:  # a size gate before counting lines
                self._trim(size)
            return done, error
        return 0, OSError(f"{self.path} kept being replaced")

    def _write_all(self, fd: int, data: bytes) -> tuple[int, OSError | None]:
        written = 0
        while written < len(data):
            try:
                count = self._os_write(fd, data[written:])
            except InterruptedError:
                continue
            except OSError as exc:
                return written, exc
            if count <= 0:
                return written, OSError(f"{self.path}: nothing written")
            written += count
        return written, None

    def _open(self) -> int:
        if self._fd is None:
            paths.private_dir(self.path.parent)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, paths.PRIVATE_FILE)
        return self._fd

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            except OSError:
                pass

    def _trim(self, size: int = 0) -> None:
        """Keep the last `keep` lines once the file holds twice that; a trim that fails (a full
        disk) leaves the file as it is and is tried again a little later. A file not long enough
        yet moves the size gate to where it will be, by its lines' own length: otherwise every
        write would read the whole file again (router lines are longer than the first guess)."""
        if time.monotonic() < self._trim_after:
            return
        tmp = self.path.with_suffix(".trim")
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino != _inode(self.path):
                return  # someone else trimmed it meanwhile
            with open(fd, "rb", closefd=False) as handle:
                lines = handle.readlines()
            if len(lines) <= self.keep * 2:
                per_line = max(size, sum(map(len, lines))) / max(len(lines), 1)
                self._trim_size = int(per_line * (self.keep * 2 + 1))
                return
            with paths.open_private(tmp, "wb") as handle:
                handle.writelines(lines[-self.keep:])
            os.replace(tmp, self.path)
        except OSError as exc:
            self._trim_after = time.monotonic() + TRIM_RETRY
            tmp.unlink(missing_ok=True)
            self.report(f"the app's log {self.path} could not be trimmed ({exc}); trying again later")
        finally:
            os.close(fd)  # releases the exclusive lock
        self._close()

    def buffered(self, source: str, dyno: str, interval: float = 0.05):
        from herosim.platform.logbuffer import BufferedEmitter
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


def _unlock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


def _inode(path: Path) -> int:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return -1
