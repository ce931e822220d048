"""What a saved change needs under `herosim dev` (pure): a file sync into the running dynos,
or the full build a `git push heroku` would run.

A push rebuilds everything; most of that work depends only on a few files. The ones the
buildpack reads to decide the build (dependency files, the Python version, the Procfile,
app.json, the hooks, .slugignore, what collectstatic copies) fall back to the full build and
a new release; any other file reaches the dynos as it is, with no buildpack step to run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

ADDED, MODIFIED, REMOVED = "added", "modified", "removed"

# Files the build reads to decide what it does, with the words the dev line uses.
BUILD_INPUTS = {
    "Procfile": "the Procfile", "app.json": "app.json", ".slugignore": ".slugignore",
    ".python-version": "a version file", "runtime.txt": "a version file",
    "requirements.txt": "a dependency file", "Pipfile": "a dependency file", "Pipfile.lock": "a dependency file",
    "pyproject.toml": "a dependency file", "poetry.lock": "a dependency file", "uv.lock": "a dependency file",
    "setup.py": "a dependency file", "setup.cfg": "a dependency file", "pdm.lock": "a dependency file",
    "bin/pre_compile": "a build hook", "bin/post_compile": "a build hook",
    ".heroku/collectstatic_disabled": "the collectstatic switch",
}


@dataclass(frozen=True)
class Change:
    path: str   # relative to the app's root, with /
    kind: str   # added, modified, removed


@dataclass(frozen=True)
class BuildFacts:
    """What the last full build did that a file sync cannot redo."""
    dependency_files: frozenset[str] = frozenset()   # what the install read (pip: requirements*.txt, -r files)
    collectstatic: bool = False                      # Django's collectstatic ran in the build
    hooks: bool = False                              # bin/pre_compile or bin/post_compile ran


@dataclass(frozen=True)
class Plan:
    rebuild: tuple[str, ...] = ()          # why a full build is needed ("Procfile: the Procfile"), if it is
    sync: tuple[Change, ...] = field(default=())

    @property
    def needs_build(self) -> bool:
        return bool(self.rebuild)


def rebuild_reason(path: str, facts: BuildFacts) -> str | None:
    """Why a change of `path` needs the full build, or None when a file sync carries it."""
    if path in BUILD_INPUTS:
        return BUILD_INPUTS[path]
    if path in facts.dependency_files or _requirements_file(path):
        return "a dependency file"
    parts = PurePosixPath(path).parts
    if parts and parts[0] == ".profile.d":
        return "a .profile.d script (the buildpack writes there too)"
    if facts.collectstatic and "static" in parts[:-1]:
        return "a static file (collectstatic copies it in the build)"
    if facts.hooks and not path.endswith(".py"):
        return "a file the build hooks may read"
    return None


def plan(changes: list[Change], facts: BuildFacts) -> Plan:
    """Every change synced, or the full build with each reason (once per file)."""
    reasons = []
    for change in changes:
        reason = rebuild_reason(change.path, facts)
        if reason:
            reasons.append(f"{change.path} ({reason})")
    if reasons:
        return Plan(rebuild=tuple(reasons), sync=tuple(changes))
    return Plan(sync=tuple(sorted(changes, key=lambda c: c.path)))


def describe(changes: tuple[Change, ...] | list[Change], limit: int = 3) -> str:
    """`app.py, templates/index.html (+2 more)`, deletions marked."""
    names = [c.path + (" (removed)" if c.kind == REMOVED else "") for c in changes]
    shown = ", ".join(names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def _requirements_file(path: str) -> bool:
    """pip's files beside requirements.txt (`-r requirements/base.txt`, constraints.txt)."""
    name = PurePosixPath(path).name
    return path.endswith(".txt") and (name.startswith(("requirements", "constraints"))
                                      or path.startswith("requirements/"))
