"""The dashboard's server without an engine: what each request gets, and what it refuses."""

import json
import threading
import time

import pytest
import requests

from herosim.dashboard.server import Dashboard, make_server
from herosim.metrics.collector import Collector
from herosim.platform.state import AppState
from tests.unit.cli.test_transcripts import NoEngine
from tests.unit.metrics.test_rollups import router


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path))
    state = AppState("demo")
    state.update_settings(router_port=5006)
    state.update_config_vars({"SECRET_KEY": "s3cr3t-value"})
    state.add_release("Set SECRET_KEY config vars", slug=None, processes={"web": "gunicorn app:app"},
                      config_vars={"SECRET_KEY": "s3cr3t-value"})
    now = time.time()
    collector = Collector(state.path("metrics.json"), clock=lambda: now)
    collector.line(router(now, 25, 200))
    collector.flush(force=True)
    dashboard = Dashboard(NoEngine, 0)
    server = make_server(dashboard, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{dashboard.port}", dashboard.port, state
    server.shutdown()
    server.server_close()


def test_it_listens_on_loopback_only(served):
    _, port, _ = served
    server_sockets = [line for line in open("/proc/net/tcp").read().splitlines()[1:]
                      if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
    assert server_sockets and all(line.split()[1].startswith("0100007F:") for line in server_sockets)


def test_the_page_and_its_assets_are_served_with_a_strict_policy(served):
    base, _, _ = served
    page = requests.get(base + "/apps/demo", timeout=5)
    assert page.status_code == 200 and "/assets/app.js" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    total = sum(len(requests.get(base + f"/assets/{name}", timeout=5).content)
                for name in ("app.js", "charts.js", "app.css")) + len(page.content)
    assert total < 40_000   # the whole page weighs a few tens of KB
    for name in ("app.js", "charts.js", "app.css", "index.html"):
        assert b"http://" not in requests.get(base + f"/assets/{name}", timeout=5).content.replace(
            b"http://www.w3.org/2000/svg", b"")   # nothing from a CDN, nothing from elsewhere


def test_another_host_name_is_refused(served):
    base, _, _ = served
    answer = requests.get(base + "/api/apps", headers={"Host": "evil.example:80"}, timeout=5)
    assert answer.status_code == 421


def test_metrics_are_what_the_cli_json_holds(served):
    base, _, state = served
    from herosim.metrics import view
    got = requests.get(base + "/api/apps/demo/metrics?window=2h&type=web", timeout=5).json()
    want = view.of_app(state, "2h", "web")
    assert got["summary"] == want["summary"] and got["updated_at"] == want["updated_at"]
    assert requests.get(base + "/api/apps/demo/metrics?window=9y", timeout=5).status_code == 400


def test_settings_show_names_and_the_values_only_on_a_same_origin_post(served):
    base, port, _ = served
    settings = requests.get(base + "/api/apps/demo/settings", timeout=5)
    assert settings.json()["config_var_names"] == ["SECRET_KEY"] and "s3cr3t" not in settings.text
    assert requests.get(base + "/api/apps/demo/config/reveal", timeout=5).status_code == 404
    no_header = requests.post(base + "/api/apps/demo/config/reveal", json={}, timeout=5,
                              headers={"Origin": f"http://127.0.0.1:{port}"})
    other_site = requests.post(base + "/api/apps/demo/config/reveal", json={}, timeout=5,
                               headers={"Origin": "http://evil.example", "X-Herosim-Dashboard": "1"})
    assert no_header.status_code == other_site.status_code == 403 and "s3cr3t" not in other_site.text
    ok = requests.post(base + "/api/apps/demo/config/reveal", json={}, timeout=5,
                       headers={"Origin": f"http://127.0.0.1:{port}", "X-Herosim-Dashboard": "1"})
    assert ok.json() == {"config_vars": {"SECRET_KEY": "s3cr3t-value"}}
    assert "Access-Control-Allow-Origin" not in ok.headers


def test_activity_lists_releases_and_unknown_apps_are_404(served):
    base, _, _ = served
    activity = requests.get(base + "/api/apps/demo/activity", timeout=5).json()
    assert activity["releases"][0]["version"] == "v1" and activity["builds"] == []
    assert requests.get(base + "/api/apps/nosuchapp/overview", timeout=5).status_code == 404
    assert requests.get(base + "/api/apps", timeout=5).json() == {"apps": ["demo"]}


def test_the_log_stream_sends_new_lines(served):
    base, _, state = served
    from herosim.platform.logplex import Logplex
    logs = Logplex(state.path("logplex.log"))
    with requests.get(base + "/api/apps/demo/logs/stream", stream=True, timeout=10) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        lines = stream.iter_lines(chunk_size=1)
        assert next(lines) == b": tail"
        time.sleep(0.4)
        logs.emit("app", "web.1", "hello from the dyno")
        for raw in lines:
            if raw.startswith(b"data: "):
                assert json.loads(raw[6:]).endswith("app[web.1]: hello from the dyno")
                break
