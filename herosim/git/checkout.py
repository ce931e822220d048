"""A pushed commit's tree as the build's source: what Heroku builds is the commit, never a
working tree. Read in the pre-receive hook's environment, where the pushed objects are still
in git's quarantine (GIT_OBJECT_DIRECTORY), so no clone is made."""

from __future__ import annotations

from pathlib import Path

from herosim.git import command
from herosim.slug.source import SourceTree


def tracked_blobs(listing: str) -> tuple[str, ...]:
    """`git ls-tree -r -z` output -> the paths of its files and symlinks (a submodule's
    gitlink is no file of the commit)."""
    out = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        if meta.split(" ")[1:2] == ["blob"]:
            out.append(name)
    return tuple(sorted(out))


def from_commit(git_dir: Path, sha: str, into: Path, env: dict[str, str]) -> SourceTree:
    """Check `sha` out into `into` (an empty folder), which becomes a git work tree whose
    index lists the commit's files (.slugignore's matching reads it), with no history."""
    command.run("init", "--quiet", str(into), env=_clean(env))
    repo_env = {**env, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(into),
                "GIT_INDEX_FILE": str(into / ".git" / "index")}
    command.run("read-tree", sha, env=repo_env)
    command.run("checkout-index", "--all", "--force", cwd=into, env=repo_env)
    files = tracked_blobs(command.output("ls-tree", "-r", "-z", "--full-tree", sha, env=repo_env))
    return SourceTree(root=into, files=files, untracked=(), commit=sha[:8], source_version=sha)


def _clean(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not k.startswith("GIT_")}
