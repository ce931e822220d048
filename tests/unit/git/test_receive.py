"""Real pushes into an app's repository, answered by its pre-receive hook before any build
(no Docker): the whole transcript of what git prints."""

import re
import subprocess

import pytest

from herosim.git import repo
from herosim.platform.state import AppState
from tests.unit.git.test_repo import GIT, commit


@pytest.fixture
def pushed(tmp_path, monkeypatch):
    """A committed working copy and the repository of app `demo` (state, no build)."""
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")   # nothing here may need an engine
    work = tmp_path / "work"
    work.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=work, check=True)
    sha = commit(work, {"requirements.txt": "", "app.py": "print(1)\n"})
    AppState("demo").update_settings(router_port=5006)
    bare = repo.create("demo")
    subprocess.run(["git", "remote", "add", "heroku", str(bare)], cwd=work, check=True)
    return work, bare, sha


def push(work, *args):
    result = subprocess.run(GIT + ["push", *args], cwd=work, capture_output=True, text=True)
    text = re.sub(r"[ \t]+$", "", result.stderr, flags=re.M)   # git pads `remote:` lines (hatchet#162)
    return result.returncode, text


def test_a_push_to_another_branch_is_stored_and_not_built(pushed):
    work, bare, sha = pushed
    code, text = push(work, "heroku", "main:feature")
    assert code == 0
    assert text == ("remote: Pushed to branch other than [main, master], skipping build.\n"
                    f"To {bare}\n"
                    " * [new branch]      main -> feature\n")
    assert repo.head("demo", "feature") == sha


def test_deleting_main_is_refused(pushed):
    work, bare, sha = pushed
    push(work, "heroku", "main:feature")   # the objects, without a build
    subprocess.run(["git", "update-ref", "refs/heads/main", sha], cwd=bare, check=True)
    code, text = push(work, "heroku", ":main")
    assert code == 1
    assert text == ("remote:\n"
                    "remote: !\tPush rejected, cannot delete main branch\n"
                    "remote:\n"
                    f"To {bare}\n"
                    " ! [remote rejected] main (pre-receive hook declined)\n"
                    f"error: failed to push some refs to '{bare}'\n")
    assert repo.head("demo") == sha


def test_a_push_to_an_app_herosim_no_longer_has(pushed):
    work, bare, _ = pushed
    AppState("demo").remove()
    code, text = push(work, "heroku", "main")
    assert code == 1
    assert text == ("remote:\n"
                    "remote:  !     Couldn't find that app.\n"
                    "remote:  !     Hint: herosim apps:create demo makes it\n"
                    "remote:\n"
                    "remote:  !     Push failed\n"
                    "remote: Verifying deploy...\n"
                    "remote:\n"
                    "remote: !\tPush rejected to demo.\n"
                    "remote:\n"
                    f"To {bare}\n"
                    " ! [remote rejected] main -> main (pre-receive hook declined)\n"
                    f"error: failed to push some refs to '{bare}'\n")
    assert repo.head("demo") == ""
