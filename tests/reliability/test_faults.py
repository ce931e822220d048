"""Faults injected with real containers: a killed CLI (during the build, during boot), a
killed dyno manager, a killed Postgres sidecar, a corrupt state file, two `up`s at once,
a full disk under the state folder, a Docker engine restart. Each ends the same way: the
app serves again after one command (or by itself), and every row written before the
fault is still there."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support import LABEL_APP, RunningApp, app_name, commit_all, docker_client, free_port, git_app, herosim

ROWS = [f"written before the faults #{i}" for i in range(3)]


@pytest.fixture(scope="module")
def app(herosim_home, tmp_path_factory):
    path = git_app("microblog", tmp_path_factory.mktemp("faults"))
    running = RunningApp(app_name("faults"), path, free_port())
    result = herosim("up", "-d", path, "-a", running.name, "--port", running.port)
    assert result.returncode == 0, result.stderr[-3000:]
    herosim("ps:scale", "worker=1", "-a", running.name, check=True)
    for body in ROWS:
        assert requests.post(running.url + "/posts", json={"body": body}, timeout=30).status_code == 201
    yield running
    herosim("destroy", "-a", running.name, "--confirm", running.name)


def serves_with_every_row(app: RunningApp, timeout: float = 60) -> None:
    """The app answers and the rows written before the fault are all there."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            response = requests.get(app.url + "/posts", timeout=10)
            if response.status_code == 200:
                bodies = [p["body"] for p in response.json()]
                assert all(row in bodies for row in ROWS), bodies
                return
            last = response.status_code
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"{app.name} did not serve again within {timeout:.0f} s (last: {last})")


def up_again(app: RunningApp) -> subprocess.CompletedProcess:
    """The one command that recovers an app: `herosim up -d`."""
    result = herosim("up", "-d", app.path, "-a", app.name, "--port", app.port)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def start_up(app: RunningApp) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "herosim", "up", "-d", str(app.path), "-a", app.name,
                             "--port", str(app.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_when(process: subprocess.Popen, fragment: str, timeout: float = 300) -> list[str]:
    seen = []
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        seen.append(line)
        if fragment in line or time.monotonic() > deadline:
            break
    process.kill()  # SIGKILL: no handler, no clean-up
    process.wait(30)
    return seen


def code_change(app: RunningApp, marker: str) -> None:
    (app.path / "app.py").write_text((app.path / "app.py").read_text() + f"\n# {marker}\n")
    commit_all(app.path, marker)


def labelled(client, app: RunningApp, role: str) -> list:
    return client.containers.list(all=True, filters={"label": [f"{LABEL_APP}={app.name}", f"io.herosim.role={role}"]})


def test_cli_killed_during_the_build(client, app):
    code_change(app, "kill during build")
    seen = kill_when(start_up(app), "-----> Installing")
    assert any("-----> Installing" in line for line in seen), seen[-20:]
    serves_with_every_row(app)        # the old release kept serving
    up_again(app)
    serves_with_every_row(app)
    assert labelled(client, app, "build") == []   # the killed build's container is gone


def test_cli_killed_while_the_dynos_boot(client, app):
    code_change(app, "kill during boot")
    kill_when(start_up(app), "Released v")
    serves_with_every_row(app)        # by itself: the dyno manager finishes the deploy
    assert len(labelled(client, app, "dyno")) == 2  # web.1 and worker.1, no orphan


def test_dyno_manager_killed(client, app):
    info = json.loads((app.state_dir / "manager.json").read_text())
    os.kill(info["pid"], signal.SIGKILL)
    time.sleep(1)
    with pytest.raises(requests.RequestException):  # its router went with it
        requests.get(app.url + "/", timeout=3)
    up_again(app)                     # a new manager adopts the running dynos
    serves_with_every_row(app)
    assert len([c for c in labelled(client, app, "dyno") if c.status == "running"]) == 2


def test_postgres_sidecar_killed(client, app):
    sidecar = next(c for c in client.containers.list(filters={"label": [f"{LABEL_APP}={app.name}",
                                                                          "io.herosim.role=addon"]}))
    sidecar.kill()
    up_again(app)
    serves_with_every_row(app)


def test_corrupt_state_file(app):
    releases = app.state_dir / "releases.json"
    releases.write_text('{"half a file')
    broken = app.cli("releases")
    assert broken.returncode == 1
    assert f"{releases} is corrupt" in broken.stderr and f"mv {releases} {releases}.bad" in broken.stderr
    shutil.move(releases, f"{releases}.bad")  # what the hint says
    up_again(app)
    serves_with_every_row(app)


def test_two_ups_at_once(client, app):
    code_change(app, "two ups")
    first, second = start_up(app), start_up(app)
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert any("Waiting for another herosim command" in out for out in outputs)
    serves_with_every_row(app)
    addons = [v for v in client.volumes.list(filters={"label": [f"{LABEL_APP}={app.name}", "io.herosim.role=addon"]})]
    assert len(addons) == 1
    managers = subprocess.run(["pgrep", "-f", f"herosim.runtime --app {app.name}"], capture_output=True, text=True)
    assert len(managers.stdout.split()) == 1


def test_full_disk_under_the_state_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(home)]).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        env = {**os.environ, "HEROSIM_HOME": str(home)}

        def cli(*args):
            return subprocess.run([sys.executable, "-m", "herosim", *args, "-a", "full-disk"], capture_output=True,
                                  text=True, env=env)
        assert cli("config:set", "KEPT=1").returncode == 0
        filler = home / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)
        full = cli("config:set", "LOST=2")
        assert full.returncode == 1
        assert "No space left on device" in full.stderr and "free some disk space" in full.stderr
        assert "Traceback" not in full.stderr
        assert json.loads((home / "apps" / "full-disk" / "config.json").read_text()) == {"KEPT": "1"}
        filler.unlink()
        assert cli("config:set", "LOST=2").returncode == 0
        assert json.loads(cli("config", "-j").stdout) == {"KEPT": "1", "LOST": "2"}
    finally:
        subprocess.run(["umount", "-l", str(home)])


def main_dockerd() -> int:
    """The engine the suite runs on (dockerd's default pidfile), never the second one that
    tests/engines.py starts with a pidfile of its own for the remote-engine tests."""
    try:
        pid = int(Path("/var/run/docker.pid").read_text())
        if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith(b"dockerd"):
            return pid
    except (OSError, ValueError):
        pass
    found = subprocess.run(["pidof", "dockerd"], capture_output=True, text=True, check=True).stdout.split()
    mains = [int(p) for p in found if b"--pidfile" not in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert len(mains) == 1, f"which dockerd is this machine's engine? {found}"
    return mains[0]


def restart_engine() -> None:
    if shutil.which("systemctl") and subprocess.run(["systemctl", "is-active", "--quiet", "docker"]).returncode == 0:
        subprocess.run(["systemctl", "restart", "docker"], check=True)
    else:
        pid = main_dockerd()
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.2)
        subprocess.Popen(["dockerd"], stdout=open("/tmp/herosim-test-dockerd.log", "ab"), stderr=subprocess.STDOUT,
                         start_new_session=True)
    deadline = time.monotonic() + 90
    while subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, "the Docker engine did not come back"
        time.sleep(0.5)


def running_dynos(client) -> set[tuple[str, str]]:
    return {(c.labels.get("io.herosim.app"), c.labels.get("io.herosim.dyno"))
            for c in client.containers.list(filters={"label": "io.herosim.role=dyno"})}


@pytest.mark.engine_exclusive
@pytest.mark.skipif(os.environ.get("HEROSIM_TEST_ENGINE_RESTART") != "1",
                    reason="restarts the Docker engine: set HEROSIM_TEST_ENGINE_RESTART=1 (CI does)")
def test_docker_engine_restart(client, app):
    before = running_dynos(client)
    restart_engine()
    serves_with_every_row(app, timeout=120)   # by itself: the manager re-creates its dynos
    # Every app's manager (other test workers' too) brings its dynos back before anything else runs.
    deadline = time.monotonic() + 120
    while not before <= running_dynos(docker_client()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert before <= running_dynos(docker_client()), before - running_dynos(docker_client())
