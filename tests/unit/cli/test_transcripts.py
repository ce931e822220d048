"""Whole transcripts of the CLI's everyday commands, as Heroku's CLI prints them (stdout and
stderr separately). No engine: a stand-in Docker client with no containers or add-ons."""

import re

import pytest
from click.testing import CliRunner

from herosim.cli import cli
from herosim.cli.base import Env
from herosim.platform.logline import LogLine
from herosim.platform.logplex import Logplex
from herosim.platform.state import AppState


class Nothing:
    def list(self, *args, **kwargs):
        return []


class NoEngine:
    containers = volumes = networks = images = Nothing()


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path))
    monkeypatch.setenv("HEROSIM_USER", "dev@example.com")

    def invoke(*args):
        result = CliRunner().invoke(cli, [*args], obj=Env(client=NoEngine()), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr
    return invoke


def test_config_vars_set_list_get_unset(run):
    assert run("config:set", "LOG_TO_STDOUT=1", "SECRET_KEY=s3cr=t", "-a", "demo") == (
        0, "LOG_TO_STDOUT: 1\nSECRET_KEY:    s3cr=t\n",
        "Setting LOG_TO_STDOUT, SECRET_KEY and restarting ⬢ demo... done, v1\n")
    assert run("config", "-a", "demo") == (0, "=== demo Config Vars\nLOG_TO_STDOUT: 1\nSECRET_KEY:    s3cr=t\n", "")
    assert run("config", "-s", "-a", "demo")[1] == "LOG_TO_STDOUT=1\nSECRET_KEY=s3cr=t\n"
    assert run("config:get", "SECRET_KEY", "-a", "demo")[1] == "s3cr=t\n"
    assert run("config:unset", "SECRET_KEY", "-a", "demo") == (
        0, "", "Unsetting SECRET_KEY and restarting ⬢ demo... done, v2\n")


def test_releases_list_newest_first(run):
    run("config:set", "A=1", "-a", "demo")
    run("config:unset", "A", "-a", "demo")
    code, out, err = run("releases", "-a", "demo")
    assert code == 0 and err == ""
    assert re.fullmatch(r"=== ⬢ demo Releases - Current: v2\n"
                        r"v2  Remove A config vars  dev@example.com  \d+s ago\n"
                        r"v1  Set A config vars  dev@example.com  \d+s ago\n", out), out


def test_malformed_config_set_is_one_line_and_a_hint(run):
    assert run("config:set", "FOO", "-a", "demo") == (
        1, "", " ▸    FOO is invalid. Must be in the format FOO=bar.\n"
               " ▸    Hint: e.g. `herosim config:set LOG_TO_STDOUT=1`\n")


def test_ps_scale_without_a_release(run):
    run("config:set", "A=1", "-a", "demo")   # the app exists, with no slug yet
    assert run("ps:scale", "web=2", "-a", "demo") == (
        1, "", " ▸    No process types on ⬢ demo.\n ▸    Hint: deploy an app with a Procfile first: herosim up\n")


def test_ps_without_dynos(run):
    run("config:set", "A=1", "-a", "demo")
    assert run("ps", "-a", "demo") == (0, "", "No dynos on ⬢ demo\n")


def test_logs_filters_by_process_type_and_count(run, tmp_path):
    plex = Logplex(AppState("demo").path("logplex.log"))
    import datetime as dt
    when = dt.datetime(2026, 11, 29, 12, 0, 0, tzinfo=dt.timezone.utc)
    plex.append([LogLine(when, "app", "web.1", "one"), LogLine(when, "heroku", "router", "at=info"),
                 LogLine(when, "app", "worker.1", "two"), LogLine(when, "app", "web.1", "three")])
    assert run("logs", "-a", "demo", "-p", "web", "-n", "1") == (
        0, "2026-11-29T12:00:00.000000+00:00 app[web.1]: three\n", "")
    assert run("logs", "-a", "demo", "-s", "heroku")[1] == "2026-11-29T12:00:00.000000+00:00 heroku[router]: at=info\n"
