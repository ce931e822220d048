"""The install scripts of each package manager, as the buildpack runs them (pure: text).

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

from herosim.slug.buildpack import (PIP_VERSION, PIPENV_VERSION, SETUPTOOLS_MAJORS,
                                    SETUPTOOLS_VERSION, TOOL_NAMES, TOOL_VERSIONS)

VENV = "/app/.heroku/python"
CACHE = "/var/cache/herosim"         # the app's own cache volume (Poetry's, Pipenv's downloads), the install step only
TOOLS = "/var/lib/herosim-tools"     # the tools volume (uv, Poetry), read-only in an app's steps
PIPENV_ROOT = f"{VENV}/pipenv"       # lib/pipenv.sh: in the slug, on PATH at run time too
QUIET = "@@herosim:quiet@@"
DJANGO = "@@herosim:django@@"        # printed (quietly) when django is importable: collectstatic runs
TOOL_FAILED, INSTALL_FAILED = 70, 71
TEST_REQUIREMENTS = "requirements-test.txt"
SHARED_TOOLS = ("uv", "poetry")      # the managers whose tool is on the tools volume
UV_CACHE = "/tmp/herosim-uv-cache"   # uv's, for one install step (removed before the commit)

# pip's output names the environment's site-packages on each line; the buildpack drops it.
SITE_PACKAGES_SED = r"sed --unbuffered -E 's# in (/app|\.)/\.heroku/python/lib/python[0-9.]+/site-packages##'"


@dataclass(frozen=True)
class Install:
    """One run of the buildpack's install phase (lib/python.sh, lib/<manager>.sh)."""
    manager: str
    python: str                  # the stack's interpreter command (python3.14)
    full_version: str            # its version (3.14.8)
    fresh: bool                  # a new Python environment; else the app's restored cache
    test: bool = False           # bin/test-compile's INSTALL_TEST
    test_requirements: bool = False  # the app has requirements-test.txt (read on test builds)
    tool_home: str = ""          # uv's or Poetry's folder on the tools volume

    @property
    def major(self) -> str:
        return self.python.removeprefix("python")


def install_commands(manager: str, test: bool = False, test_requirements: bool = False) -> list[str]:
    """The command the buildpack shows in `Installing dependencies using '…'`. A test build
    (INSTALL_TEST) adds pip's requirements-test.txt only when the app has one (lib/pip.sh)."""
    if manager == "pip":
        extra = ["-r", TEST_REQUIREMENTS] if test and test_requirements else []
        return ["pip", "install", "-r", "requirements.txt"] + extra
    if manager == "pipenv":
        return ["pipenv", "install", "--deploy"] + (["--dev"] if test else [])
    if manager == "poetry":
        return ["poetry", "sync"] + ([] if test else ["--only", "main"])
    return ["uv", "sync", "--locked"] + ([] if test else ["--no-default-groups"])


def opening(install: Install) -> list[str]:
    """The step lines before the install of the dependencies, in the buildpack's order."""
    python = (f"Installing Python {install.full_version}" if install.fresh
              else f"Using cached install of Python {install.full_version}")
    if install.manager == "pip":
        setuptools = f" and setuptools {SETUPTOOLS_VERSION}" if install.major in SETUPTOOLS_MAJORS else ""
        return [python, f"Installing pip {PIP_VERSION}{setuptools}"]
    name = TOOL_NAMES[install.manager]
    # Poetry's cached venv breaks when the cache moves, which it does on every Heroku CI run
    # (lib/poetry.sh): a test build always installs it.
    cached = not install.fresh and not (install.test and install.manager == "poetry")
    verb = "Using cached" if cached else "Installing"
    return [python, f"{verb} {name} {TOOL_VERSIONS[install.manager]}"]


def tool_home(manager: str, stack_name: str, python: str) -> str:
    """uv's or Poetry's folder on the tools volume: one per version, stack and Python (its
    venv runs that stack's interpreter)."""
    return f"{TOOLS}/{manager}-{TOOL_VERSIONS[manager]}-{stack_name}-{python}"


def tool_bin(home: str) -> str:
    """A folder holding the tool's command alone (the buildpack's: its venv's python stays off PATH)."""
    return f"{home}/heroku-bin"


def _bootstrap_pip(python: str, target_python: str, packages: list[str]) -> str:
    """pip from the interpreter's bundled wheel installs the buildpack's pinned tools."""
    return f"""\
wheels=($(shopt -s nullglob; echo /usr/local/lib/{python}/ensurepip/_bundled/pip-*.whl /usr/share/python-wheels/pip-*.whl))
bundled="${{wheels[-1]}}"
"{target_python}" "$bundled/pip" install --disable-pip-version-check --isolated --no-cache-dir --no-input --quiet \\
	${{PIP_CERT:+--cert "$PIP_CERT"}} {" ".join(packages)} 2>&1 | sed --unbuffered 's/^/       /' || exit {TOOL_FAILED}
"""


def tool_script(manager: str, python: str, home: str) -> str:
    """herosim's tool step (no app file, no config var): uv or Poetry in a venv of its own,
    made aside and moved into place (two builds may race; the first one in wins); its command
    runs from the moved venv: uv's own binary (`python -m uv` would set VIRTUAL_ENV, which uv then
    warns about), Poetry with `python -m` (the venv's scripts name the folder it was made in)."""
    command, version = manager, TOOL_VERSIONS[manager]
    entry = "bin/uv" if manager == "uv" else f"bin/python -m {command}"
    return f"""\
set -o pipefail
[ -x {home}/heroku-bin/{command} ] && exit 0
new="$(mktemp -d {TOOLS}/.new-XXXXXXXX)"
trap 'rm -rf "$new"' EXIT
{python} -m venv --without-pip "$new"
{_bootstrap_pip(python, '$new/bin/python', [f"{command}=={version}"])}\
mkdir "$new/heroku-bin" && printf '#!/bin/sh\\nexec {home}/{entry} "$@"\\n' > "$new/heroku-bin/{command}"
chmod +x "$new/heroku-bin/{command}" && chmod -R a+rX "$new"
mv -T "$new" {home} 2>/dev/null || [ -x {home}/heroku-bin/{command} ]
"""


def _venv(python: str) -> str:
    return f"[ -x {VENV}/bin/python ] || {python} -m venv --without-pip {VENV}\n"


def _manager_env(manager: str, python: str) -> str:
    """lib/pip.sh's pip (and setuptools) at the buildpack's versions, or lib/pipenv.sh's Pipenv
    in .heroku/python/pipenv (kept with the cache, in the slug), each where it is missing. The
    buildpack reinstalls pip on a restored cache: a no-op unless the app changed its version."""
    if manager == "pip":
        pins = {"pip": PIP_VERSION, **({"setuptools": SETUPTOOLS_VERSION}
                                       if python.removeprefix("python") in SETUPTOOLS_MAJORS else {})}
        check = f"import importlib.metadata as m, sys; sys.exit(any(m.version(n) != v for n, v in {pins!r}.items()))"
        packages = [f"{name}=={version}" for name, version in pins.items()]
        return (f"{VENV}/bin/python -c {shlex.quote(check)} 2>/dev/null || {{\n"
                f"{_bootstrap_pip(python, f'{VENV}/bin/python', packages)}}}\n")
    if manager == "pipenv":
        venv, bin_dir = f"{PIPENV_ROOT}/venv", f"{PIPENV_ROOT}/bin"
        return (f"[ -f {bin_dir}/pipenv ] || {{\n\tmkdir -p {PIPENV_ROOT} && {VENV}/bin/python -m venv --without-pip {venv}\n"
                f"{_bootstrap_pip(python, f'{venv}/bin/python', [f'pipenv=={PIPENV_VERSION}'])}"
                f"\tmkdir -p {bin_dir} && ln --symbolic --no-target-directory {venv}/bin/pipenv {bin_dir}/pipenv\n}}\n")
    return ""


def base_script(manager: str, python: str) -> str:
    """herosim's base step (no app file, no config var, from the pristine build image): the
    fresh Python environment every app's first install of this manager starts from."""
    return ("set -eo pipefail\ntrap 'rm -rf /tmp/herosim-ca' EXIT\n"   # the CA bundle stays out of the image
            + _venv(python) + _manager_env(manager, python))


def exports(manager: str, home: str = "") -> list[str]:
    """What the buildpack exports once the package manager is installed (lib/<manager>.sh):
    the install, bin/post_compile and collectstatic run with it."""
    if manager == "pip":
        return ['export PIP_DISABLE_PIP_VERSION_CHECK="1"']
    if manager == "pipenv":
        return [f'export PATH="{PIPENV_ROOT}/bin:${{PATH}}"', 'export PIPENV_SYSTEM="1"',
                'export PIPENV_VERBOSITY="-1"', f'export VIRTUAL_ENV="{VENV}"']
    if manager == "poetry":
        return [f'export PATH="{tool_bin(home)}:${{PATH}}"',
                'export POETRY_VIRTUALENVS_CREATE="false"', 'export POETRY_VIRTUALENVS_USE_POETRY_PYTHON="true"']
    return [f'export PATH="{tool_bin(home)}:${{PATH}}"', f'export UV_PROJECT_ENVIRONMENT="{VENV}"',
            'export UV_NO_MANAGED_PYTHON="1"', 'export UV_PYTHON_DOWNLOADS="never"', 'export UV_LINK_MODE="hardlink"']


def script(install: Install) -> str:
    """Install into /app/.heroku/python, which comes from herosim's base image on a fresh
    install (tools.base) and from the app's previous layer on a restored cache; what either
    lacks is made here."""
    manager = install.manager
    python_line, tool_line = opening(install)
    out = [f'echo "-----> {python_line}"', _venv(install.python), f"export PATH={VENV}/bin:$PATH",
           f'echo "-----> {tool_line}"', _manager_env(manager, install.python)]
    if manager in SHARED_TOOLS:   # installed by herosim's tool step beforehand, on the read-only tools volume
        out.append(f"[ -x {tool_bin(install.tool_home)}/{manager} ] || exit {TOOL_FAILED}")
    out += exports(manager, install.tool_home)
    if manager in ("pip", "pipenv"):   # the one config var these two read (lib/pip.sh, lib/pipenv.sh)
        out.append('[ -r "$ENV_DIR/PIP_EXTRA_INDEX_URL" ] && export PIP_EXTRA_INDEX_URL="$(cat "$ENV_DIR/PIP_EXTRA_INDEX_URL")"')
    shown = " ".join(install_commands(manager, install.test, install.test_requirements))
    out.append(f"echo \"-----> Installing dependencies using '{shown}'\"")
    command = _command(install)
    out.append(f"{command} || exit {INSTALL_FAILED}")
    out.append(f'echo "{QUIET}"')   # what a rebuild with this cache prints
    out.append(f"{command} || true")
    out.append(f"{VENV}/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec(\"django\") is None)' "
               f"2>/dev/null && echo {DJANGO} || true")
    if manager == "uv":
        out.append(f"rm -rf {UV_CACHE}")
    return "\n".join(out) + "\n"


def _command(install: Install) -> str:
    """The install as the buildpack runs it, its output as the buildpack filters it. The
    download caches of Poetry and Pipenv (the buildpack lets them write to a folder it
    discards) are on the app's own cache volume, named here only: they change no output, and
    hooks never see them. pip and uv run without a kept one, as on Heroku (theirs would change
    their output)."""
    manager = install.manager
    args = " ".join(shlex.quote(a) for a in install_commands(manager, install.test, install.test_requirements)[1:])
    if manager == "pip":
        return (f"{{ pip {args} --exists-action=w --no-cache-dir --no-input --progress-bar off --src={VENV}/src 2>&1 "
                f"| {SITE_PACKAGES_SED}; test \"${{PIPESTATUS[0]}}\" = 0; }}")
    if manager == "pipenv":
        return (f"{{ PIPENV_CACHE_DIR={CACHE}/pipenv PIP_CACHE_DIR={CACHE}/pip PIPENV_NOSPIN=1 PIP_SRC={VENV}/src "
                f"pipenv {args} 2>&1; test \"${{PIPESTATUS[0]}}\" = 0; }}")
    if manager == "poetry":
        # Poetry's own venv is made from the stack's Python here (on Heroku, from the app's): it is
        # pointed at the app's environment
        return (f"{{ POETRY_CACHE_DIR={CACHE}/poetry VIRTUAL_ENV={VENV} poetry {args} --compile --no-ansi --no-interaction 2>&1 "
                "| sed --unbuffered '/Skipping virtualenv creation/d'; test \"${PIPESTATUS[0]}\" = 0; }")
    # uv's cache is the step's own, as the buildpack's is discarded with the build: a kept one
    # would hide uv's `Prepared N packages` line
    return (f"{{ UV_CACHE_DIR={UV_CACHE} uv {args} --color never --compile-bytecode --no-progress "
            "2>&1; test \"${PIPESTATUS[0]}\" = 0; }")
