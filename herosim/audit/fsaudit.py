"""What a dyno wrote since it started, and what Heroku's ephemeral filesystem will do to it.

The list comes from the container's own diff against the slug (`docker diff`): nothing to
instrument in the app. Classification and advice are pure functions of paths.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field

# Paths that are scratch on Heroku too, or regenerated harmlessly.
SCRATCH = ("/tmp", "/var/tmp", "/proc", "/sys", "/dev", "/run", "/var/run", "/etc/hostname", "/etc/hosts",
           "/etc/resolv.conf", "/etc/mtab")
IGNORED_PATTERNS = ("*/__pycache__/*", "*.pyc", "*/.cache/*")

CATEGORIES = [
    # (key, title, patterns, fix)
    ("sqlite", "SQLite database", ("*.db", "*.sqlite", "*.sqlite3", "*.db-journal", "*.db-wal", "*.db-shm",
                                   "*.sqlite3-journal", "*.sqlite-journal"),
     "keep data in the Postgres add-on: read DATABASE_URL (postgres:// becomes postgresql:// for SQLAlchemy)"),
    ("logs", "log file", ("*.log", "*/logs/*", "*/log/*", "*.log.[0-9]*"),
     "log to stdout: Heroku keeps only what the process prints (herosim logs shows it)"),
    ("translations", "compiled translations or other build output made at run time",
     ("*.mo", "*/staticfiles/*", "*/static/CACHE/*", "*/.webassets-cache/*", "*.min.js", "*.min.css",
      "*/static/dist/*", "*/static/build/*"),
     "produce it in the build (bin/post_compile, collectstatic) or at the start of the Procfile command"),
    ("uploads", "uploaded files", ("*/uploads/*", "*/upload/*", "*/media/*", "*/attachments/*"),
     "store uploads in object storage (S3 and the like), not on the dyno"),
    ("deleted", "files of the slug deleted at run time", (),
     "they come back at the next restart; do not rely on removing them"),
    ("other", "other files", ("*",),
     "lost at the next restart and invisible to other dynos; move them to an add-on or produce them in the build"),
]


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # "added", "changed", "deleted"


@dataclass
class Finding:
    key: str
    title: str
    fix: str
    paths: list[str] = field(default_factory=list)


def changes_from_docker(diff: list[dict] | None) -> list[Change]:
    """Files (not directories that only contain them) from `container.diff()`."""
    kinds = {0: "changed", 1: "added", 2: "deleted"}
    items = [(d["Path"], kinds.get(d["Kind"], "changed")) for d in (diff or [])]
    paths = {p for p, _ in items}
    out = []
    for path, kind in items:
        if kind != "deleted" and any(other.startswith(path + "/") for other in paths):
            continue  # a directory that only holds other entries of the list
        out.append(Change(path, kind))
    return sorted(out, key=lambda c: c.path)


def changes_from_upperdir(upper: str) -> list[Change] | None:
    """The same list read straight from an overlay2 container's upper directory (a local
    engine): milliseconds where the Diff API takes hundreds. None when it cannot be read."""
    if not upper or not os.path.isdir(upper):
        return None
    out = []
    try:
        for directory, _dirs, files in os.walk(upper):
            for name in files:
                full = os.path.join(directory, name)
                path = "/" + os.path.relpath(full, upper)
                info = os.lstat(full)
                whiteout = stat.S_ISCHR(info.st_mode) and info.st_rdev == 0  # overlayfs: deleted below
                out.append(Change(path, "deleted" if whiteout else "changed"))
    except OSError:
        return None
    return sorted(out, key=lambda c: c.path)


def relevant(change: Change, allow: tuple[str, ...] = ()) -> bool:
    path = change.path
    if any(path == s or path.startswith(s + "/") for s in SCRATCH):
        return False
    if any(fnmatch.fnmatchcase(path, p) for p in IGNORED_PATTERNS):
        return False
    return not any(fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(path.removeprefix("/app/"), p)
                   for p in allow)


def classify(changes: list[Change], allow: tuple[str, ...] = ()) -> list[Finding]:
    findings: dict[str, Finding] = {}
    for change in changes:
        if not relevant(change, allow):
            continue
        key, title, fix = _category(change)
        findings.setdefault(key, Finding(key, title, fix)).paths.append(change.path)
    order = [c[0] for c in CATEGORIES]
    return sorted(findings.values(), key=lambda f: order.index(f.key))


def _category(change: Change) -> tuple[str, str, str]:
    """The first category a change falls in: a deletion is "deleted", any other the first whose
    patterns match ("other" matches everything)."""
    for key, title, patterns, fix in CATEGORIES:
        if change.kind == "deleted":
            matched = key == "deleted"
        else:
            matched = key != "deleted" and any(fnmatch.fnmatchcase(change.path, p) for p in patterns)
        if matched:
            return key, title, fix
    key, title, _, fix = CATEGORIES[-1]
    return key, title, fix


def render(dyno: str, findings: list[Finding]) -> list[str]:
    if not findings:
        return [f"{dyno}: nothing written outside scratch paths"]
    count = sum(len(f.paths) for f in findings)
    lines = [f"{dyno}: {count} file(s) written since it started, lost at the next restart:"]
    for finding in findings:
        lines.append(f"  {finding.title}:")
        lines += [f"    {path}" for path in finding.paths[:20]]
        if len(finding.paths) > 20:
            lines.append(f"    … and {len(finding.paths) - 20} more")
        lines.append(f"    fix: {finding.fix}")
    return lines
