"""Running git: one place that turns a missing git or a failed command into a HerosimError."""

from __future__ import annotations

import subprocess
from pathlib import Path

from herosim.errors import HerosimError


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise HerosimError("Git must be installed to use herosim's Heroku Git",
                           hint="install git (e.g. apt-get install git), then run the command again") from exc
    if check and result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise HerosimError(f"git {args[0]} failed: {message}", hint=f"run `git {' '.join(args)}` to see why")
    return result


def output(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    return run(*args, cwd=cwd, env=env).stdout
