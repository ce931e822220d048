"""The dyno state machine, driven through a fake container backend and a fake clock: Heroku's
log lines for each transition, crash backoff, R10, R12, cycling, platform faults."""

import random

import pytest

from herosim import poll
from herosim.platform.logplex import Logplex
from herosim.platform.timeouts import Timeouts
from herosim.runtime import plan
from herosim.runtime.dynos import DynoSet
from herosim.runtime.memwatch import MemoryWatch
from herosim.runtime.plan import Boot, Replace, Retire, Wanted
from tests.unit.runtime.fakes import FakeBackend, FakeClock, InlinePool

WEB = Wanted("web.1", "web", "gunicorn app:app", 1, "basic")
WORKER = Wanted("worker.1", "worker", "python worker.py", 1, "basic")


@pytest.fixture
def world(tmp_path):
    backend, clock = FakeBackend(), FakeClock()
    logs = Logplex(tmp_path / "log")
    dynos = DynoSet(backend, logs, Timeouts(boot=60, stop=30, time_scale=0.001), clock=clock, pool=InlinePool(),
                    rng=random.Random(1), report=lambda text: None)
    return backend, clock, logs, dynos


def lines(logs, dyno):
    return [l.message for l in logs.tail(1500) if l.dyno == dyno]


def state(dynos, name):
    return next(v.state for v in dynos.views() if v.name == name)


def wait_state(dynos, name, wanted):
    assert poll.until(lambda: state(dynos, name) == wanted, 5, 0.01), (name, state(dynos, name))


def test_a_web_dyno_is_up_once_it_listens_on_port(world):
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WEB)], wait=False)
    dynos.tick()
    assert state(dynos, "web.1") == "starting" and dynos.backends().up == ()
    assert dynos.backends().starting
    backend.running("web.1").listening = {5000}
    dynos.tick()
    assert state(dynos, "web.1") == "up"
    assert dynos.backends().up == (("web.1", "10.0.0.2", 5000),)
    assert lines(logs, "web.1") == ["Starting process with command `gunicorn app:app`",
                                    "State changed from starting to up"]


def test_a_worker_is_up_when_its_process_starts(world):
    _, _, logs, dynos = world
    dynos.apply([Boot(WORKER)])
    assert state(dynos, "worker.1") == "up"
    assert dynos.backends().web_formation == 0


def test_r10_when_port_is_not_bound_within_the_boot_timeout(world):
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WEB)], wait=False)
    clock.advance(59)
    dynos.tick()
    assert state(dynos, "web.1") == "starting"
    clock.advance(2)
    dynos.tick()
    wait_state(dynos, "web.1", "crashed")
    assert lines(logs, "web.1")[1:] == [
        "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch",
        "Stopping process with SIGKILL",
        "Process exited with status 137",
        "State changed from starting to crashed",
    ]


def test_crashes_restart_at_once_then_after_heroku_cool_offs(world):
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WORKER)])
    backend.running("worker.1").exit(0)   # exit 0 is a crash too
    wait_state(dynos, "worker.1", "crashed")
    dynos.tick()                          # the first crash restarts at once
    assert state(dynos, "worker.1") == "up"
    backend.running("worker.1").exit(1)
    wait_state(dynos, "worker.1", "crashed")
    clock.advance(20 * 60 * 0.001 - 0.1)
    dynos.tick()
    assert state(dynos, "worker.1") == "crashed"
    clock.advance(0.2)                    # 20 min, times the time scale
    dynos.tick()
    assert state(dynos, "worker.1") == "up"
    backend.running("worker.1").exit(1)
    wait_state(dynos, "worker.1", "crashed")
    clock.advance(20 * 60 * 0.001 + 0.1)
    dynos.tick()
    assert state(dynos, "worker.1") == "crashed"  # the third crash waits 40 min
    assert lines(logs, "worker.1")[:5] == [
        "Starting process with command `python worker.py`", "State changed from starting to up",
        "Process exited with status 0", "State changed from up to crashed", "State changed from crashed to starting"]


def test_the_cool_off_resets_after_a_minute_up(world):
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WORKER)])
    backend.running("worker.1").exit(1)
    wait_state(dynos, "worker.1", "crashed")
    dynos.tick()
    clock.advance(61)
    dynos.tick()
    assert next(v.crashes for v in dynos.views()) == 0


def test_restart_starts_the_new_dyno_while_the_old_one_stops(world):
    backend, clock, logs, dynos = world
    backend.ignore_term = True
    dynos.apply([Boot(WORKER)])
    old = backend.running("worker.1")
    assert dynos.restart(["worker.1"]) == ["worker.1"]
    new = backend.running("worker.1")
    assert new is not old and new.started
    assert old.signals == ["SIGTERM", "SIGKILL"] and old in backend.removed
    assert lines(logs, "worker.1")[2:] == [
        "Restarting", "State changed from up to starting", "Stopping all processes with SIGTERM",
        "Error R12 (Exit timeout) -> At least one process failed to exit within 30 seconds of SIGTERM",
        "Stopping remaining processes with SIGKILL", "Process exited with status 137",
        "Starting process with command `python worker.py`", "State changed from starting to up"]
    assert state(dynos, "worker.1") == "up"  # the old one's exit is not a crash


def test_convergence_replaces_retires_and_keeps_crash_counts_apart(world):
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WORKER), Boot(Wanted("clock.1", "clock", "python clock.py", 1, "basic"))])
    newer = Wanted("worker.1", "worker", "python worker.py", 2, "basic")
    dynos.apply(plan.converge({"worker.1": newer}, dynos.seen()))
    assert [v.name for v in dynos.views()] == ["worker.1"]
    assert next(v.release for v in dynos.views()) == 2
    assert lines(logs, "clock.1")[-3:] == ["Stopping all processes with SIGTERM", "Process exited with status 143",
                                           "State changed from up to down"]


def test_cycling_replaces_a_dyno_after_its_period(tmp_path):
    backend, clock = FakeBackend(), FakeClock()
    logs = Logplex(tmp_path / "log")
    dynos = DynoSet(backend, logs, Timeouts(), clock=clock, pool=InlinePool(), cycle_every=100,
                    rng=random.Random(3), report=lambda text: None)
    dynos.apply([Boot(WORKER)])
    clock.advance(99)
    dynos.tick()
    assert "Cycling" not in lines(logs, "worker.1")
    clock.advance(16)  # 100 s plus at most 15 %
    dynos.tick()
    assert "Cycling" in lines(logs, "worker.1") and len(backend.created) == 2


def test_a_platform_failure_is_retried_not_dropped(world):
    backend, clock, logs, dynos = world
    backend.fail_creates = 1
    dynos.apply([Boot(WORKER)])
    assert state(dynos, "worker.1") == "crashed"
    dynos.tick()
    assert state(dynos, "worker.1") == "crashed"   # retried after a delay, not in a loop
    clock.advance(1.5)
    dynos.tick()
    assert state(dynos, "worker.1") == "up"


def test_r14_when_a_dyno_uses_more_than_its_quota(world):
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WORKER)])
    backend.memory["worker.1"] = 612 * 1024 * 1024
    watch = MemoryWatch(dynos, backend, logs, time_scale=1.0, clock=clock)
    watch.sample()
    clock.advance(30)
    watch.sample()  # once a minute (times the time scale), not at every sample
    assert lines(logs, "worker.1")[-2:] == ["Process running mem=612M(119.5%)", "Error R14 (Memory quota exceeded)"]
    assert lines(logs, "worker.1").count("Error R14 (Memory quota exceeded)") == 1


def test_stop_all_stops_every_dyno(world):
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WORKER), Retire("nothing")])
    dynos.stop_all()
    assert dynos.views() == [] and backend.created[0].signals == ["SIGTERM"]


def test_a_dyno_whose_log_stream_breaks_is_followed_again_and_its_crash_seen(world):
    backend, _, logs, dynos = world
    real, broken = backend.follow, [1]

    def follow(process, emit, since=None):
        if broken:
            broken.pop()
            raise ConnectionResetError("the log stream broke")  # not one of the engine errors it expects
        real(process, emit, since)

    backend.follow = follow
    dynos.apply([Boot(WORKER)])
    worker = backend.running("worker.1")
    worker.output = ["after the break"]
    worker.exit(1)
    wait_state(dynos, "worker.1", "crashed")
    assert lines(logs, "worker.1")[-3:] == ["after the break", "Process exited with status 1",
                                            "State changed from up to crashed"]


def test_a_relabelled_dyno_counts_as_running_the_release_and_is_not_replaced(world):
    """herosim dev copied a release's files into a dyno whose server reloads by itself."""
    backend, clock, logs, dynos = world
    dynos.apply([Boot(WORKER), Boot(Wanted("clock.1", "clock", "python clock.py", 1, "basic"))])
    assert dynos.relabel(["worker.1", "ghost.1"], 2) == ["worker.1"]
    wanted = {"worker.1": Wanted("worker.1", "worker", "python worker.py", 2, "basic"),
              "clock.1": Wanted("clock.1", "clock", "python clock.py", 2, "basic")}
    assert plan.converge(wanted, dynos.seen()) == [Replace(wanted["clock.1"])]
    assert next(v.release for v in dynos.views() if v.name == "worker.1") == 2
    assert "Restarting" not in lines(logs, "worker.1")
