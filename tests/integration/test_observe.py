"""Drains, runtime metrics, metrics and the dashboard on one running app (module-scoped):
a probe app with the router's timeout at 1 s (so /sleep/2 is an H12), an HTTP drain and a
syslog drain to receivers on 127.0.0.1 that check every byte, and a drain to a port where
nothing listens. The dashboard is loaded in headless Chromium while the app is under load
and after a crash; screenshots are kept (HEROSIM_ARTIFACTS, or pytest's tmp folder)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time

import pytest
import requests

from herosim.metrics import cgroup
from tests.browser import Chromium, artifacts
from tests.integration.conftest import free_port, herosim, start_app
from tests.unit.drains.receiver import HttpReceiver, TcpReceiver

FRAME = re.compile(rb"(\d+) ")
SECRET = "s3cr3t-shown-only-on-reveal"


@pytest.fixture(scope="module")
def observed(herosim_home, tmp_path_factory):
    app, result = start_app("probe", tmp_path_factory.mktemp("observe"), "observe", "--router-timeout", "1")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    app.cli("config:set", f"DASHBOARD_SECRET={SECRET}", check=True)   # v2: a config change on the timeline
    app.http, app.tcp = HttpReceiver(), TcpReceiver()
    dead = free_port()
    app.cli("drains:add", f"http://127.0.0.1:{app.http.port}/logs", check=True)
    app.cli("drains:add", f"syslog://127.0.0.1:{app.tcp.port}", check=True)
    app.cli("drains:add", f"http://127.0.0.1:{dead}/nobody-listens", check=True)
    app.cli("labs:enable", "log-runtime-metrics", check=True)
    time.sleep(1.5)   # the manager's observer reads drains.json again within a second
    yield app
    app.http.close()
    app.tcp.close()
    herosim("destroy", "-a", app.name, "--confirm", app.name)


def frames_of(body: bytes) -> list[bytes]:
    """Octet counting, strictly: the body must be exactly a sequence of frames."""
    out, at = [], 0
    while at < len(body):
        match = FRAME.match(body, at)
        assert match, f"no octet count at byte {at}: {body[at:at + 40]!r}"
        start = match.end()
        size = int(match.group(1))
        out.append(body[start:start + size])
        assert len(out[-1]) == size, "a frame shorter than its count"
        at = start + size
    return out


def test_drains_get_logplex_framing_byte_for_byte(observed):
    started = time.monotonic()
    answer = observed.get("/drained-path-1")
    assert answer.status_code == 404 and time.monotonic() - started < 2   # a dead drain slows nothing
    log = observed.wait_for_log('path="/drained-path-1"')
    line = next(l for l in log if 'path="/drained-path-1"' in l and "heroku[router]" in l)
    stamp, rest = line.split(" ", 1)
    router = rest.split(": ", 1)[1]
    expected_http = f"<134>1 {stamp} host heroku router - {router}\n".encode()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(expected_http in r for r in observed.http.data):
        time.sleep(0.1)
    requests_seen = list(observed.http.data)
    assert any(expected_http in r for r in requests_seen)
    for request in requests_seen:
        head, body = request.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        assert lines[0] == "POST /logs HTTP/1.1" and lines[1] == f"Host: 127.0.0.1:{observed.http.port}"
        fields = dict(l.split(": ", 1) for l in lines[1:])
        assert fields["Content-Type"] == "application/logplex-1"
        assert re.fullmatch(r"[0-9A-F]{32}", fields["Logplex-Frame-Id"])
        assert re.fullmatch(r"d\.[0-9a-f-]{36}", fields["Logplex-Drain-Token"])
        frames = frames_of(body)
        assert int(fields["Logplex-Msg-Count"]) == len(frames) and int(fields["Content-Length"]) == len(body)
        for frame in frames:
            assert re.fullmatch(rb"<(190|134|45|172)>1 \S+ host (app|heroku) \S+ - .*\n", frame, re.S), frame
    assert any(frame == expected_http for r in requests_seen for frame in frames_of(r.split(b"\r\n\r\n", 1)[1]))
    token = dict(l.split(": ", 1) for l in requests_seen[0].split(b"\r\n\r\n")[0].decode().split("\r\n")[1:])
    syslog_token = re.search(r"syslog://127\.0\.0\.1:\d+ \((d\.[0-9a-f-]{36})\)",
                             observed.cli("drains", check=True).stdout).group(1)
    expected_syslog = f"<134>1 {stamp} {syslog_token} heroku router - - {router}\n".encode()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and expected_syslog not in observed.tcp.received():
        time.sleep(0.1)
    received = observed.tcp.received()
    assert expected_syslog in frames_of(received)
    assert token["Logplex-Drain-Token"] != syslog_token


def test_runtime_metrics_every_20s_from_the_cgroup(client, observed):
    log = observed.wait_for_log("sample#memory_total=", 45, "-d", "web.1")
    load = [l for l in log if "sample#load_avg_1m=" in l][-1]
    memory = [l for l in log if "sample#memory_total=" in l][-1]
    prefix = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 heroku\[web\.1\]: source=web\.1 dyno=heroku\.\d+\.[0-9a-f-]{36} "
    assert re.fullmatch(prefix + r"sample#load_avg_1m=\d+\.\d\d sample#load_avg_5m=\d+\.\d\d sample#load_avg_15m=\d+\.\d\d", load)
    found = re.fullmatch(prefix + r"sample#memory_total=(\d+\.\d\d)MB sample#memory_rss=(\d+\.\d\d)MB "
                         r"sample#memory_cache=\d+\.\d\dMB sample#memory_swap=\d+\.\d\dMB sample#memory_pgpgin=\d+pages "
                         r"sample#memory_pgpgout=\d+pages sample#memory_quota=512\.00MB", memory)
    assert found, memory
    container = observed.dyno_container(client)
    hostname = container.attrs["Config"]["Hostname"]
    assert f".{hostname} " in memory   # the dyno field names this dyno run
    figures = cgroup.read(container.attrs["State"]["Pid"])
    if figures is not None:   # the engine runs here: the same cgroup, read again
        assert abs(float(found.group(2)) - figures.rss / 1048576) < 25
    stamps = [l.split(" ")[0] for l in log if "sample#memory_total=" in l]
    if len(stamps) >= 2:
        gap = (_when(stamps[-1]) - _when(stamps[-2]))
        assert 15 <= gap <= 30
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and b"sample#memory_quota=512.00MB\n" not in b"".join(observed.http.data):
        time.sleep(0.2)
    assert re.search(rb"<134>1 \S+ host heroku web\.1 - source=web\.1 dyno=heroku\.", b"".join(observed.http.data))


def _when(stamp: str) -> float:
    import datetime as dt
    return dt.datetime.fromisoformat(stamp).timestamp()


def test_metrics_hold_requests_an_h12_the_deploy_and_a_crash(client, observed):
    for _ in range(40):
        assert observed.get("/").status_code == 200
    assert observed.get("/sleep/2").status_code == 503
    observed.dyno_container(client).kill(signal="SIGKILL")
    observed.wait_for_log("State changed from up to crashed")
    observed.wait_for_log("State changed from starting to up", timeout=60)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        data = json.loads(observed.cli("metrics", "--json", check=True).stdout)
        if data["summary"]["errors"].get("H12") and any(e["kind"] == "crash" for e in data["events"]):
            break
        time.sleep(0.5)
    summary = data["summary"]
    h12 = [l for l in observed.log_lines() if "heroku[router]: at=error code=H12" in l]
    assert summary["status"]["2xx"] >= 40 and summary["status"]["5xx"] >= 1
    assert summary["errors"]["H12"] == len(h12) >= 1, h12
    assert 1000 <= summary["response_time_ms"]["max"] <= 1500   # the H12's service time: the 1 s timeout
    assert summary["memory_mb"]["quota"] == 512.0 and summary["memory_mb"]["total_max"] > 10
    kinds = [(e["kind"], e.get("release")) for e in data["events"]]
    assert ("deploy", "v1") in kinds and ("config", "v2") in kinds and ("crash", None) in kinds
    assert len(data["points"]) == 120 and data["resolution_s"] == 60
    text = observed.cli("metrics", check=True).stdout
    assert re.search(rf"^Errors:\s+H12 {len(h12)}", text, re.M) and "web.1 crashed" in text


def test_dashboard_in_chromium_shows_what_the_cli_holds(observed, tmp_path_factory):
    folder = artifacts(tmp_path_factory)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "herosim", "dashboard", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def load():   # the app under load while the page is open
        while not stop.is_set():
            try:
                requests.get(observed.url + "/", timeout=5)
            except requests.RequestException:
                pass
            time.sleep(0.05)
    threading.Thread(target=load, daemon=True).start()
    try:
        assert "Dashboard on http://127.0.0.1:" in server.stderr.readline()
        base = f"http://127.0.0.1:{port}/apps/{observed.name}"
        opened = herosim("open", "--dashboard", "-a", observed.name, check=True)   # the one that runs
        assert opened.stdout == f"Opening {base}...\n"
        with Chromium() as browser:
            page = browser.page()
            page.call("Emulation.setDeviceMetricsOverride", width=1280, height=1100, deviceScaleFactor=1, mobile=False)
            page.goto(base + "#metrics")
            page.wait_for("document.querySelectorAll('[data-chart] polyline').length >= 12")
            first_chart = page.evaluate("window.__firstChart")
            weight = page.evaluate("performance.getEntriesByType('navigation').concat(performance.getEntriesByType"
                                   "('resource')).filter(e => !e.name.includes('/api/')).reduce((n, e) => n + e.transferSize, 0)")
            page.screenshot(folder / "metrics.png")
            stop.set()
            time.sleep(3)   # the manager's collector writes every 2 s; the page polls every 5 s
            for _ in range(30):   # the page and the CLI read the same write of the collector
                page.evaluate("location.reload()")
                time.sleep(0.5)
                page.wait_for("document.querySelector('#metrics')", timeout=15)
                try:
                    shown_at, shown = page.evaluate(
                        "[document.querySelector('#metrics').dataset.updatedAt, Object.fromEntries("
                        "[...document.querySelectorAll('[data-metric]')].map(e => [e.dataset.metric, e.dataset.value]))]")
                except RuntimeError:   # the page was between two renders
                    continue
                want = json.loads(observed.cli("metrics", "--json", check=True).stdout)
                if want["updated_at"] == shown_at:
                    break
                time.sleep(0.3)
            else:
                raise AssertionError(f"the metrics never held still: page {shown_at}, CLI {want['updated_at']}")
            assert len(shown) >= 11
            for path, value in shown.items():
                expected = want
                for key in path.split("."):
                    expected = expected[key]
                assert value == ("" if expected is None else _js(expected)), (path, value, expected)
            assert page.evaluate("document.querySelectorAll('[data-chart] .event[data-kind=crash]').length") >= 1
            assert page.evaluate("document.querySelectorAll('[data-chart] .event[data-kind=deploy]').length") >= 1
            for tab, heading in (("overview", "Dyno formation"), ("resources", "Restart all dynos"),
                                 ("activity", "Build succeeded — v1"), ("settings", "Config Vars")):
                page.goto(base + "#" + tab)
                page.wait_for(f"document.querySelector('main').dataset.tab === '{tab}' && "
                              f"document.querySelector('main').innerText.includes('{heading}')")
                page.screenshot(folder / f"{tab}.png")
            assert page.evaluate("document.body.innerText.includes('Reveal Config Vars')")
            assert not page.evaluate(f"document.documentElement.outerHTML.includes({json.dumps(SECRET)})")
            page.evaluate("document.getElementById('reveal').click()")
            page.wait_for(f"document.body.innerText.includes({json.dumps(SECRET)})")
            page.goto(base + "#logs")
            page.wait_for("document.getElementById('log') && document.getElementById('log').textContent.length > 0")
            observed.get("/live-tail-check")
            page.wait_for("document.getElementById('log').textContent.includes('/live-tail-check')", timeout=20)
            page.screenshot(folder / "logs.png")
        (folder / "dashboard-figures.json").write_text(json.dumps(
            {"page_weight_bytes": weight, "time_to_first_chart_ms": round(first_chart)}, indent=2))
        print(f"\ndashboard: page weight {weight} bytes, first chart after {first_chart:.0f} ms; screenshots in {folder}")
        assert weight < 60_000
    finally:
        stop.set()
        server.terminate()
        server.wait(10)


def _js(value) -> str:
    """A number as the page's String(value) writes it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
