"""`herosim local` as `heroku local`: its errors, and a real run of a Procfile through honcho
on this machine (no Docker): the env file, PORT from 5006 plus 100 per type, release skipped."""

import os
import subprocess
import sys


def herosim(*args, cwd, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "herosim", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock", **(env or {})},
                          timeout=timeout)


def test_no_procfile_and_no_start_command(tmp_path):
    result = herosim("local", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        " ▸    Your app doesn’t have a Procfile.",
        " ▸    Hint: add a Procfile to add process types (https://devcenter.heroku.com/articles/procfile), "
        "or specify a start command with --start-cmd"]


def test_restart_and_concurrency_are_gone(tmp_path):
    for flag in (["-r"], ["-c", "web=2"]):
        result = herosim("local", *flag, cwd=tmp_path)
        assert result.returncode == 1
        assert "is no longer available" in result.stderr and "Use forego instead" in result.stderr


def test_the_procfile_runs_on_this_machine_with_the_env_file(tmp_path):
    say = (f"{sys.executable} -c \"import os, time; print(os.environ['FOREMAN_WORKER_NAME'], os.environ['PORT'], "
           "os.environ['GREETING'], flush=True); time.sleep(2)\"")   # the first to exit ends the others
    (tmp_path / "Procfile").write_text(f"release: echo migrating\nweb: {say}\nworker: {say}\n")
    (tmp_path / ".env").write_text('GREETING="hello there"\n')
    result = herosim("local", cwd=tmp_path, env={"PORT": ""})
    out = result.stdout
    assert "web.1 5006 hello there" in out and "worker.1 5106 hello there" in out
    assert "migrating" not in out
    assert "herosim local runs the Procfile on this machine, as `heroku local` does" in result.stderr
    only = herosim("local", "worker=2", "-p", "7000", cwd=tmp_path)
    assert "worker.1 7000 hello there" in only.stdout and "worker.2 7001 hello there" in only.stdout
    assert "web.1" not in only.stdout   # only the types asked for
