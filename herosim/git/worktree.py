"""What `herosim up` builds that a push would not: tracked files whose working-tree content
differs from HEAD (a push builds the commit, `up` the working tree)."""

from __future__ import annotations

from pathlib import Path

from herosim.git import command

SHOWN = 3


def changed(root: Path) -> list[str]:
    """Tracked paths under `root` that differ from HEAD (staged or not), relative to it."""
    result = command.run("status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames", "--", ".",
                         cwd=root, check=False)
    if result.returncode != 0:
        return []
    entries = [e for e in result.stdout.split("\0") if e]
    top = command.run("rev-parse", "--show-prefix", cwd=root, check=False).stdout.strip()
    return sorted(e[3:].removeprefix(top) for e in entries)


def notice(paths: list[str], remote: str = "heroku") -> str | None:
    """The one line `up` says when its build differs from what a push would build."""
    if not paths:
        return None
    shown = ", ".join(paths[:SHOWN]) + (f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else "")
    count = f"{len(paths)} file{'s' * (len(paths) != 1)}"
    return (f"The working tree differs from HEAD in {count} ({shown}): this build has them as they are now; "
            f"`git push {remote} main` builds the commit, without those changes")
