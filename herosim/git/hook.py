"""The pre-receive hook of an app's repository (pure text): it runs herosim's receive command
with the Python and the herosim that wrote it, so a push needs nothing on PATH and no daemon."""

from __future__ import annotations

import shlex
from pathlib import Path

NAME = "pre-receive"
MARK = "# herosim: "


def script(python: str, package_root: Path, home: Path) -> str:
    """git runs this with the pushed refs on stdin; what it prints reaches the pusher as
    `remote: ` lines, and its exit status accepts (0) or rejects the push."""
    return (
        "#!/bin/sh\n"
        f"{MARK}builds and releases what `git push` sends, as Heroku Git does (rewritten by herosim)\n"
        f"HEROSIM_HOME={shlex.quote(str(home))}\n"
        f"PYTHONPATH={shlex.quote(str(package_root))}${{PYTHONPATH:+:$PYTHONPATH}}\n"
        "export HEROSIM_HOME PYTHONPATH\n"
        f"exec {shlex.quote(python)} -m herosim.git.receive\n"
    )
