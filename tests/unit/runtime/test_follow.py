from herosim.runtime import follow
from tests.unit.runtime.fakes import FakeBackend, FakeProcess


class EngineAway(FakeBackend):
    """The engine does not answer for `outages` calls of is_running, and follow returns early
    (its stream broke) while the process still runs, `breaks` times."""

    def __init__(self, outages: int, breaks: int):
        super().__init__()
        self.outages, self.breaks, self.follows = outages, breaks, 0

    def follow(self, process, emit, since=None):
        self.follows += 1
        if self.breaks:
            self.breaks -= 1
            emit([(f"line {self.follows}", None)])
            return
        process.exit(3)  # followed again: it says its last words and ends
        super().follow(process, emit, since)

    def is_running(self, process):
        if self.outages:
            self.outages -= 1
            return None
        return super().is_running(process)


def test_a_broken_stream_is_followed_again_once_the_engine_is_back():
    backend, process, seen, sleeps = EngineAway(outages=2, breaks=1), FakeProcess("web.1", 5000), [], []
    process.output = ["last words"]
    status = follow.until_exit(backend, process, seen.extend, None, lambda: True, sleeps.append)
    assert status == 3 and sleeps == [0.5, 1]  # still running when the engine answered again
    assert [line for line, _ in seen] == ["line 1", "last words"] and backend.follows == 2


def test_a_dyno_that_ended_during_the_outage_reports_its_exit():
    backend, process, sleeps = EngineAway(outages=2, breaks=1), FakeProcess("web.1", 5000), []
    status = follow.until_exit(backend, process, list().extend, None, lambda: True,
                               lambda s: (sleeps.append(s), len(sleeps) == 2 and process.exit(3)))
    assert status == 3 and sleeps == [0.5, 1] and backend.follows == 1


def test_nothing_is_reported_for_a_dyno_that_is_no_longer_ours():
    backend = EngineAway(outages=99, breaks=1)
    ours = iter([True, False])
    assert follow.until_exit(backend, FakeProcess("web.1", 5000), list().extend, None, lambda: next(ours),
                             lambda s: None) is None


def test_an_engine_that_never_comes_back_ends_the_follow_as_an_exit():
    backend = EngineAway(outages=99, breaks=1)
    sleeps = []
    assert follow.until_exit(backend, FakeProcess("web.1", 5000), list().extend, None, lambda: True,
                             sleeps.append) == 0
    assert sleeps == list(follow.BACKOFF)


def test_terminate_waits_the_stop_timeout_then_r12_and_sigkill():
    backend, lines = FakeBackend(), []
    stubborn = FakeProcess("worker.1", None, ignore_term=True)
    backend.signal(stubborn, "SIGTERM")
    assert follow.terminate(backend, stubborn, lines.append, 30) == 137
    assert lines == ["Error R12 (Exit timeout) -> At least one process failed to exit within 30 seconds of SIGTERM",
                     "Stopping remaining processes with SIGKILL"]
    polite, lines = FakeProcess("worker.2", None), []
    backend.signal(polite, "SIGTERM")
    assert follow.terminate(backend, polite, lines.append, 30) == 143 and lines == []
