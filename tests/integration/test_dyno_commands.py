"""The everyday dyno commands on one running app: maintenance mode through the router,
ps:stop, ps:exec, ps:wait, runtime dyno metadata, SOURCE_VERSION at build time, and Heroku
Scheduler on a clock sped up 100 times (a 10-minute job every 6 s)."""

import json
import subprocess
import time

import pytest

from tests.support import RunningApp, app_name, free_port, git_app, herosim

PROCFILE = "web: gunicorn app:app\nworker: python -c 'import time; time.sleep(1e6)'\n"
POST_COMPILE = '#!/usr/bin/env bash\necho "SOURCE_VERSION=${SOURCE_VERSION}"\n'


@pytest.fixture(scope="module")
def app(herosim_home, tmp_path_factory):
    path = git_app("hello", tmp_path_factory.mktemp("dynocmds"), extra={"Procfile": PROCFILE,
                                                                        "bin/post_compile": POST_COMPILE})
    (path / "bin" / "post_compile").chmod(0o755)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "exec bit"], cwd=path)
    running = RunningApp(app_name("dynocmds"), path, free_port())
    result = herosim("up", "-d", path, "-a", running.name, "--port", running.port, "--stop-timeout", "5",
                     "--time-scale", "0.01")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    running.build_output = result.stdout
    yield running
    herosim("destroy", "-a", running.name, "--confirm", running.name)


def head_sha(app) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=app.path, capture_output=True, text=True).stdout.strip()


def dynos(app) -> dict:
    return {d["name"]: d for d in json.loads(app.cli("ps", "--json", check=True).stdout)}


def test_source_version_is_set_for_the_build_only(app):
    assert f"       SOURCE_VERSION={head_sha(app)}" in app.build_output.splitlines()
    assert app.cli("run", "printenv SOURCE_VERSION || echo unset").stdout == "unset\n"


def test_maintenance_mode_answers_h80_and_leaves_the_dynos_running(client, app):
    before = app.dyno_container(client).id
    assert app.cli("maintenance", check=True).stdout == "off\n"
    on = app.cli("maintenance:on", check=True)
    assert on.stderr == f"Enabling maintenance mode for ⬢ {app.name}... done\n"
    assert app.cli("maintenance", check=True).stdout == "on\n"
    page = app.get("/")
    assert page.status_code == 503 and "Offline for Maintenance" in page.text
    line = next(l for l in app.wait_for_log("code=H80") if "code=H80" in l)
    assert 'heroku[router]: at=info code=H80 desc="Maintenance mode" method=GET path="/" ' in line
    assert line.endswith("dyno= connect= service= status=503 bytes= protocol=http1.1 tls=false")
    app.cli("config:set", "MAINTENANCE_PAGE_URL=https://pages.example/maint.html", check=True)
    custom = app.get("/")   # Heroku serves the app's own page in an iframe
    assert custom.status_code == 503 and '<iframe src="https://pages.example/maint.html"' in custom.text
    off = app.cli("maintenance:off", check=True)
    assert off.stderr == f"Disabling maintenance mode for ⬢ {app.name}... done\n"
    assert app.get("/").status_code == 200
    app.cli("config:unset", "MAINTENANCE_PAGE_URL", check=True)
    assert app.get("/").status_code == 200
    assert before != app.dyno_container(client).id  # the config changes restarted it; maintenance did not


def test_ps_stop_restarts_a_formation_dyno_and_stops_a_one_off(client, app):
    missing = app.cli("ps:stop")
    assert missing.returncode == 1 and "Please specify a process type or dyno name to stop." in missing.stderr
    before = app.dyno_container(client).id
    stopped = app.cli("ps:stop", "--dyno-name", "web.1", check=True)
    assert stopped.stderr == f"Stopping dyno web.1 on ⬢ {app.name}... done\n"
    lines = [l.split(": ", 1)[1] for l in app.log_lines("-d", "web.1", "-s", "heroku")]
    down = max(i for i, line in enumerate(lines) if line == "State changed from up to down")
    assert lines[down - 2] == "Stopping all processes with SIGTERM" and lines[down - 1].startswith("Process exited")
    assert lines[down:down + 3] == ["State changed from up to down", "State changed from down to starting",
                                    "Starting process with command `gunicorn app:app`"]
    app.cli("ps:wait", check=True)
    assert dynos(app)["web.1"]["state"] == "up" and app.dyno_container(client).id != before
    assert app.get("/").status_code == 200

    started = app.cli("run:detached", "sleep", "300", check=True)
    run = started.stderr.split("done, ")[1].split(" ")[0]
    kill = app.cli("ps:kill", run, check=True)   # the deprecated positional form, and the alias
    assert "DYNO is a deprecated argument. Use --dyno-name or --process-type instead." in kill.stderr
    assert f"Stopping dyno {run} on ⬢ {app.name}... done" in kill.stderr
    lines = app.wait_for_log("State changed from up to complete", 30, "-d", run)
    assert any(l.endswith("Stopping all processes with SIGTERM") for l in lines)
    time.sleep(1)
    assert not [c for c in client.containers.list(filters={"label": f"io.herosim.app={app.name}"})
                if c.labels.get("io.herosim.dyno") == run]   # a one-off is not started again


def test_ps_exec_shares_the_running_dynos_filesystem_not_its_config_vars(client, app):
    app.cli("config:set", "EXEC_CANARY=in-the-dyno", check=True)
    app.cli("ps:wait", check=True)
    assert "EXEC_CANARY=in-the-dyno" in app.dyno_container(client).exec_run(["env"]).output.decode()
    # Heroku Exec sources .profile.d (the slug's Python is on PATH) but sets no config var.
    result = herosim("ps:exec", "-a", app.name, "-d", "web.1",
                     input='echo $DYNO "${EXEC_CANARY-unset}" "$(command -v python)"; touch /app/made-by-exec; exit 7\n')
    assert result.returncode == 7
    assert result.stdout == "web.1 unset /app/.heroku/python/bin/python\n"
    # .profile.d's WEB_CONCURRENCY script speaks on web dynos (DYNO=web.*), in a session too
    assert result.stderr.splitlines() == [
        "Establishing credentials... done", f"Connecting to web.1 on ⬢ {app.name}...",
        "Python buildpack: Detected 512 MB available memory and "
        f"{result.stderr.split('memory and ')[1].split(' CPU')[0]} CPU cores.",
        "Python buildpack: Defaulting WEB_CONCURRENCY to 2 based on the available memory."]
    assert app.dyno_container(client).exec_run(["ls", "/app/made-by-exec"]).exit_code == 0
    assert app.cli("run", "ls /app/made-by-exec").returncode != 0   # `run` is a new dyno
    gone = herosim("ps:exec", "-a", app.name, "-d", "web.9", input="")
    assert gone.returncode == 1 and "Could not connect to dyno web.9" in gone.stderr


def test_ps_wait(app):
    app.cli("ps:scale", "worker=1", check=True)
    waited = app.cli("ps:wait", check=True)
    release = app.cli("releases", check=True).stdout.splitlines()[1].split()[0]
    assert waited.stderr == f"Waiting for every dyno to be running {release}... 2 / 2, done\n"
    assert app.cli("ps:wait", "-t", "worker", check=True).stderr.endswith("1 / 1, done\n")
    short = app.cli("ps:wait", "--wait-interval", "5")
    assert short.returncode == 1 and "wait-interval must be at least 10" in short.stderr


def test_runtime_dyno_metadata_from_the_next_start(client, app):
    def env():
        out = app.dyno_container(client).exec_run(["env"]).output.decode()
        return dict(line.split("=", 1) for line in out.splitlines() if line.startswith("HEROKU_"))

    enabled = app.cli("labs:enable", "runtime-dyno-metadata", check=True)
    assert enabled.stderr == f"Enabling runtime-dyno-metadata for ⬢ {app.name}... done\n"
    assert env() == {}   # nothing restarted
    app.cli("restart", check=True)
    found = env()
    release = app.cli("releases", check=True).stdout.splitlines()[1].split()[0]
    assert found["HEROKU_APP_NAME"] == app.name
    assert found["HEROKU_RELEASE_VERSION"] == release
    assert found["HEROKU_SLUG_COMMIT"] == head_sha(app)
    assert found["HEROKU_SLUG_DESCRIPTION"] == f"Deploy {head_sha(app)[:8]}"
    assert len(found["HEROKU_APP_ID"]) == 36 and len(found["HEROKU_DYNO_ID"]) == 36
    assert found["HEROKU_RELEASE_CREATED_AT"].endswith("Z")
    app.cli("labs:disable", "runtime-dyno-metadata", check=True)
    app.cli("restart", check=True)
    assert env() == {}


def scheduler_runs(app) -> list[str]:
    return sorted({line.split("[", 1)[1].split("]", 1)[0] for line in app.log_lines("-s", "heroku")
                   if "heroku[scheduler." in line})


def test_scheduler_runs_jobs_as_one_off_dynos_even_in_maintenance(app):
    refused = app.cli("scheduler:add", "echo tick", "--every", "10m")
    assert refused.returncode == 1 and "has no Heroku Scheduler add-on" in refused.stderr
    created = app.cli("addons:create", "scheduler:standard", check=True)
    assert f"Creating scheduler:standard on ⬢ {app.name}... free" in created.stderr
    off_grid = app.cli("scheduler:add", "echo tick", "--every", "1h", "--at", ":25")
    assert off_grid.returncode == 1 and "--at :25 is not on Heroku Scheduler's grid for hourly jobs" in off_grid.stderr
    added = app.cli("scheduler:add", 'echo "tick from $DYNO"; sleep 60', "--every", "10m", check=True)
    assert added.stderr.startswith('Scheduling `echo "tick from $DYNO"; sleep 60` on ⬢ ') and "job 1" in added.stderr
    listing = app.cli("scheduler", check=True).stdout.splitlines()
    assert listing[1].split() == ["ID", "Command", "Frequency", "Dyno", "Next", "run"]
    assert listing[2].startswith('1   echo "tick from $DYNO"; sleep 60  Every 10 minutes  Basic  in ')
    app.cli("maintenance:on", check=True)   # scheduler jobs still run in maintenance mode
    try:
        app.wait_for_log("State changed from up to complete", 30, "-p", "scheduler")
        lines = app.log_lines()
    finally:
        app.cli("maintenance:off", check=True)
    run = next(l for l in lines if "heroku[scheduler." in l and "Starting process" in l).split("[")[1].split("]")[0]
    mine = [l.split(": ", 1)[1] for l in lines if f"[{run}]" in l]
    assert mine == ['Starting process with command `echo "tick from $DYNO"; sleep 60`',
                    "State changed from starting to up", f"tick from {run}",
                    "Stopping all processes with SIGTERM",   # killed after one interval (6 s)
                    "Process exited with status 143", "State changed from up to complete"], mine
    first = next(i for i, l in enumerate(lines) if f"[{run}]" in l)
    assert any(l.endswith('app[api]: Starting process with command `echo "tick from $DYNO"; sleep 60` '
                          "by user scheduler@addons.heroku.com") for l in lines[max(first - 3, 0):first])
    now = app.cli("scheduler:run", "1", check=True)
    assert now.stderr.startswith(f"Running job 1 on ⬢ {app.name}... done, scheduler.")
    removed = app.cli("scheduler:remove", "1", check=True)
    assert removed.stderr == f'Removing job 1 (`echo "tick from $DYNO"; sleep 60`) from ⬢ {app.name}... done\n'
    time.sleep(8)
    before = scheduler_runs(app)
    time.sleep(8)   # more than one interval: nothing new starts
    assert scheduler_runs(app) == before
    assert app.cli("scheduler", check=True).stderr == f"No scheduled jobs on ⬢ {app.name}.\n"


@pytest.mark.parametrize("ending", ["SIGTERM", "SIGHUP"])
def test_up_in_the_foreground_stops_its_dynos_when_terminated_or_hung_up(client, app, ending):
    """A CI job's timeout (SIGTERM) or a closed terminal (SIGHUP) ends `herosim up` as Ctrl-C
    does: dynos stopped, the manager gone, the router's port free."""
    import signal
    import sys

    from herosim.runtime.launcher import port_free
    up = subprocess.Popen([sys.executable, "-m", "herosim", "up", str(app.path), "-a", app.name, "--port",
                           str(app.port), "--stop-timeout", "5", "--time-scale", "0.01"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    for line in up.stdout:
        seen.append(line)
        if "is running at" in line:
            break
    assert "is running at" in seen[-1], "".join(seen[-30:])
    up.send_signal(getattr(signal, ending))
    rest = up.communicate(timeout=120)[0]
    if ending == "SIGTERM":   # after SIGHUP the terminal is gone: its output goes nowhere
        assert "SIGTERM received: stopping dynos" in rest
    running = client.containers.list(filters={"label": [f"io.herosim.app={app.name}", "io.herosim.role=dyno"]})
    assert running == []
    assert not (app.state_dir / "manager.json").exists()
    assert port_free(app.port)
