"""An app's Heroku Git repository: a bare repository at $HEROSIM_HOME/git/<app>.git (private,
like the rest of herosim's state) with herosim's pre-receive hook. Its path is the app's git
URL: `git push` reaches it with plain git, no daemon and no network."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import herosim
from herosim import paths
from herosim.git import command, hook

FOLDER = "git"
SUFFIX = ".git"


def root(home: Path | None = None) -> Path:
    return (home or paths.home()) / FOLDER


def path(app: str, home: Path | None = None) -> Path:
    return (root(home) / f"{app}{SUFFIX}").absolute()


def url(app: str) -> str:
    """The app's git URL, as `git remote add` takes it."""
    return str(path(app))


def exists(app: str) -> bool:
    return (path(app) / "HEAD").is_file()


def app_of(remote_url: str, home: Path | None = None) -> str | None:
    """The app a remote URL names, when it is one of herosim's repositories (a path or a
    file:// URL into $HEROSIM_HOME/git); None for any other remote (GitHub, real Heroku)."""
    where = remote_url.removeprefix("file://")
    if not where.startswith("/") or not where.rstrip("/").endswith(SUFFIX):
        return None
    candidate = Path(where.rstrip("/"))
    try:
        if candidate.resolve().parent != root(home).resolve():
            return None
    except OSError:
        return None
    return candidate.name.removesuffix(SUFFIX) or None


def create(app: str) -> Path:
    """The repository (main as its default branch, as Heroku's), with the hook; idempotent."""
    repo = path(app)
    paths.private_dir(repo.parent)
    if not exists(app):
        command.run("init", "--bare", "--quiet", "--initial-branch=main", str(repo))
    os.chmod(repo, paths.PRIVATE_DIR)
    install_hook(repo)
    return repo


def install_hook(repo: Path) -> None:
    """(Re)write the hook for this Python, this herosim and this $HEROSIM_HOME."""
    target = repo / "hooks" / hook.NAME
    target.parent.mkdir(exist_ok=True)
    package_root = Path(herosim.__file__).resolve().parent.parent
    text = hook.script(sys.executable, package_root, paths.home().absolute())
    tmp = target.with_name(f".{hook.NAME}.tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o700)
    os.replace(tmp, target)


def remove(app: str) -> bool:
    repo = path(app)
    if not repo.exists():
        return False
    shutil.rmtree(repo)
    return True


def rename(old: str, new: str) -> None:
    if path(old).exists():
        os.replace(path(old), path(new))
        install_hook(path(new))


def head(app: str, branch: str = "main") -> str:
    """The commit a branch of the app's repository points at, or ""."""
    result = command.run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}",
                         cwd=path(app), check=False)
    return result.stdout.strip() if result.returncode == 0 else ""
