"""Which files reach the slug: what `git push heroku` would send (git's view of the tree)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from herosim.errors import AppError


@dataclass(frozen=True)
class SourceTree:
    root: Path
    files: tuple[str, ...]      # tracked and present in the working tree
    untracked: tuple[str, ...]  # neither tracked nor ignored: left out, with a warning
    commit: str                 # HEAD's short hash, or "" before the first commit
    removed: tuple[str, ...] = ()  # taken out by .slugignore
    source_version: str = ""    # HEAD's full hash: a build's SOURCE_VERSION


def collect(root: Path) -> SourceTree:
    root = root.resolve()
    # From inside the tree, git prints paths relative to `root` and only below it.
    files = [name for name in _split(_git(root, "ls-files", "-z", "--cached", "--", "."))
             if (root / name).is_symlink() or (root / name).is_file()]
    untracked = [n for n in _split(_git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", "."))]
    try:
        full = _git(root, "rev-parse", "HEAD").strip()
    except AppError:
        full = ""
    return SourceTree(root=root, files=tuple(sorted(files)), untracked=tuple(sorted(untracked)),
                      commit=full[:8], source_version=full)


def inside(root: Path, name: str) -> bool:
    """Whether `name` is a real file of the app: a symlink that leads out of the app's tree
    is deployed as a link, but on Heroku it points at nothing of the app (the build machine's
    own file, if any), so herosim never reads through it."""
    try:
        return (root / name).resolve().is_relative_to(root.resolve()) and (root / name).is_file()
    except OSError:
        return False


def readable(source: SourceTree) -> set[str]:
    """The files the build may read: tracked, and inside the app's tree."""
    return {name for name in source.files if inside(source.root, name)}


def ignored(root: Path) -> tuple[str, ...]:
    """Files in the tree that git ignores (never deployed)."""
    out = _git(root.resolve(), "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", ".")
    return tuple(sorted(_split(out)))


def _split(output: str) -> list[str]:
    return [n for n in output.split("\0") if n]


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise AppError("git is not installed",
                       hint="install git: herosim builds the files git tracks, as `git push heroku` does") from exc
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["git failed"])[-1]
        if "not a git repository" in result.stderr:
            raise AppError(
                f"{root} is not in a git repository",
                hint="run `git init && git add -A && git commit -m init`: the slug holds what git tracks, "
                     "as after `git push heroku`",
            )
        raise AppError(f"git {args[0]} failed in {root}: {message}", hint="check `git status` there")
    return result.stdout


def from_folder(root: Path, like: SourceTree) -> SourceTree:
    """A tree a hook left (every file in it counts, as in the buildpack's build folder)."""
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())
    return SourceTree(root=root, files=tuple(files), untracked=(), commit=like.commit, removed=like.removed,
                      source_version=like.source_version)
