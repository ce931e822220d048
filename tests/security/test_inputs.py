"""Hostile input at the edges: app names, config keys and values, symlinks leading out of the
app's tree, .slugignore patterns. Each is refused with one clear line and a hint, or taken
literally; nothing outside the app reaches a build, an image or a dyno."""

import os
import subprocess
import sys
import uuid

import pytest

from tests.support import app_name, commit_all, free_port, git_app, herosim, images_contain


def cli(*args, home):
    return subprocess.run([sys.executable, "-m", "herosim", *args], capture_output=True, text=True,
                          env={**os.environ, "HEROSIM_HOME": str(home), "DOCKER_HOST": "unix:///nonexistent.sock"})


@pytest.mark.parametrize("name", ["../etc", "a;rm -rf ~", "UPPER", "x", "a" * 31, "trailing-", "-dash", "$(id)", "..",
                                  "app\nname"])
def test_hostile_app_names(tmp_path, name):
    result = cli("config", "-a", name, home=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(" ▸    Invalid app name") and lines[1].startswith(" ▸    Hint: Name must start")
    assert not (tmp_path / "apps").exists() or not any((tmp_path / "apps").iterdir())


@pytest.mark.parametrize("assignment, message", [
    ("A B=1", "Invalid config var key 'A B'"),
    ("X\nY=1", "Invalid config var key 'X\\nY'"),
    ("__X=1", "keys cannot start with `__`"),
    ("HEROKU_APP_NAME=x", "HEROKU_ prefix is reserved"),
    ("=novalue", "=novalue is invalid. Must be in the format FOO=bar."),
    ("A-B=1", "Invalid config var key 'A-B'"),
])
def test_hostile_config_keys(tmp_path, assignment, message):
    result = cli("config:set", assignment, "-a", "demo", home=tmp_path)
    assert result.returncode == 1 and message in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr


WEIRD = 'line one\nline "two" $(touch /tmp/pwned-by-config) `id` \\ ünïcode'


def test_config_values_reach_dynos_literally_and_outside_files_never(client, herosim_home, tmp_path):
    secret = tmp_path / f"host-secret-{uuid.uuid4().hex}"
    secret.write_text(f"host only {uuid.uuid4().hex}")
    path = git_app("hello", tmp_path / "app", extra={".slugignore": "../../etc\n/etc/*\n../*\n"})
    os.symlink(secret, path / "leak.txt")
    os.symlink("/etc", path / "outside")
    commit_all(path, "links out of the tree")
    name, port = app_name("inputs"), free_port()
    try:
        assert herosim("config:set", f"WEIRD={WEIRD}", "-a", name).returncode == 0
        up = herosim("up", "-d", path, "-a", name, "--port", port)
        assert up.returncode == 0, up.stderr[-3000:]
        shown = herosim("run", "-a", name, "python", "-c", "import os; print(repr(os.environ['WEIRD']))")
        assert shown.stdout.strip() == repr(WEIRD)
        assert herosim("run", "-a", name, "test -e /tmp/pwned-by-config").returncode == 1
        assert not os.path.exists("/tmp/pwned-by-config")
        # The links are deployed as links, which lead to nothing of the host in a dyno.
        assert herosim("run", "-a", name, "test -L leak.txt && ! test -e leak.txt").returncode == 0
        assert not images_contain(client, name, secret.read_bytes())
    finally:
        herosim("destroy", "-a", name, "--confirm", name)
