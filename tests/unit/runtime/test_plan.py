"""The dyno manager's pure decisions: convergence and the clock."""

import random

from herosim.platform.releases import Release
from herosim.runtime import plan
from herosim.runtime.plan import Boot, Replace, Retire, Seen, Wanted


def release(version=3, processes=None, slug="sha256:slug"):
    return Release(version, "Deploy", "2026-01-01T00:00:00+00:00", "dev@localhost", slug=slug,
                   processes=processes or {"web": "gunicorn app:app", "worker": "rq worker", "release": "migrate"})


def seen(name, release=3, command="gunicorn app:app", size="basic", state="up", **extra):
    return Seen(name, command, release, size, state, **extra)


def test_wanted_expands_the_formation_without_the_release_phase():
    found = plan.wanted(release(), {"web": 2, "worker": 1}, {"worker": "standard-2x"}, "basic")
    assert list(found) == ["web.1", "web.2", "worker.1"]
    assert found["worker.1"] == Wanted("worker.1", "worker", "rq worker", 3, "standard-2x")
    assert plan.wanted(release(slug=None), {"web": 1}, {}, "basic") == {}
    assert plan.wanted(None, {"web": 1}, {}, "basic") == {}


def test_converge_boots_replaces_and_retires():
    wanted = {"web.1": Wanted("web.1", "web", "gunicorn app:app", 4, "basic"),
              "web.2": Wanted("web.2", "web", "gunicorn app:app", 4, "basic"),
              "worker.1": Wanted("worker.1", "worker", "rq worker", 3, "standard-2x")}
    have = {"web.1": seen("web.1"), "worker.1": seen("worker.1", command="rq worker"),
            "clock.1": seen("clock.1", command="python clock.py")}
    assert plan.converge(wanted, have) == [
        Replace(wanted["web.1"]),        # a new release
        Boot(wanted["web.2"]),           # scaled up
        Replace(wanted["worker.1"]),     # a new size means a new container
        Retire("clock.1"),               # gone from the formation
    ]


def test_converge_leaves_matching_dynos_alone():
    wanted = {"web.1": Wanted("web.1", "web", "gunicorn app:app", 3, "basic")}
    assert plan.converge(wanted, {"web.1": seen("web.1", state="crashed")}) == []


def test_the_clock_asks_for_boot_checks_restarts_resets_and_cycles():
    dynos = [seen("web.1", state="starting", web=True),
             seen("web.2", state="starting", web=True, boot_reported=True),
             seen("worker.1", state="crashed", restart_at=99.0),
             seen("worker.2", state="crashed", restart_at=101.0),
             seen("clock.1", state="up", crashes=3, up_at=30.0),
             seen("web.3", state="up", web=True, crashes=2, up_at=90.0, cycle_at=100.0),
             seen("web.4", state="starting", web=True, busy=True)]
    assert [(d.kind, d.name) for d in plan.due(dynos, now=100.0, success_window=60.0)] == [
        ("boot-check", "web.1"), ("restart", "worker.1"), ("reset-crashes", "clock.1"), ("cycle", "web.3")]


def test_boot_verdict():
    assert plan.boot_verdict(True, started=0, now=70, boot_timeout=60) == "up"
    assert plan.boot_verdict(False, started=0, now=59, boot_timeout=60) == "starting"
    assert plan.boot_verdict(False, started=0, now=61, boot_timeout=60) == "timeout"


def test_next_cycle_adds_up_to_fifteen_percent():
    rng = random.Random(7)
    draws = [plan.next_cycle(0.0, 86400, 0.15, rng) for _ in range(200)]
    assert all(86400 <= d <= 86400 * 1.15 for d in draws) and len(set(draws)) > 100
    assert plan.next_cycle(0.0, None, 0.15, rng) is None
