"""In-memory stand-ins for the dyno state machine's collaborators: a container backend,
a clock, a synchronous pool."""

from __future__ import annotations

import threading
from concurrent.futures import Future


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class InlinePool:
    """Runs submitted work at once, on the caller's thread."""

    def submit(self, fn, *args, **kwargs) -> Future:
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            future.set_exception(exc)
        return future


class FakeProcess:
    """A dyno's container: listens when told, exits when signalled (unless it ignores SIGTERM)."""

    def __init__(self, name: str, port: int | None, ignore_term: bool = False):
        self.name = name
        self.port = port
        self.ignore_term = ignore_term
        self.listening: set[int] = set()
        self.signals: list[str] = []
        self.started = False
        self.status: int | None = None
        self.done = threading.Event()
        self.output: list[str] = []

    def exit(self, status: int) -> None:
        if self.status is None:
            self.status = status
            self.done.set()


class FakeBackend:
    def __init__(self):
        self.created: list[FakeProcess] = []
        self.removed: list[FakeProcess] = []
        self.fail_creates = 0
        self.ignore_term = False
        self.memory: dict[str, int] = {}

    def create(self, dyno) -> FakeProcess:
        if self.fail_creates:
            self.fail_creates -= 1
            raise ConnectionError("the engine went away")
        process = FakeProcess(dyno.name, 5000 + len(self.created) if dyno.web else None, self.ignore_term)
        self.created.append(process)
        return process

    def start(self, process: FakeProcess):
        process.started = True
        return process.port, (40000 + process.port if process.port else None)

    def signal(self, process: FakeProcess, name: str) -> None:
        process.signals.append(name)
        if name == "SIGKILL":
            process.exit(137)
        elif name == "SIGTERM" and not process.ignore_term:
            process.exit(143)

    def wait(self, process: FakeProcess, timeout: float):
        return process.status if process.done.wait(min(timeout, 0.05)) else None

    def remove(self, process: FakeProcess) -> None:
        self.removed.append(process)

    def follow(self, process: FakeProcess, emit, since=None) -> None:
        process.done.wait(10)
        if process.output:
            emit([(line, None) for line in process.output])

    def listening(self, process: FakeProcess) -> set[int]:
        return process.listening

    def address(self, process: FakeProcess, port, host_port):
        return ("10.0.0.2", port)

    def host_port(self, process, port):
        return 40000 + port if port else None

    def is_running(self, process) -> bool:
        return process.status is None

    def oom_killed(self, process) -> bool:
        return False

    def memory_used(self, process) -> int | None:
        return self.memory.get(process.name)

    def running(self, name: str) -> FakeProcess:
        return [p for p in self.created if p.name == name and p.status is None][-1]
