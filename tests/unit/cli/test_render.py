import datetime as dt

from herosim.cli import render
from herosim.platform.names import from_dir as app_name_from_dir
from herosim.platform.state import AppState
from herosim.runtime.dyno import DynoView
from herosim.runtime.plan import CRASHED, UP

NOW = dt.datetime(2026, 11, 28, 5, 0, 0, tzinfo=dt.timezone.utc)


def test_ps_groups_by_process_type():
    dynos = [
        DynoView("web.1", "web", "gunicorn app:app", UP, "2026-11-28T04:57:00+00:00", 1, "Basic", 40001, None, 0),
        DynoView("worker.1", "worker", "python worker.py", CRASHED, "2026-11-28T04:59:30+00:00", 1, "Basic", None,
                 None, 1),
    ]
    assert render.ps(dynos, NOW) == [
        "=== web (Basic): gunicorn app:app (1)",
        "web.1: up 2026/11/28 04:57:00 +0000 (~ 3m ago)",
        "",
        "=== worker (Basic): python worker.py (1)",
        "worker.1: crashed 2026/11/28 04:59:30 +0000 (~ 30s ago)",
    ]


def test_config_lines_align_values():
    assert render.config({"B": "2", "LONGER": "1"}, "app") == ["=== app Config Vars", "B:      2", "LONGER: 1"]
    assert render.shell({"A": "x y"}) == ["A='x y'"]


def test_releases_count_up_from_v1(tmp_path):
    state = AppState("demo", root=tmp_path)
    state.add_release("Deploy abc", slug="sha256:1", processes={"web": "x"}, config_vars={})
    state.update_config_vars({"A": "1"})
    second = state.add_release("Set A config vars", slug="sha256:1", processes={"web": "x"},
                               config_vars=state.config_vars())
    assert second.version == 2 and state.current_release().config_vars == {"A": "1"}
    lines = render.releases(state.releases(), "demo", dt.datetime.now(dt.timezone.utc))
    assert lines[0] == "=== ⬢ demo Releases - Current: v2"
    assert lines[1].startswith("v2  Set A config vars  ")


def test_app_names_follow_herokus_rules(tmp_path):
    assert app_name_from_dir(tmp_path / "My_Flask App") == "my-flask-app"
    assert app_name_from_dir(tmp_path / "2fast") == "app-2fast"


def test_fields_and_tables_as_herokus_cli_draws_them():
    # the CLI's styledObject: one space after the longest key's colon
    assert render.fields([("Plan", "mini"), ("Connections", "3/20")]) == [
        "Plan:        mini", "Connections: 3/20"]
    assert render.table([("ID", "Status"), ("b001", "Completed")], rule=True) == [
        "ID    Status", "────  ─────────", "b001  Completed"]
    assert render.table([("ID", "Command"), ("1", "echo")]) == ["ID  Command", "1   echo"]
