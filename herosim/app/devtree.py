"""The app's files as `herosim dev` watches them: what git tracks or would track (git's own
ignore rules), less what .slugignore removes; each file's stamp (to notice a save) and
content digest (to tell a real change from a touch). Polling, so it works on every
platform and filesystem the engine's clients use; one `git ls-files` per scan."""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from herosim.app.devchanges import ADDED, MODIFIED, REMOVED, Change
from herosim.errors import AppError

SLUGIGNORE = ".slugignore"


@dataclass(frozen=True)
class Stamp:
    mtime_ns: int
    size: int
    mode: int


@dataclass(frozen=True)
class Listing:
    files: frozenset[str]       # what dev syncs: tracked or trackable, not slug-ignored
    untracked: frozenset[str]   # of those, the ones git does not track yet (a push leaves them out)


class Tree:
    """One app's working tree; `scan()` lists it, `stamps()` and `digests()` read files."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._slugignored: frozenset[str] = frozenset()
        self._seen_names: frozenset[str] | None = None

    def scan(self) -> Listing:
        tracked = set(_split(self._git("ls-files", "-z", "--cached", "--", ".")))
        untracked = set(_split(self._git("ls-files", "-z", "--others", "--exclude-standard", "--", ".")))
        names = frozenset(tracked | untracked)
        if names != self._seen_names:  # .slugignore's matches change only when names do
            self._seen_names = names
            self._slugignored = self._slug_ignored() if SLUGIGNORE in names else frozenset()
        files = frozenset(n for n in names - self._slugignored if self._is_file(n))
        return Listing(files=files, untracked=frozenset(files & untracked))

    def stamps(self, names) -> dict[str, Stamp]:
        out = {}
        for name in names:
            try:
                info = os.lstat(self.root / name)
            except OSError:
                continue
            out[name] = Stamp(info.st_mtime_ns, info.st_size, info.st_mode)
        return out

    def digests(self, names) -> dict[str, str]:
        """Content digests of the files that exist (a symlink's is its target)."""
        out = {}
        for name in names:
            digest = self.digest(name)
            if digest is not None:
                out[name] = digest
        return out

    def digest(self, name: str) -> str | None:
        path = self.root / name
        try:
            if path.is_symlink():
                return "link:" + os.readlink(path)
            hasher = hashlib.sha256()
            hasher.update(b"x" if os.access(path, os.X_OK) else b"-")
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    hasher.update(block)
            return hasher.hexdigest()
        except OSError:
            return None

    def _is_file(self, name: str) -> bool:
        path = self.root / name
        return path.is_symlink() or path.is_file()

    def _slug_ignored(self) -> frozenset[str]:
        out = self._git("ls-files", "-z", "--cached", "--others", "--ignored", f"--exclude-from={SLUGIGNORE}",
                        "--", ".")
        return frozenset(_split(out))

    def _git(self, *args: str) -> str:
        try:
            result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=False)
        except FileNotFoundError as exc:
            raise AppError("git is not installed", hint="herosim dev watches the files git tracks") from exc
        if result.returncode != 0:
            message = (result.stderr.strip().splitlines() or ["git failed"])[-1]
            raise AppError(f"git {args[0]} failed in {self.root}: {message}", hint="check `git status` there")
        return result.stdout


def changes(before: dict[str, str], after: dict[str, str], names=None) -> list[Change]:
    """What differs between two content maps (path -> digest), over `names` (default: all)."""
    names = set(before) | set(after) if names is None else set(names)
    out = []
    for name in sorted(names):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        out.append(Change(name, ADDED if old is None else REMOVED if new is None else MODIFIED))
    return out


def _split(output: str) -> list[str]:
    return [n for n in output.split("\0") if n]
