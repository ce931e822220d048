"""Bad input gets one clear line and a hint, exit code != 0, before touching Docker."""

import os
import subprocess
import sys

import pytest


def herosim(*args, env=None, cwd=None):
    full_env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock", **(env or {})}
    return subprocess.run([sys.executable, "-m", "herosim", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=60)


@pytest.mark.parametrize("args, message", [
    (["config:set", "FOO"], "FOO is invalid. Must be in the format FOO=bar."),
    (["config:set", "MY-KEY=1"], "Invalid config var key 'MY-KEY'"),
    (["config:unset", "HEROKU_X"], "HEROKU_ prefix is reserved"),
    (["ps", "-a", "Bad_Name"], "Invalid app name 'Bad_Name'"),
])
def test_bad_arguments(args, message, tmp_path):
    result = herosim(*args, env={"HEROSIM_HOME": str(tmp_path)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert message in lines[0]
    assert lines[1].startswith(" ▸    Hint: ")


def test_no_docker_daemon_says_how_to_start_one(tmp_path):
    result = herosim("down", "-a", "someapp", env={"HEROSIM_HOME": str(tmp_path)})
    assert result.returncode == 1
    assert "Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock" in result.stderr
    assert "dockerd" in result.stderr


def test_bad_timeout_environment(tmp_path):
    result = herosim("up", str(tmp_path), env={"HEROSIM_HOME": str(tmp_path), "HEROSIM_BOOT_TIMEOUT": "x"})
    assert result.returncode == 1
    assert "HEROSIM_BOOT_TIMEOUT='x' is not a number of seconds" in result.stderr


def test_commands_on_an_unknown_app_answer_as_herokus_cli(tmp_path):
    for command in (["logs"], ["ps"], ["config"], ["releases"], ["pg:info"], ["maintenance"], ["ps:scale", "web=1"]):
        result = herosim(*command, "-a", "nothing-here", env={"HEROSIM_HOME": str(tmp_path)})
        assert (result.returncode, result.stdout, result.stderr) == (
            1, "", " ▸    Couldn't find that app.\n"
                   " ▸    Hint: `herosim up -a nothing-here` in the app's directory creates it\n"), command
    assert not (tmp_path / "apps" / "nothing-here").exists()   # asking created nothing
