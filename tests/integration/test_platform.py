"""Dyno manager and router fidelity: timeouts, crashes, scaling, one-offs, release phase."""

import re
import time

import pytest
import requests

from tests.integration.conftest import LABEL_APP, RunningApp, app_name, commit_all, free_port, git_app, herosim


def up(tmp_path, label, procfile, *flags, fixture="probe"):
    path = git_app(fixture, tmp_path / label, extra={"Procfile": procfile})
    app = RunningApp(app_name(label), path, free_port())
    result = herosim("up", "-d", path, "-a", app.name, "--port", app.port, *flags)
    return app, result


def heroku_lines(app, dyno):
    return [l.split(": ", 1)[1] for l in app.log_lines("-d", dyno, "-s", "heroku")]


def stamp(line: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(line.split(" ", 1)[0]).timestamp()


@pytest.fixture(scope="module")
def probe(herosim_home, tmp_path_factory):
    app, result = up(tmp_path_factory.mktemp("probe"), "probe",
                     "web: gunicorn --timeout 120 app:app\nworker: python -c 'import time; time.sleep(1e6)'\n",
                     "--router-timeout", "2", "--stop-timeout", "3", "--time-scale", "0.001")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    yield app
    herosim("destroy", "-a", app.name, "--confirm", app.name)


def test_h12_answers_503_while_the_dyno_keeps_working(probe):
    started = time.monotonic()
    response = probe.get("/sleep/4")
    assert response.status_code == 503 and response.headers["X-Herosim-Error"] == "H12"
    assert time.monotonic() - started < 3.9
    probe.wait_for_log("code=H12")
    probe.wait_for_log("slept 4.0s and answered", 15)  # the dyno finished its work anyway
    assert any(re.search(r'at=error code=H12 desc="Request timeout" method=GET path="/sleep/4" .*'
                         r'dyno=web\.1 connect=\d+ms service=2\d{3}ms status=503 bytes=0', l)
               for l in probe.log_lines("-s", "heroku"))


def test_scale_web_to_two_dynos_with_their_own_filesystems(client, probe):
    assert probe.cli("ps:scale", check=True).stdout.strip() == "web=1:Basic worker=0:Basic"  # Heroku's default
    refused = probe.cli("ps:scale", "web=2")   # Heroku: one Basic dyno per process type
    assert refused.returncode == 1
    assert "Cannot update to more than 1 Basic size dynos per process type." in refused.stderr
    scaled = probe.cli("ps:scale", "web=2:standard-1x", "worker=1")
    assert scaled.returncode == 0, scaled.stderr
    assert "Scaling dynos... done, now running web at 2:Standard-1X, worker at 1:Basic" in scaled.stderr
    seen = {probe.get("/").json()["dyno"] for _ in range(40)}
    assert seen == {"web.1", "web.2"}
    ports = {probe.get("/env/PORT").json()["value"] for _ in range(20)}
    assert len(ports) == 2  # each dyno has its own $PORT
    probe.dyno_container(client, "web.1").exec_run(["touch", "/app/written-by-web-1"])
    assert probe.dyno_container(client, "web.1").exec_run(["ls", "/app/written-by-web-1"]).exit_code == 0
    assert probe.dyno_container(client, "web.2").exec_run(["ls", "/app/written-by-web-1"]).exit_code != 0
    assert probe.dyno_container(client, "worker.1").exec_run(["ls", "/app/written-by-web-1"]).exit_code != 0
    run = probe.cli("run", "ls", "/app/written-by-web-1")
    assert run.returncode != 0  # a one-off dyno has a fresh filesystem too
    probe.cli("ps:scale", "web-1", check=True)
    assert {probe.get("/").json()["dyno"] for _ in range(10)} == {"web.1"}
    probe.cli("ps:scale", "web=1:basic", "worker=0", check=True)


def test_no_web_dynos_is_h14_and_scaling_back_serves_again(probe):
    probe.cli("ps:scale", "web=0", check=True)
    response = probe.get("/")
    assert response.status_code == 503 and response.headers["X-Herosim-Error"] == "H14"
    assert any('code=H14 desc="No web processes running"' in l for l in probe.log_lines("-s", "heroku"))
    probe.cli("ps:scale", "web=1", check=True)
    probe.cli("wait", "--timeout", "120", check=True)   # the new dyno boots (slowly on a busy machine)
    assert probe.get("/").status_code == 200


def test_restart_prints_herokus_lines(probe):
    one = probe.cli("restart", "-d", "web.1")
    assert one.returncode == 0 and f"Restarting dyno web.1 on ⬢ {probe.name}... done" in one.stderr
    kind = probe.cli("restart", "-p", "web")
    assert kind.returncode == 0 and f"Restarting all web dynos on ⬢ {probe.name}... done" in kind.stderr
    missing = probe.cli("restart", "-d", "web.9")
    assert missing.returncode == 1 and "No such dyno: web.9" in missing.stderr


def test_one_off_dynos(client, probe):
    result = probe.cli("run", "python", "-c", "import os, sys; print(os.environ['DYNO']); sys.exit(7)")
    assert result.returncode == 7
    assert re.match(r"^run\.\d{4}$", result.stdout.strip())
    assert re.search(rf"Running python -c .* on ⬢ {probe.name}\.\.\. up, run\.\d{{4}} \(Basic\)", result.stderr)
    piped = probe.cli("run", "python", input="print(6 * 7)\n")
    assert piped.stdout.strip() == "42"
    web = probe.cli("run", "web", "--version")  # the Procfile's command, args appended
    assert "gunicorn (version" in web.stdout
    leftovers = client.containers.list(all=True, filters={"label": [f"{LABEL_APP}={probe.name}",
                                                                    "io.herosim.role=one-off"]})
    assert leftovers == []
    detached = probe.cli("run:detached", "python", "-c", "print('from the background')")
    name = re.search(r"done, (run\.\d+)", detached.stderr).group(1)
    probe.wait_for_log(f"app[{name}]: from the background")
    probe.wait_for_log(f"heroku[{name}]: State changed from up to complete")


def test_memory_quota_r14_then_r15(herosim_home, tmp_path):
    app, result = up(tmp_path, "hog", "web: gunicorn app:app\nhog: python hog.py\n", "--time-scale", "100")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        app.cli("ps:scale", "hog=1", check=True)   # Heroku starts only web on a first deploy
        app.wait_for_log("Error R14 (Memory quota exceeded)", 60, "-d", "hog.1")
        lines = app.wait_for_log("Error R15 (Memory quota vastly exceeded)", 60, "-d", "hog.1")
        text = "\n".join(lines)
        assert re.search(r"heroku\[hog\.1\]: Process running mem=\d+M\(1\d\d\.\d%\)", text)
        assert "heroku[hog.1]: Process exited with status 137" in text
        assert "heroku[hog.1]: State changed from up to crashed" in text
        assert app.get("/").status_code == 200
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_r12_when_a_process_ignores_sigterm(herosim_home, tmp_path):
    app, result = up(tmp_path, "r12", "web: IGNORE_SIGTERM=1 python app.py\n", "--stop-timeout", "5")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        assert app.cli("restart").returncode == 0
        app.wait_for_log("Process exited with status 137", 15, "-d", "web.1")
        tail = heroku_lines(app, "web.1")
        start = max(i for i, l in enumerate(tail) if l == "Stopping all processes with SIGTERM")
        old_process = [l for l in tail[start:] if not l.startswith(("Starting process", "State changed"))]
        assert old_process[:4] == [
            "Stopping all processes with SIGTERM",
            "Error R12 (Exit timeout) -> At least one process failed to exit within 5 seconds of SIGTERM",
            "Stopping remaining processes with SIGKILL",
            "Process exited with status 137",
        ]
        # The replacement starts as soon as the old one is signalled (old and new overlap, as on Heroku).
        new_start = next(i for i, l in enumerate(tail) if i > start and l.startswith("Starting process"))
        assert new_start < tail.index("Process exited with status 137", start)
        assert app.get("/").status_code == 200
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_binding_localhost_only_never_comes_up(herosim_home, tmp_path):
    app, result = up(tmp_path, "localhost", "web: BIND_HOST=127.0.0.1 python app.py\n", "--boot-timeout", "3")
    try:
        assert result.returncode == 1
        assert "Running on http://127.0.0.1:" in "\n".join(app.log_lines("-s", "app"))  # it did listen...
        lines = heroku_lines(app, "web.1")
        assert "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 3 seconds of launch" in lines
        assert "State changed from up to" not in " ".join(lines)  # ...but never counted as up
        assert app.get("/").headers.get("X-Herosim-Error") == "H10"
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_crash_loop_follows_the_backoff_schedule(herosim_home, tmp_path):
    procfile = ("web: gunicorn app:app\n"
                "worker: python -c \"print('worker starting'); raise SystemExit(0)\"\n")
    app, result = up(tmp_path, "crashy", procfile, "--time-scale", "0.001")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        app.cli("ps:scale", "worker=1", check=True)
        lines = app.wait_for_log("State changed from crashed to starting", 30, "-d", "worker.1")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lines = app.log_lines("-d", "worker.1", "-s", "heroku")
            if sum("crashed to starting" in l for l in lines) >= 3:
                break
            time.sleep(0.5)
        crashes = [stamp(l) for l in lines if l.endswith("State changed from up to crashed")]
        restarts = [stamp(l) for l in lines if l.endswith("State changed from crashed to starting")]
        assert any(l.endswith("Process exited with status 0") for l in lines)  # exit 0 is a crash too
        assert len(restarts) >= 3, lines
        delays = [r - c for c, r in zip(crashes, restarts, strict=False)]  # the last crash may not have restarted yet
        assert delays[0] < 1.0            # the first crash restarts at once
        assert delays[1] >= 1.0           # then 20 min (x 0.001 = 1.2 s)
        assert delays[2] >= 2.0           # then 40 min (x 0.001 = 2.4 s)
        assert app.get("/").status_code == 200  # web is unaffected
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_release_phase_gates_the_formation(herosim_home, tmp_path):
    app, result = up(tmp_path, "release", "web: gunicorn app:app\nrelease: echo release says hi\n")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        assert "release says hi" in result.stdout
        assert any(re.search(r"app\[release\.\d+\]: release says hi", l) for l in app.log_lines())
        (app.path / "Procfile").write_text("web: gunicorn app:app\nrelease: echo broken; exit 3\n")
        (app.path / "app.py").write_text((app.path / "app.py").read_text().replace("dyno=", "broken=1, dyno="))
        commit_all(app.path)
        failed = herosim("up", "-d", app.path, "-a", app.name, "--port", app.port)
        assert failed.returncode == 1
        assert "Release command failed: `echo broken; exit 3` exited with status 3 (v2 failed)" in failed.stderr
        assert "v1 keeps running" in failed.stderr
        assert "broken" not in app.get("/").json()
        releases = app.cli("releases", check=True).stdout
        assert "Current: v1" in releases and "Deploy " in releases and "(release command failed)" in releases
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_cycling_replaces_dynos_on_a_schedule(client, herosim_home, tmp_path):
    # long enough for the marker to be written before the first cycle, on a busy machine too
    app, result = up(tmp_path, "cycle", "web: gunicorn app:app\n", "--cycle-every", "15s")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        assert requests.put(app.url + "/files/marker", timeout=10).status_code == 201
        app.wait_for_log("heroku[web.1]: Cycling", 40)
        app.wait_for_log("heroku[web.1]: State changed from starting to up", 40)
        deadline = time.monotonic() + 10
        while app.get("/files/marker").status_code != 404 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert app.get("/files/marker").status_code == 404
    finally:
        app.cli("destroy", "--confirm", app.name)
