"""The app's dynos without Docker: ps:wait's count, the wait for a web dyno's answer, ps:scale
and maintenance mode, against a fake dyno manager and a real AppState in a temporary folder."""

import pytest

from herosim.app.dynos import Dynos, counted, readiness
from herosim.errors import HerosimError
from herosim.platform.releases import current_user
from herosim.runtime.plan import CRASHED, DOWN, STARTING, UP
from tests.unit.app.fakes import FakeManager, context, view

PROCESSES = {"web": "gunicorn app:app", "worker": "python worker.py"}


@pytest.mark.parametrize("dynos, process_type, with_run, expected", [
    ([view("web.1", UP), view("worker.1", STARTING)], None, False, (1, 2)),
    ([view("web.1", UP, release=1), view("web.2", UP, release=2)], None, False, (1, 2)),   # v2 not yet everywhere
    ([view("web.1", UP), view("worker.1", CRASHED)], "web", False, (1, 1)),
    ([view("web.1", UP), view("run.1", UP, release=1), view("release.1", UP)], None, False, (1, 1)),
    ([view("web.1", UP), view("run.1", STARTING)], None, True, (1, 2)),
    ([], None, False, (0, 0)),
])
def test_ps_wait_counts_the_dynos_up_on_the_release(dynos, process_type, with_run, expected):
    assert counted(dynos, process_type, with_run, version=1) == expected


@pytest.mark.parametrize("dynos, expected", [
    ([view("web.1", CRASHED, crashes=2), view("web.2", CRASHED, crashes=3)],
     (False, "web dynos crashed: web.1 (2 crashes), web.2 (3 crashes)")),
    ([view("web.1", CRASHED, crashes=1)], (None, "web dynos: web.1 crashed")),   # restarted at once: wait
    ([view("web.1", CRASHED, crashes=2), view("web.2", STARTING)], (None, "web dynos: web.1 crashed, web.2 starting")),
    ([view("worker.1", UP)], (True, "no web process type")),
    ([], (None, "web dynos: ")),
    ([view("web.1", UP), view("web.2", DOWN)], None),   # one answers: the router is asked next
])
def test_what_the_dynos_say_before_the_router_is_asked(dynos, expected):
    assert readiness(dynos) == expected


def test_waiting_for_an_answer_ends_at_once_when_the_web_dynos_crashed_for_good(tmp_path):
    ctx = context(tmp_path, FakeManager([view("web.1", CRASHED, crashes=2)]))
    ctx.state.add_release("Deploy 1a2b3c4d", "sha256:aaa", PROCESSES, {})
    assert Dynos(ctx).wait_until_answering("http://127.0.0.1:9/", timeout=5) == (
        False, "web dynos crashed: web.1 (2 crashes)")
    ctx.state.add_release("Deploy 5e6f7a8b", "sha256:bbb", {"worker": "python worker.py"}, {})
    assert Dynos(ctx).wait_until_answering("http://127.0.0.1:9/", timeout=5) == (True, "no web process type")


def test_waiting_gives_up_with_what_it_saw(tmp_path):
    ctx = context(tmp_path, FakeManager([view("web.1", STARTING)]))
    ctx.state.add_release("Deploy 1a2b3c4d", "sha256:aaa", PROCESSES, {})
    assert Dynos(ctx).wait_until_answering("http://127.0.0.1:9/", timeout=0.3) == (False, "web dynos: web.1 starting")


def test_ps_wait_counts_on_the_current_release(tmp_path):
    ctx = context(tmp_path, FakeManager([view("web.1", UP, release=2), view("worker.1", UP, release=1)]))
    assert Dynos(ctx).waiting_for(None, False) == (0, 2, None)   # no release yet
    ctx.state.add_release("Deploy 1a2b3c4d", "sha256:aaa", PROCESSES, {})
    ctx.state.add_release("Deploy 5e6f7a8b", "sha256:bbb", PROCESSES, {})
    assert Dynos(ctx).waiting_for(None, False) == (1, 2, 2)
    assert Dynos(ctx).waiting_for("worker", False) == (0, 1, 2)


def test_scale_persists_the_formation_and_sizes_logs_it_and_converges(tmp_path):
    manager = FakeManager()
    ctx = context(tmp_path, manager)
    ctx.state.add_release("Deploy 1a2b3c4d", "sha256:aaa", PROCESSES, {})
    scaled = Dynos(ctx).scale(["worker=1", "web=1:standard-2x"])
    assert (scaled.counts, scaled.types, scaled.sizes) == ({"web": 1, "worker": 1}, ["web", "worker"],
                                                            {"web": "standard-2x"})
    assert ctx.state.formation() == {"web": 1, "worker": 1}
    assert ctx.state.settings().sizes == {"web": "standard-2x"}
    assert manager.calls == [("converge",)]
    assert [line.message for line in ctx.logs.tail(5)] == [
        f"Scaled to web@1:Standard-2X worker@1:Basic by user {current_user()}"]
    assert Dynos(ctx).formation() == scaled


def test_scale_keeps_heroku_limits_and_changes_nothing_past_them(tmp_path):
    manager = FakeManager()
    ctx = context(tmp_path, manager)
    ctx.state.add_release("Deploy 1a2b3c4d", "sha256:aaa", PROCESSES, {})
    with pytest.raises(HerosimError, match="Cannot update to more than 1 Basic size dynos per process type."):
        Dynos(ctx).scale(["web=2"])
    assert ctx.state.formation() is None and manager.calls == []


def test_scale_with_no_dynos_running_only_persists(tmp_path):
    ctx = context(tmp_path, None)
    ctx.state.add_release("Deploy 1a2b3c4d", "sha256:aaa", PROCESSES, {})
    Dynos(ctx).scale(["worker+1"])
    assert ctx.state.formation() == {"web": 1, "worker": 1}


def test_scale_without_process_types_says_what_to_do(tmp_path):
    with pytest.raises(HerosimError, match="No process types on ⬢ demo.") as info:
        Dynos(context(tmp_path, FakeManager())).scale(["web=1"])
    assert info.value.hint == "deploy an app with a Procfile first: herosim up"


def test_maintenance_is_a_setting_the_manager_is_told_of(tmp_path):
    manager = FakeManager()
    ctx = context(tmp_path, manager)
    dynos = Dynos(ctx)
    assert not dynos.maintenance()
    dynos.set_maintenance(True)
    assert dynos.maintenance() and ctx.state.settings().maintenance and manager.calls == [("refresh",)]
    Dynos(context(tmp_path, None)).set_maintenance(False)   # no manager: the setting alone
    assert not dynos.maintenance()


def test_a_detached_run_needs_a_running_manager(tmp_path):
    ctx = context(tmp_path, None)
    ctx.state.add_release("Deploy 1a2b3c4d", "sha256:aaa", PROCESSES, {})
    with pytest.raises(HerosimError, match="No dyno manager is running for demo"):
        Dynos(ctx).run_detached(["python", "manage.py", "migrate"])


def test_the_fake_manager_takes_what_the_real_client_takes():
    import inspect

    from herosim.runtime.client import ManagerClient
    from tests.unit.app.fakes import FakeManager
    for name in ("ping", "status", "deploy", "converge", "restart", "refresh"):
        fake, real = (list(inspect.signature(getattr(cls, name)).parameters) for cls in (FakeManager, ManagerClient))
        assert fake == real, name
