"""Heroku Git's repositories, the hook, the developer's remotes and a commit checked out as
the build's source: real git, no Docker."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from herosim.git import checkout, hook, remotes, repo, worktree

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def commit(where: Path, files: dict[str, str], message="c") -> str:
    for name, text in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_text(text)
    subprocess.run(GIT + ["add", "-A"], cwd=where, check=True)
    subprocess.run(GIT + ["commit", "-qm", message], cwd=where, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def work(tmp_path):
    where = tmp_path / "work"
    where.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=where, check=True)
    return where


def test_the_repository_is_private_bare_with_the_hook(home):
    path = repo.create("demo")
    assert path == home.absolute() / "git" / "demo.git" and repo.exists("demo")
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert subprocess.run(["git", "symbolic-ref", "HEAD"], cwd=path, capture_output=True, text=True).stdout \
        == "refs/heads/main\n"
    script = (path / "hooks" / "pre-receive").read_text()
    assert script == hook.script(sys.executable, Path(repo.herosim.__file__).resolve().parent.parent, home.absolute())
    assert os.access(path / "hooks" / "pre-receive", os.X_OK)
    assert repo.create("demo") == path   # again: nothing lost
    assert repo.remove("demo") and not path.exists()


def test_the_hook_runs_herosim_with_its_python_and_home():
    text = hook.script("/opt/py 3/bin/python", Path("/src/herosim"), Path("/home/me/.local/share/herosim"))
    assert text.splitlines()[2:] == [
        "HEROSIM_HOME=/home/me/.local/share/herosim",
        "PYTHONPATH=/src/herosim${PYTHONPATH:+:$PYTHONPATH}",
        "export HEROSIM_HOME PYTHONPATH",
        "exec '/opt/py 3/bin/python' -m herosim.git.receive",
    ]


def test_only_herosims_repositories_name_an_app(home):
    repo.create("demo")
    assert repo.app_of(repo.url("demo")) == "demo"
    assert repo.app_of("file://" + repo.url("demo")) == "demo"
    assert repo.app_of("https://git.heroku.com/demo.git") is None
    assert repo.app_of("/elsewhere/demo.git") is None
    assert repo.app_of("git@github.com:me/demo.git") is None


def test_remotes_are_read_as_herokus_cli_reads_them(home, work):
    commit(work, {"a": "1"})
    repo.create("demo")
    assert remotes.add_if_missing(work, "heroku", repo.url("demo"))
    assert not remotes.add_if_missing(work, "heroku", "https://git.heroku.com/other.git")
    subprocess.run(["git", "remote", "add", "origin", "https://github.com/me/demo.git"], cwd=work, check=True)
    assert remotes.apps(remotes.listed(work)) == [remotes.AppRemote("heroku", "demo")]
    assert remotes.rename_pointing_at(work, "demo", "renamed") == ["heroku"]
    assert remotes.listed(work)["heroku"] == repo.url("renamed")
    assert remotes.remove_pointing_at(work, "renamed") == ["heroku"]
    assert set(remotes.listed(work)) == {"origin"}
    assert remotes.listed(work.parent) == {}


def test_a_commit_checked_out_is_the_commit_not_the_working_tree(home, work, tmp_path):
    sha = commit(work, {"app.py": "print(1)\n", "sub/data.txt": "x"})
    (work / "app.py").write_text("print(2)\n")          # an edit never committed
    (work / "notes.txt").write_text("untracked")
    os.symlink("app.py", work / "link.py")
    bare = repo.create("demo")   # a branch that is not deployed: the hook stores it and builds nothing
    subprocess.run(["git", "push", "-q", str(bare), "main:feature"], cwd=work, check=True, capture_output=True)
    into = tmp_path / "src"
    into.mkdir()
    tree = checkout.from_commit(bare, sha, into, dict(os.environ))
    assert tree.files == ("app.py", "sub/data.txt") and tree.untracked == ()
    assert tree.commit == sha[:8] and tree.source_version == sha
    assert (into / "app.py").read_text() == "print(1)\n" and not (into / "notes.txt").exists()
    listed = subprocess.run(["git", "ls-files"], cwd=into, capture_output=True, text=True).stdout.split()
    assert listed == ["app.py", "sub/data.txt"]   # .slugignore's matching reads this index


def test_ls_tree_entries_keep_files_and_symlinks_not_submodules():
    listing = "\x00".join(["100644 blob aa\tapp.py", "120000 blob bb\tlink", "160000 commit cc\tvendor/lib",
                           "100755 blob dd\tbin/post_compile", ""])
    assert checkout.tracked_blobs(listing) == ("app.py", "bin/post_compile", "link")


def test_up_says_when_the_working_tree_differs_from_head(work):
    commit(work, {"app.py": "1", "Procfile": "web: x", "sub/a": "a"})
    assert worktree.changed(work) == []
    (work / "app.py").write_text("2")
    (work / "new.txt").write_text("untracked: said by the build's own warning")
    (work / "sub" / "a").write_text("b")
    assert worktree.changed(work) == ["app.py", "sub/a"]
    assert worktree.changed(work / "sub") == ["a"]
    assert worktree.notice(["app.py", "sub/a"]) == (
        "The working tree differs from HEAD in 2 files (app.py, sub/a): this build has them as they are now; "
        "`git push heroku main` builds the commit, without those changes")
    assert worktree.notice(["a", "b", "c", "d", "e"]).startswith(
        "The working tree differs from HEAD in 5 files (a, b, c and 2 more)")
    assert worktree.notice([]) is None
