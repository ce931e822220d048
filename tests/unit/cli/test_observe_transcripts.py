"""Whole transcripts of drains, labs and metrics (no engine: a stand-in Docker client)."""

import json
import re

import pytest
from click.testing import CliRunner

from herosim.cli import cli
from herosim.cli.base import Env
from herosim.metrics.collector import Collector
from herosim.platform.state import AppState
from tests.unit.cli.test_transcripts import NoEngine
from tests.unit.metrics.test_rollups import router


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path))
    monkeypatch.setenv("HEROSIM_USER", "dev@example.com")
    AppState("demo").update_settings(router_port=5006)

    def invoke(*args):
        result = CliRunner().invoke(cli, [*args], obj=Env(client=NoEngine()), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr
    return invoke


def test_drains_add_list_info_remove(run, tmp_path):
    assert run("drains", "-a", "demo") == (0, "", "")
    assert run("drains:add", "https://user:pass@logs.example.com/drain", "-a", "demo") == (
        0, "Successfully added drain https://user:pass@logs.example.com/drain\n", "")
    assert run("drains:add", "syslog+tls://logs.example.com:6514", "-a", "demo")[0] == 0
    code, out, err = run("drains", "-a", "demo")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"=== Drains\n\n"
                        r"https://user:pass@logs\.example\.com/drain \(d\.[0-9a-f-]{36}\)\n"
                        r"syslog\+tls://logs\.example\.com:6514 \(d\.[0-9a-f-]{36}\)\n", out), out
    token = re.search(r"\((d\.[0-9a-f-]{36})\)", out).group(1)
    code, out, _ = run("drains:info", token, "-a", "demo")
    assert re.fullmatch(r"=== https://user:pass@logs\.example\.com/drain\n\n"
                        r"Created At: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n"
                        r"Id:         [0-9a-f-]{36}\n"
                        rf"Token:      {token}\n"
                        r"Updated At: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n"
                        r"Url:        https://user:pass@logs\.example\.com/drain\n", out), out
    listed = json.loads(run("drains", "--json", "-a", "demo")[1])
    assert [sorted(d) for d in listed] == [["addon", "created_at", "id", "token", "updated_at", "url"]] * 2
    assert run("drains:remove", token, "-a", "demo") == (
        0, "Successfully removed drain https://user:pass@logs.example.com/drain\n", "")
    assert run("drains:remove", "syslog+tls://logs.example.com:6514", "-a", "demo")[0] == 0
    assert run("drains", "-a", "demo") == (0, "", "")
    assert (tmp_path / "apps" / "demo" / "drains.json").stat().st_mode & 0o777 == 0o600


def test_drain_errors_are_one_line_and_a_hint(run):
    assert run("drains:add", "blablabla", "-a", "demo") == (1, "", (
        " ▸    Url is invalid: blablabla\n"
        " ▸    Hint: a drain is https://…, http://…, syslog://host:port or syslog+tls://host:port\n"))
    run("drains:add", "https://logs.example.com", "-a", "demo")
    assert run("drains:add", "https://logs.example.com", "-a", "demo")[2] == (
        " ▸    Url has already been taken\n ▸    Hint: see `herosim drains`\n")
    assert run("drains:remove", "d.nope", "-a", "demo") == (1, "", (
        " ▸    Couldn't find that drain.\n ▸    Hint: see `herosim drains` for their URLs and tokens\n"))
    assert run("drains", "-a", "nosuchapp")[2].startswith(" ▸    Couldn't find that app.\n")


def test_labs_lists_and_enables_log_runtime_metrics(run):
    assert run("labs:enable", "log-runtime-metrics", "-a", "demo") == (
        0, "", "Enabling log-runtime-metrics for ⬢ demo... done\n")
    assert run("labs", "-a", "demo")[1] == (
        "=== App Features (demo)\n"
        "[+] log-runtime-metrics      Emit dyno resource usage information into app logs\n"
        "[ ] runtime-dyno-metadata    Information about app and environment available in config vars\n")


def test_metrics_text_and_json(run, tmp_path):
    assert run("metrics", "-a", "demo") == (0, (
        "=== ⬢ demo Metrics: web, past 2h (1-minute resolution), nothing collected yet\n"
        "Response time: median -, p95 -, p99 -, max -\n"
        "Throughput:    2xx 0, 3xx 0, 4xx 0, 5xx 0 (0 requests)\n"
        "Memory:        mean -, max - of - quota (RSS -, swap -)\n"
        "Dyno load:     mean -, max -\n"
        "Errors:        none\n"), "")
    import time
    now = time.time()
    collector = Collector(tmp_path / "apps" / "demo" / "metrics.json", clock=lambda: now)
    collector.line(router(now - 1, 12, 200))
    collector.line(router(now - 1, 30000, 503, code="H12"))
    collector.memory("web", 64, 60, 0, 512)
    collector.load("web", 0.25)
    collector.flush(force=True)
    code, out, _ = run("metrics", "-a", "demo")
    assert code == 0
    assert re.fullmatch(
        r"=== ⬢ demo Metrics: web, past 2h \(1-minute resolution\), updated \d+s ago\n"
        r"Response time: median 12 ms, p95 30000 ms, p99 30000 ms, max 30000 ms\n"
        r"Throughput:    2xx 1, 3xx 0, 4xx 0, 5xx 1 \(2 requests\)\n"
        r"Memory:        mean 64 MB, max 64 MB of 512 MB quota \(RSS 60 MB, swap 0 MB\)\n"
        r"Dyno load:     mean 0\.25, max 0\.25\n"
        r"Errors:        H12 1\n", out), out
    data = json.loads(run("metrics", "--json", "-a", "demo")[1])
    assert data["app"] == "demo" and data["summary"]["errors"] == {"H12": 1} and len(data["points"]) == 120
    assert run("metrics", "-w", "7d", "--json", "-a", "demo")[0] == 0
