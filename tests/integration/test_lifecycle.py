"""Faults and bad input around `up`, and cleaning up by label."""

import signal
import socket
import subprocess
import sys
import time

from tests.integration.conftest import (
    LABEL_APP,
    RunningApp,
    app_name,
    commit_all,
    free_port,
    git_app,
    herosim,
    start_app,
)
from tests.support import interruptible


def labelled(client, name):
    label = f"{LABEL_APP}={name}"
    return {
        "containers": client.containers.list(all=True, filters={"label": label}),
        "volumes": client.volumes.list(filters={"label": label}),
        "networks": client.networks.list(filters={"label": label}),
        "images": client.images.list(filters={"label": label}),
    }


def test_two_apps_side_by_side_then_destroy_leaves_nothing(client, herosim_home, tmp_path):
    first, result = start_app("hello", tmp_path / "a", "hello-a")
    assert result.returncode == 0, result.stderr[-3000:]
    second, result = start_app("hello", tmp_path / "b", "hello-b")
    assert result.returncode == 0, result.stderr[-3000:]
    assert first.get("/").json()["app"] == "hello" and second.get("/").json()["app"] == "hello"
    destroyed = first.cli("destroy", "--confirm", first.name)
    assert destroyed.returncode == 0, destroyed.stderr
    assert all(not found for found in labelled(client, first.name).values()), labelled(client, first.name)
    assert second.get("/").status_code == 200  # the other app is untouched
    # add-ons on demand: a release and a restart give the dyno its DATABASE_URL
    created = second.cli("addons:create", "heroku-postgresql")
    assert created.returncode == 0, created.stderr
    assert f"Creating heroku-postgresql on ⬢ {second.name}... ~$0.007/hour (max $5/month)\n" in created.stderr
    assert "as DATABASE_URL\nRun herosim addons:docs heroku-postgresql to view documentation.\n" in created.stdout
    assert second.get("/").status_code == 200
    assert "postgresql-" in second.cli("addons", check=True).stdout
    psql = second.cli("pg:psql", "-c", "select 40 + 2 as answer")
    assert psql.returncode == 0 and "42" in psql.stdout and "--> Connecting to postgresql-" in psql.stderr
    assert second.cli("pg:psql", "-c", "select nope").returncode == 1
    name = next(line.split("(")[1].split(")")[0] for line in second.cli("addons").stdout.splitlines()
                if line.startswith("heroku-postgresql ("))
    gone = second.cli("addons:destroy", name, "--confirm", second.name)
    assert gone.returncode == 0 and f"Destroying {name} on ⬢ {second.name}... done" in gone.stderr
    assert "DATABASE_URL" not in second.cli("config", check=True).stdout
    wrong = second.cli("destroy", "--confirm", "not-" + second.name)
    assert wrong.returncode == 1 and "Confirmation did not match app. Aborted." in wrong.stderr
    second.cli("destroy", "--confirm", second.name, check=True)
    assert all(not found for found in labelled(client, second.name).values())


def test_no_procfile_builds_and_the_router_answers_h14(herosim_home, tmp_path):
    """As on Heroku: the slug has no process types, the release runs nothing, requests get H14."""
    app = RunningApp(app_name("noproc"), git_app("no_procfile", tmp_path), free_port())
    try:
        result = herosim("up", "-d", app.path, "-a", app.name, "--port", app.port)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert "       Procfile declares types -> (none)" in result.stdout
        listed = app.cli("ps", check=True)
        assert (listed.stdout + listed.stderr).strip() == f"No dynos on ⬢ {app.name}"
        assert app.get("/").status_code == 503
        line = next(l for l in app.wait_for_log("code=H14") if "code=H14" in l)
        assert 'heroku[router]: at=error code=H14 desc="No web processes running" method=GET path="/"' in line
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_failed_pip_install_keeps_the_previous_release_running(client, herosim_home, tmp_path):
    app, result = start_app("hello", tmp_path, "pipfail")
    assert result.returncode == 0, result.stderr[-3000:]
    try:
        (app.path / "requirements.txt").write_text("Flask==3.1.3\ngunicorn==23.0.0\nherosim-no-such-package==0.0.1\n")
        (app.path / "app.py").write_text((app.path / "app.py").read_text().replace('app="hello"', 'app="broken"'))
        commit_all(app.path)
        failed = herosim("up", "-d", app.path, "-a", app.name, "--port", app.port)
        assert failed.returncode == 1
        assert "herosim-no-such-package" in failed.stdout  # pip's own error is shown
        assert " ▸    Error: Unable to install dependencies using pip." in failed.stderr
        assert app.get("/").json()["app"] == "hello"
        assert not client.containers.list(all=True, filters={"label": [f"{LABEL_APP}={app.name}",
                                                                        "io.herosim.role=build"]})
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_router_port_taken_names_the_port_and_the_flag(herosim_home, tmp_path):
    path = git_app("hello", tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = herosim("up", "-d", path, "-a", app_name("porttaken"), "--port", port)
    assert result.returncode == 1
    assert f"Router port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr
    assert "-----> Installing" not in result.stdout  # refused before the build


def test_an_app_that_ignores_port_fails_with_r10(client, herosim_home, tmp_path):
    app, result = start_app("ignores_port", tmp_path, "noport", "--boot-timeout", "4")
    try:
        assert result.returncode == 1
        assert "did not answer" in result.stderr
        assert "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 4 seconds of launch" \
            in result.stderr
        lines = app.log_lines("-s", "heroku")
        assert any(l.endswith("heroku[web.1]: Stopping process with SIGKILL") for l in lines)
        assert any(l.endswith("heroku[web.1]: Process exited with status 137") for l in lines)
        assert any(l.endswith("heroku[web.1]: State changed from starting to crashed") for l in lines)
    finally:
        app.cli("destroy", "--confirm", app.name)


def test_ctrl_c_during_the_build_leaves_nothing_half_started(client, herosim_home, tmp_path):
    path = git_app("hello", tmp_path, extra={"requirements.txt": "Flask==3.1.3\ngunicorn==23.0.0\nrequests\n"})
    name = app_name("ctrlc")
    process = subprocess.Popen(interruptible([sys.executable, "-m", "herosim", "up", str(path), "-a", name, "--port",
                                              str(free_port()), "--no-cache"]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    seen = []
    deadline = time.monotonic() + 300
    for line in process.stdout:
        seen.append(line)
        if "Installing dependencies using" in line or time.monotonic() > deadline:
            break
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    assert process.returncode != 0 or "Released" not in "".join(seen)
    leftovers = labelled(client, name)
    assert leftovers["containers"] == [], [c.name for c in leftovers["containers"]]
    herosim("destroy", "-a", name, "--confirm", name)
