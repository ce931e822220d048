"""The install scripts of the package managers, as the buildpack runs them (pure: text); what
each manager runs is in its PackageManager (slug/managers/).

Each script runs in a build container (step.PROLOGUE first) and prints the buildpack's
step lines itself. After the install it runs the same install once more, quietly after
QUIET: what that prints is what a rebuild with an unchanged cache prints on Heroku, kept
with the layer and shown when it is reused. Exit 70: the tool did not install; 71: the
dependencies did not.

Where the tools live: pip and Pipenv where the buildpack puts them, in the app's own
/app/.heroku/python (Pipenv at .heroku/python/pipenv, in the slug, as on Heroku); uv and
Poetry (the buildpack keeps them in the app's build cache) on herosim's tools volume,
which only herosim's own tool step writes (tools.py) and every build step of an app mounts
read-only, so no app's build can change what another app's build runs.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from herosim.slug.buildpack import SETUPTOOLS_MAJORS, SETUPTOOLS_VERSION
from herosim.slug.managers.base import (
    CACHE,
    TOOL_FAILED,
    TOOLS,
    VENV,
    PackageManager,
    bootstrap_pip,
)

__all__ = [
    "CACHE",
    "DJANGO",
    "INSTALL_FAILED",
    "QUIET",
    "TOOLS",
    "TOOL_FAILED",
    "VENV",
    "Install",
    "base_script",
    "exports",
    "opening",
    "script",
    "tool_bin",
    "tool_home",
    "tool_script",
]

QUIET = "@@herosim:quiet@@"
DJANGO = "@@herosim:django@@"        # printed (quietly) when django is importable: collectstatic runs
INSTALL_FAILED = 71


@dataclass(frozen=True)
class Install:
    """One run of the buildpack's install phase (lib/python.sh, lib/<manager>.sh)."""
    manager: PackageManager
    python: str                  # the stack's interpreter command (python3.14)
    full_version: str            # its version (3.14.8)
    fresh: bool                  # a new Python environment; else the app's restored cache
    test: bool = False           # bin/test-compile's INSTALL_TEST
    test_requirements: bool = False  # the app has the manager's test file (pip: requirements-test.txt)
    tool_home: str = ""          # uv's or Poetry's folder on the tools volume

    @property
    def major(self) -> str:
        return self.python.removeprefix("python")

    @property
    def command(self) -> list[str]:
        """The command `Installing dependencies using '…'` shows."""
        return self.manager.install_command(self.test, self.test_requirements)


def opening(install: Install) -> list[str]:
    """The step lines before the install of the dependencies, in the buildpack's order."""
    manager = install.manager
    python = (f"Installing Python {install.full_version}" if install.fresh
              else f"Using cached install of Python {install.full_version}")
    tool = f"{manager.title} {manager.version}"
    if manager.with_setuptools and install.major in SETUPTOOLS_MAJORS:
        tool += f" and setuptools {SETUPTOOLS_VERSION}"
    verb = "Using cached" if manager.tool_cached(install.fresh, install.test) else "Installing"
    return [python, f"{verb} {tool}"]


def tool_home(manager: PackageManager, stack_name: str, python: str) -> str:
    """uv's or Poetry's folder on the tools volume: one per version, stack and Python (its
    venv runs that stack's interpreter)."""
    return f"{TOOLS}/{manager.name}-{manager.version}-{stack_name}-{python}"


def tool_bin(home: str) -> str:
    """A folder holding the tool's command alone (the buildpack's: its venv's python stays off PATH)."""
    return f"{home}/heroku-bin"


def tool_script(manager: PackageManager, python: str, home: str) -> str:
    """herosim's tool step (no app file, no config var): uv or Poetry in a venv of its own,
    made aside and moved into place (two builds may race; the first one in wins); its command
    runs from the moved venv: uv's own binary (`python -m uv` would set VIRTUAL_ENV, which uv then
    warns about), Poetry with `python -m` (the venv's scripts name the folder it was made in)."""
    command = manager.name
    return f"""\
set -o pipefail
[ -x {home}/heroku-bin/{command} ] && exit 0
new="$(mktemp -d {TOOLS}/.new-XXXXXXXX)"
trap 'rm -rf "$new"' EXIT
{python} -m venv --without-pip "$new"
{bootstrap_pip(python, '$new/bin/python', [f"{command}=={manager.version}"])}\
mkdir "$new/heroku-bin" && printf '#!/bin/sh\\nexec {home}/{manager.tool_entry} "$@"\\n' > "$new/heroku-bin/{command}"
chmod +x "$new/heroku-bin/{command}" && chmod -R a+rX "$new"
mv -T "$new" {home} 2>/dev/null || [ -x {home}/heroku-bin/{command} ]
"""


def _venv(python: str) -> str:
    return f"[ -x {VENV}/bin/python ] || {python} -m venv --without-pip {VENV}\n"


def base_script(manager: PackageManager, python: str) -> str:
    """herosim's base step (no app file, no config var, from the pristine build image): the
    fresh Python environment every app's first install of this manager starts from."""
    return ("set -eo pipefail\ntrap 'rm -rf /tmp/herosim-ca' EXIT\n"   # the CA bundle stays out of the image
            + _venv(python) + manager.prepare(python))


def exports(manager: PackageManager, home: str = "") -> list[str]:
    """What the buildpack exports once the package manager is installed (lib/<manager>.sh):
    the install, bin/post_compile and collectstatic run with it."""
    tool_path = [f'export PATH="{tool_bin(home)}:${{PATH}}"'] if manager.on_tools_volume else []
    return tool_path + list(manager.exports)


def script(install: Install) -> str:
    """Install into /app/.heroku/python, which comes from herosim's base image on a fresh
    install (tools.base) and from the app's previous layer on a restored cache; what either
    lacks is made here."""
    manager = install.manager
    python_line, tool_line = opening(install)
    out = [f'echo "-----> {python_line}"', _venv(install.python), f"export PATH={VENV}/bin:$PATH",
           f'echo "-----> {tool_line}"', manager.prepare(install.python)]
    if manager.on_tools_volume:   # installed by herosim's tool step beforehand, on the read-only tools volume
        out.append(f"[ -x {tool_bin(install.tool_home)}/{manager.name} ] || exit {TOOL_FAILED}")
    out += exports(manager, install.tool_home)
    for name in manager.config_vars:   # lib/pip.sh, lib/pipenv.sh: PIP_EXTRA_INDEX_URL
        out.append(f'[ -r "$ENV_DIR/{name}" ] && export {name}="$(cat "$ENV_DIR/{name}")"')
    out.append(f"echo \"-----> Installing dependencies using '{' '.join(install.command)}'\"")
    command = _command(install)
    out.append(f"{command} || exit {INSTALL_FAILED}")
    out.append(f'echo "{QUIET}"')   # what a rebuild with this cache prints
    out.append(f"{command} || true")
    out.append(f"{VENV}/bin/python -c "
               "'import importlib.util, sys; sys.exit(importlib.util.find_spec(\"django\") is None)' "
               f"2>/dev/null && echo {DJANGO} || true")
    out += manager.after_install
    return "\n".join(out) + "\n"


def _command(install: Install) -> str:
    """The install as the buildpack runs it, its output as the buildpack filters it. The
    download caches of Poetry and Pipenv (the buildpack lets them write to a folder it
    discards) are on the app's own cache volume, named here only: they change no output, and
    hooks never see them. pip and uv run without a kept one, as on Heroku (theirs would change
    their output)."""
    manager = install.manager
    tool, *args = install.command
    words = [*manager.run_env, tool, *(shlex.quote(a) for a in args), *manager.run_flags]
    piped = f" | {manager.output_filter}" if manager.output_filter else ""
    return f"{{ {' '.join(words)} 2>&1{piped}; test \"${{PIPESTATUS[0]}}\" = 0; }}"
