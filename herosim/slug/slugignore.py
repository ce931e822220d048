""".slugignore: gitignore-syntax patterns removed from the source before the build.
Matching is git's own (`git ls-files --ignored --exclude-from`), so the syntax is exact."""

from __future__ import annotations

import dataclasses
import subprocess

from herosim.errors import AppError
from herosim.slug.source import SourceTree

FILE = ".slugignore"


def apply(source: SourceTree) -> SourceTree:
    if FILE not in source.files:
        return source
    result = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--ignored", f"--exclude-from={FILE}", "--", "."],
        cwd=source.root, capture_output=True, text=True)
    if result.returncode != 0:
        raise AppError(f"Could not apply {FILE}: {result.stderr.strip()}", hint=f"check the patterns in {FILE}")
    removed = {name for name in result.stdout.split("\0") if name}
    return dataclasses.replace(source, files=tuple(f for f in source.files if f not in removed),
                               removed=tuple(sorted(removed)))
