"""What both kinds of drain share: the bounded buffer lines are pushed into (never blocking
the log's reader), a thread that delivers from it, and counters for `drains:info`."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from herosim.drains.buffer import DEFAULT_SIZE, MessageBuffer
from herosim.drains.model import Drain
from herosim.platform.logline import LogLine


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Counters:
    delivered: int = 0
    dropped: int = 0
    requests: int = 0
    last_error: str = ""


class Worker:
    def __init__(self, drain: Drain, clock: Callable[[], dt.datetime] = utcnow, size: int = DEFAULT_SIZE):
        self.drain = drain
        self.clock = clock
        self.buffer = MessageBuffer(size, clock)
        self.counters = Counters()
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the reader's side: O(1) per line, never waits on the network --------------------------
    def push(self, lines: Iterable[LogLine]) -> None:
        frames = [self.encode(line) for line in lines]   # outside the lock
        with self._cond:
            for frame in frames:
                self.buffer.push(frame)
            self._cond.notify()

    def encode(self, line: LogLine) -> bytes:
        raise NotImplementedError

    # -- the delivering thread ---------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"drain-{self.drain.token[:10]}")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        self.close()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def pause(self, seconds: float) -> None:
        """A backoff that `stop` cuts short."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def wait_for_data(self, timeout: float = 1.0) -> bool:
        with self._cond:
            if not len(self.buffer) and not self.buffer.lost and not self.stopping:
                self._cond.wait(timeout)
            return bool(len(self.buffer) or self.buffer.lost)

    def take(self, target: int):
        with self._cond:
            return self.buffer.take(target)

    def resize(self, size: int) -> None:
        with self._cond:
            self.buffer.resize(size)

    def _run(self) -> None:
        while not self.stopping:
            try:
                self.step()
            except Exception as exc:  # noqa: BLE001 - a drain never takes the manager down
                self.counters.last_error = f"{type(exc).__name__}: {exc}"
                self.close()
                self.pause(1.0)

    def step(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Drop the connection, if any."""
