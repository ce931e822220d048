import datetime as dt
import threading

import pytest

from herosim.platform.logplex import Logplex

T0 = dt.datetime(2026, 11, 28, 4, 38, 58, 998605, tzinfo=dt.timezone.utc)


def clock():
    return T0


def test_emit_and_tail(tmp_path):
    plex = Logplex(tmp_path / "log", clock=clock)
    plex.platform("web.1", "State changed from starting to up")
    plex.emit("app", "web.1", "line one\nline two")
    lines = [l.render() for l in plex.tail(100)]
    assert lines == [
        "2026-11-28T04:38:58.998605+00:00 heroku[web.1]: State changed from starting to up",
        "2026-11-28T04:38:58.998605+00:00 app[web.1]: line one",
        "2026-11-28T04:38:58.998605+00:00 app[web.1]: line two",
    ]
    assert [l.message for l in plex.tail(1)] == ["line two"]
    assert [l.source for l in plex.tail(10, lambda l: l.source == "heroku")] == ["heroku"]


def test_keeps_only_the_last_1500_lines(tmp_path):
    plex = Logplex(tmp_path / "log", keep=1500, clock=clock)
    for i in range(4000):
        plex.emit("app", "web.1", f"line {i} " + "x" * 150)
    kept = plex.tail(5000)
    assert len(kept) <= 3000
    assert kept[-1].message.startswith("line 3999 ")
    assert len(plex.tail(1500)) == 1500


def test_follow_sees_new_lines_across_a_trim(tmp_path):
    plex = Logplex(tmp_path / "log", keep=10, clock=clock)
    plex.emit("app", "web.1", "before")
    seen, done = [], threading.Event()

    def reader():
        for line in plex.follow(stop=done.is_set, poll=0.01):
            seen.append(line.message)
            if line.message == "last":
                done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    import time
    time.sleep(0.1)
    for i in range(300):
        plex.emit("app", "web.1", f"n{i} " + "y" * 100)
    plex.emit("app", "web.1", "last")
    thread.join(timeout=5)
    assert "before" not in seen
    assert seen[-1] == "last"
    assert seen == sorted(set(seen), key=seen.index)  # no duplicates


class FullDisk:
    """os.write that fails with ENOSPC while `full`, after writing `partial` bytes of the data."""

    def __init__(self, partial: int = 0):
        self.full, self.partial = False, partial

    def __call__(self, fd, data):
        import errno
        import os
        if self.full:
            if self.partial:
                written, self.partial = os.write(fd, data[:self.partial]), 0
                return written
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(fd, data)


def test_lines_that_cannot_be_written_are_counted_and_announced_as_logplex_does(tmp_path):
    disk, reports = FullDisk(), []
    plex = Logplex(tmp_path / "log", clock=clock, report=reports.append, write=disk)
    plex.emit("app", "web.1", "before")
    disk.full = True
    assert plex.emit("app", "web.1", "lost one\nlost two") and plex.platform("router", "lost three")
    disk.full = False
    plex.emit("app", "web.1", "after")
    plex.emit("app", "web.1", "and after")
    assert [l.render() for l in plex.tail(10)] == [
        "2026-11-28T04:38:58.998605+00:00 app[web.1]: before",
        "2026-11-28T04:38:58.998605+00:00 heroku[logplex]: Error L10 (output buffer overflow): "
        "3 messages dropped since 2026-11-28T04:38:58.998605+00:00.",
        "2026-11-28T04:38:58.998605+00:00 app[web.1]: after",
        "2026-11-28T04:38:58.998605+00:00 app[web.1]: and after",
    ]
    assert len(reports) == 2 and "No space left on device" in reports[0] and "written again" in reports[1]


def test_a_line_cut_by_a_full_disk_does_not_swallow_the_next(tmp_path):
    disk = FullDisk(partial=30)
    plex = Logplex(tmp_path / "log", clock=clock, report=lambda _: None, write=disk)
    disk.full = True
    plex.emit("app", "web.1", "cut in the middle of this line")
    disk.full = False
    plex.emit("app", "web.1", "whole")
    assert [l.message for l in plex.tail(10)][-2:] == [
        "Error L10 (output buffer overflow): 1 messages dropped since 2026-11-28T04:38:58.998605+00:00.", "whole"]


def wait_for(predicate, timeout=5.0):
    import time
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_routers_buffer_survives_a_full_disk_holds_a_bounded_backlog_and_says_what_it_dropped(tmp_path):
    disk, reports = FullDisk(), []
    plex = Logplex(tmp_path / "log", report=reports.append, write=disk)
    emit = plex.buffered("heroku", "router", interval=0.01)
    emit.limit = 100
    emit("first")
    wait_for(lambda: len(plex.tail(10)) == 1)
    disk.full = True
    for i in range(250):
        emit(f"request {i}")
    wait_for(lambda: reports)
    assert len(emit._pending) + len(emit._unsent) <= 2 * emit.limit
    disk.full = False
    wait_for(lambda: any(l.message == "request 249" for l in plex.tail(500)))
    messages = [l.message for l in plex.tail(500)]
    assert messages[0] == "first"
    assert messages[1].startswith("Error L10 (output buffer overflow): 150 messages dropped since ")
    assert messages[2:] == [f"request {i}" for i in range(150, 250)]   # the newest kept, as Logplex keeps them
    emit("later")
    wait_for(lambda: plex.tail(1)[0].message == "later")
    assert emit._thread.is_alive()


def since_of(line) -> str:
    return line.message.rsplit(" ", 1)[1].rstrip(".")


def test_a_deferred_line_that_fails_loses_itself_only(tmp_path):
    reports = []
    plex = Logplex(tmp_path / "log", report=reports.append)
    emit = plex.buffered("heroku", "router", interval=3600)
    emit("one")
    emit.defer(lambda **fields: 1 / 0, status=200)
    emit.defer(lambda status: f"status={status}", status=503)
    emit.flush()
    emit("two")
    emit.flush()
    assert [l.message for l in plex.tail(10)] == [
        "one", "status=503",
        "Error L10 (output buffer overflow): 1 messages dropped since " + since_of(plex.tail(10)[2]) + ".", "two"]
    assert "ZeroDivisionError" in reports[0]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_writer_thread_is_started_again_if_it_ends(tmp_path):
    plex = Logplex(tmp_path / "log")
    emit = plex.buffered("heroku", "router", interval=0.01)
    first, real_flush = emit._thread, emit.flush

    def fatal():
        emit.flush = real_flush
        raise SystemExit  # what no `except Exception` catches: the thread ends
    emit.flush = fatal
    first.join(5)
    assert not first.is_alive()
    emit("after a restart")
    wait_for(lambda: [l.message for l in plex.tail(5)] == ["after a restart"])
    assert emit._thread is not first


def test_a_log_not_long_enough_to_trim_is_not_read_at_every_write(tmp_path, monkeypatch):
    from herosim.platform.logplex import Logplex
    log = Logplex(tmp_path / "log", keep=50)
    reads = []
    real = Logplex._trim

    def counting(self, size=0):
        reads.append(size)
        return real(self, size)
    monkeypatch.setattr(Logplex, "_trim", counting)
    long = "x" * 400   # lines longer than the first guess of the size gate
    for i in range(99):
        log.emit("app", "web.1", f"{i} {long}")
    assert len(reads) <= 3, len(reads)      # the gate moved past the lines counted
    for i in range(10):
        log.emit("app", "web.1", f"more {i} {long}")
    assert len(list(log.tail(1000))) <= 100   # and a trim still happens once there are enough
