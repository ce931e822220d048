"""The deployer's rules without Docker: when `up` makes no new release, and which dynos a
deploy of the running release starts again."""

from herosim.app.deploy import Deployer, crashed, unchanged
from herosim.platform.releases import PENDING
from herosim.platform.state import AppState
from herosim.platform.timeouts import Timeouts
from herosim.runtime.plan import CRASHED, UP
from tests.unit.app.fakes import FakeManager, view

SLUG, PROCESSES, CONFIG = "sha256:aaa", {"web": "gunicorn app:app"}, {"SECRET_KEY": "x"}


def test_the_same_slug_process_types_and_config_vars_make_no_new_release(tmp_path):
    state = AppState("demo", root=tmp_path)
    assert unchanged(state.current_release(), SLUG, PROCESSES, CONFIG) is None   # nothing released yet
    v1 = state.add_release("Deploy 1a2b3c4d", SLUG, PROCESSES, CONFIG)
    assert unchanged(state.current_release(), SLUG, PROCESSES, CONFIG) == v1
    assert unchanged(state.current_release(), "sha256:bbb", PROCESSES, CONFIG) is None
    assert unchanged(state.current_release(), SLUG, {**PROCESSES, "worker": "python w.py"}, CONFIG) is None
    assert unchanged(state.current_release(), SLUG, PROCESSES, {"SECRET_KEY": "y"}) is None


def test_a_release_whose_release_phase_runs_is_not_the_one_compared(tmp_path):
    state = AppState("demo", root=tmp_path)
    v1 = state.add_release("Deploy 1a2b3c4d", SLUG, PROCESSES, CONFIG)
    state.add_release("Deploy 5e6f7a8b", "sha256:bbb", PROCESSES, CONFIG, status=PENDING)
    assert unchanged(state.current_release(), SLUG, PROCESSES, CONFIG) == v1


def test_crashed_dynos_of_the_running_release_start_again_and_only_then():
    dynos = [view("web.1", UP), view("worker.1", CRASHED, crashes=2), view("worker.2", CRASHED)]
    assert crashed(dynos) == ["worker.1", "worker.2"]
    manager = FakeManager(dynos)
    Deployer._launch(manager, 3, True, Timeouts())
    assert manager.calls == [("deploy", 3), ("restart", "worker.1"), ("restart", "worker.2")]
    manager = FakeManager(dynos)
    Deployer._launch(manager, 4, False, Timeouts())   # a new release restarts every dyno itself
    assert manager.calls == [("deploy", 4)]
