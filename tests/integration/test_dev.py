"""`herosim dev` on a Flask app: a saved edit serves the new code (a release, Heroku's
restart, the filesystem fresh again); a broken edit crashes with Heroku's lines and the
next save fixes it; a Procfile change is a full build; then, with `gunicorn --reload`, an
edit is only a file sync; Ctrl-C stops the dynos. One dev session for the module."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.integration.conftest import LABEL_APP, app_name, free_port, git_app
from tests.support import interruptible


class DevRun:
    def __init__(self, path, name, port, output):
        self.path, self.name, self.port, self.output = path, name, port, output
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def edit(self, old: str, new: str, name: str = "app.py") -> None:
        target = self.path / name
        target.write_text(target.read_text().replace(old, new))

    def wait_for_version(self, version: str, timeout: float = 120) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"herosim dev exited ({self.process.returncode}):\n{self.text()[-4000:]}")
            try:
                answer = requests.get(self.url + "/", timeout=10)
                if answer.status_code == 200 and answer.json().get("version") == version:
                    return time.monotonic() - started
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"version {version} never answered; dev's output ends:\n{self.text()[-4000:]}")

    def wait_for_output(self, fragment: str, after: int = 0, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()[after:]
            if fragment in text:
                return text
            time.sleep(0.2)
        raise AssertionError(f"{fragment!r} never printed; dev's output ends:\n{self.text()[-4000:]}")


@pytest.fixture(scope="module")
def dev(herosim_home, tmp_path_factory):
    path = git_app("dev_flask", tmp_path_factory.mktemp("dev"))
    run = DevRun(path, app_name("dev"), free_port(), path.parent / "dev.out")
    with open(run.output, "w") as out:
        run.process = subprocess.Popen(interruptible(
            [sys.executable, "-m", "herosim", "dev", "-a", run.name, "--port", str(run.port), "--time-scale", "0.001",
             "--stop-timeout", "10"]), cwd=path, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        run.wait_for_version("one", timeout=600)
        run.wait_for_output("herosim dev: ")
        yield run
    finally:
        if run.process.poll() is None:
            run.process.send_signal(signal.SIGINT)
            try:
                run.process.wait(90)
            except subprocess.TimeoutExpired:
                run.process.kill()
        subprocess.run([sys.executable, "-m", "herosim", "destroy", "-a", run.name, "--confirm", run.name],
                       capture_output=True, check=False)


def test_a_saved_edit_is_served_after_herokus_restart_and_the_filesystem_is_fresh(dev):
    assert requests.post(dev.url + "/write", timeout=10).json() == {"written": True}
    mark = len(dev.text())
    dev.edit('VERSION = "one"', 'VERSION = "two"')
    took = dev.wait_for_version("two", timeout=60)
    assert took < 30
    text = dev.wait_for_output("herosim dev: app.py -> v", after=mark)
    assert "app[api]: Dev sync: app.py by user" in text
    for line in ("heroku[web.1]: Restarting", "heroku[web.1]: Stopping all processes with SIGTERM",
                 "heroku[web.1]: Starting process with command `gunicorn app:app`",
                 "heroku[web.1]: State changed from starting to up"):
        assert line in text, line
    assert requests.get(dev.url + "/written", timeout=10).json() == {"written": False}   # ephemeral, as on Heroku


def test_a_broken_edit_crashes_with_herokus_lines_and_the_next_save_fixes_it(dev):
    mark = len(dev.text())
    dev.edit('VERSION = "two"', 'VERSION = "two"\nimport a_module_nobody_installed')
    text = dev.wait_for_output("to crashed", after=mark)
    assert "ModuleNotFoundError: No module named 'a_module_nobody_installed'" in text
    assert "heroku[web.1]: Process exited with status" in text
    assert requests.get(dev.url + "/", timeout=45).status_code == 503   # H10, or H12/H13 while it boots again
    dev.edit('VERSION = "two"\nimport a_module_nobody_installed', 'VERSION = "three"')   # one save fixes it
    dev.wait_for_version("three", timeout=180)   # past the crashed dyno's restart, on a busy machine too


def test_a_procfile_change_rebuilds_then_a_reloading_server_only_gets_the_files(dev, client):
    mark = len(dev.text())
    (dev.path / "Procfile").write_text("web: gunicorn app:app --reload\n")
    text = dev.wait_for_output("built and released", after=mark, timeout=300)
    assert "herosim dev: Procfile (the Procfile): a full build and a new release, as a push" in text
    assert "-----> Discovering process types" in text
    assert "Starting process with command `gunicorn app:app --reload`" in text
    time.sleep(3)   # gunicorn's reloader notes the files' times a second after its workers boot
    mark = len(dev.text())
    container = client.containers.list(filters={"label": [f"{LABEL_APP}={dev.name}", "io.herosim.dyno=web.1"]})[0]
    dev.edit('VERSION = "three"', 'VERSION = "four"')
    dev.wait_for_version("four", timeout=60)
    text = dev.wait_for_output("copied into web.1 (gunicorn --reload reloads it)", after=mark)
    assert "heroku[web.1]: Restarting" not in text and "Worker reloading: /app/app.py modified" in text
    assert client.containers.list(filters={"label": [f"{LABEL_APP}={dev.name}", "io.herosim.dyno=web.1"]})[0].id == \
        container.id   # the same dyno, no restart
    ps = subprocess.run([sys.executable, "-m", "herosim", "ps", "--json", "-a", dev.name], capture_output=True,
                        text=True, check=True).stdout
    releases = subprocess.run([sys.executable, "-m", "herosim", "releases", "-a", dev.name], capture_output=True,
                              text=True, check=True).stdout.splitlines()
    current = releases[0].rsplit("v", 1)[1]
    assert f'"release": {current}' in ps   # the dyno counts as running the new release
    assert "Dev sync: app.py" in releases[1] and "Deploy" in releases[2]
    fs = subprocess.run([sys.executable, "-m", "herosim", "fs:diff", "--json", "-a", dev.name], capture_output=True,
                        text=True, check=True).stdout
    assert "app.py" not in fs   # dev put it there, not the app


def test_ctrl_c_stops_the_dynos_as_down_does(dev, client):
    dev.process.send_signal(signal.SIGINT)
    assert dev.process.wait(90) == 0
    assert "Stopping all dynos on ⬢ " + dev.name + "... done" in dev.text()
    assert not client.containers.list(filters={"label": [f"{LABEL_APP}={dev.name}", "io.herosim.role=dyno"]})
