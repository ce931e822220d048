"""The install scripts of each package manager, as the buildpack runs them (pure: text).

Each script runs in a build container (step.PROLOGUE first) and prints the buildpack's
step lines itself. After the install it runs the same install once more, quietly after
QUIET: what that prints is what a rebuild with an unchanged cache prints on Heroku, kept
with the layer and shown when it is reused. Exit 70: the tool did not install; 71: the
dependencies did not."""

from __future__ import annotations

import shlex

from herosim.slug.buildpack import (PIP_VERSION, PIPENV_VERSION, POETRY_VERSION, SETUPTOOLS_MAJORS,
                                    SETUPTOOLS_VERSION, UV_VERSION)

VENV = "/app/.heroku/python"
CACHE = "/var/cache/herosim"         # herosim's package-cache volume (step.CACHE_MOUNT)
TOOLS = f"{CACHE}/tools"              # tools are not in the slug
QUIET = "@@herosim:quiet@@"
DJANGO = "@@herosim:django@@"        # printed (quietly) when django is importable: collectstatic runs
TOOL_FAILED, INSTALL_FAILED = 70, 71

# pip's output names the environment's site-packages on each line; the buildpack drops it.
SITE_PACKAGES_SED = r"sed --unbuffered -E 's# in (/app|\.)/\.heroku/python/lib/python[0-9.]+/site-packages##'"


def install_commands(manager: str, test: bool = False) -> list[str]:
    """The command the buildpack shows in `Installing dependencies using '…'`."""
    if manager == "pip":
        return ["pip", "install", "-r", "requirements.txt"] + (["-r", "requirements-test.txt"] if test else [])
    if manager == "pipenv":
        return ["pipenv", "install", "--deploy"] + (["--dev"] if test else [])
    if manager == "poetry":
        return ["poetry", "sync"] + ([] if test else ["--only", "main"])
    return ["uv", "sync", "--locked"] + ([] if test else ["--no-default-groups"])


def _bootstrap_pip(python: str, target_python: str, packages: list[str]) -> str:
    """pip from the interpreter's bundled wheel installs the buildpack's pinned tools."""
    return f"""\
wheels=($(shopt -s nullglob; echo /usr/local/lib/{python}/ensurepip/_bundled/pip-*.whl /usr/share/python-wheels/pip-*.whl))
bundled="${{wheels[-1]}}"
"{target_python}" "$bundled/pip" install --disable-pip-version-check --isolated --no-cache-dir --no-input --quiet \\
	${{PIP_CERT:+--cert "$PIP_CERT"}} {" ".join(packages)} 2>&1 | sed --unbuffered 's/^/       /' || exit {TOOL_FAILED}
"""


def _tool_home(name: str, version: str, python: str) -> str:
    return f"{TOOLS}/{name.lower()}-{version}-{python}"


def tool_bin(name: str, version: str, python: str) -> str:
    """A folder holding the tool's command alone (the buildpack's: its venv's python stays off PATH)."""
    return f"{_tool_home(name, version, python)}/heroku-bin"


def _tool(name: str, version: str, python: str, cached: bool) -> str:
    """A tool (uv, Poetry, Pipenv) in a venv of its own on the package-cache volume, made
    aside and moved into place; its command runs `python -m` from the moved venv (the venv's
    own scripts would name the folder it was made in)."""
    home, command = _tool_home(name, version, python), name.lower()
    shown = f"Using cached {name} {version}" if cached else f"Installing {name} {version}"
    return f'echo "-----> {shown}"\n' + f"""\
if [ ! -x {home}/heroku-bin/{command} ]; then
	rm -rf {home}.new && {python} -m venv --without-pip {home}.new
{_bootstrap_pip(python, f"{home}.new/bin/python", [f"{command}=={version}"])}\
	mkdir {home}.new/heroku-bin && printf '#!/bin/sh\\nexec {home}/bin/python -m {command} "$@"\\n' > {home}.new/heroku-bin/{command}
	chmod +x {home}.new/heroku-bin/{command}
	mv -T {home}.new {home} 2>/dev/null || rm -rf {home}.new
fi
"""


def exports(manager: str, python: str) -> list[str]:
    """What the buildpack exports once the package manager is installed (lib/<manager>.sh):
    the install, bin/post_compile and collectstatic run with it."""
    if manager == "pip":
        return ['export PIP_DISABLE_PIP_VERSION_CHECK="1"']
    if manager == "pipenv":
        return ['export PIP_DISABLE_PIP_VERSION_CHECK="1"',
                f'export PATH="{tool_bin("Pipenv", PIPENV_VERSION, python)}:${{PATH}}"',
                'export PIPENV_SYSTEM="1"', 'export PIPENV_VERBOSITY="-1"', f'export VIRTUAL_ENV="{VENV}"']
    if manager == "poetry":
        return [f'export PATH="{tool_bin("Poetry", POETRY_VERSION, python)}:${{PATH}}"',
                'export POETRY_VIRTUALENVS_CREATE="false"', 'export POETRY_VIRTUALENVS_USE_POETRY_PYTHON="true"']
    return [f'export PATH="{tool_bin("uv", UV_VERSION, python)}:${{PATH}}"', f'export UV_PROJECT_ENVIRONMENT="{VENV}"',
            'export UV_NO_MANAGED_PYTHON="1"', 'export UV_PYTHON_DOWNLOADS="never"', 'export UV_LINK_MODE="hardlink"']


def script(manager: str, python: str, full_version: str, *, fresh: bool, tool_cached: bool,
           test: bool = False) -> str:
    """Install into /app/.heroku/python: `fresh` makes the Python environment (else it comes
    from the app's previous layer, as the buildpack's restored cache)."""
    major = python.removeprefix("python")
    out = []
    if fresh:
        out.append(f'echo "-----> Installing Python {full_version}"')
        out.append(f"{python} -m venv --without-pip {VENV}")
    else:
        out.append(f'echo "-----> Using cached install of Python {full_version}"')
    out.append(f"export PATH={VENV}/bin:$PATH")
    if manager in ("pip", "pipenv"):
        packages = [f"pip=={PIP_VERSION}"] + ([f"setuptools=={SETUPTOOLS_VERSION}"] if major in SETUPTOOLS_MAJORS else [])
        if manager == "pip":
            shown = f"pip {PIP_VERSION}" + (f" and setuptools {SETUPTOOLS_VERSION}" if len(packages) > 1 else "")
            out.append(f'echo "-----> Installing {shown}"')
        out.append(_bootstrap_pip(python, f"{VENV}/bin/python", packages))
    if manager == "pipenv":
        out.append(_tool("Pipenv", PIPENV_VERSION, python, tool_cached))
    elif manager == "poetry":
        out.append(_tool("Poetry", POETRY_VERSION, python, tool_cached))
    elif manager == "uv":
        out.append(_tool("uv", UV_VERSION, python, tool_cached))
    out += exports(manager, python)
    out.append('[ -r "$ENV_DIR/PIP_EXTRA_INDEX_URL" ] && export PIP_EXTRA_INDEX_URL="$(cat "$ENV_DIR/PIP_EXTRA_INDEX_URL")"')
    shown = " ".join(install_commands(manager, test))
    out.append(f"echo \"-----> Installing dependencies using '{shown}'\"")
    command = _command(manager, test)
    out.append(f"{command} || exit {INSTALL_FAILED}")
    out.append(f'echo "{QUIET}"')   # what a rebuild with this cache prints
    out.append(f"{command} || true")
    out.append(f"{VENV}/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec(\"django\") is None)' "
               f"2>/dev/null && echo {DJANGO} || true")
    return "\n".join(out) + "\n"


def _command(manager: str, test: bool) -> str:
    """The install as the buildpack runs it, its output as the buildpack filters it. The
    download caches of uv, Poetry and Pipenv (the buildpack lets them write to a folder it
    discards) are on herosim's cache volume, named here only: they change no output, and
    hooks never see them. pip runs without one, as on Heroku (a cache changes its output)."""
    args = " ".join(shlex.quote(a) for a in install_commands(manager, test)[1:])
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
    # copies, not hardlinks: herosim's cache volume is another filesystem (the files are the same)
    return (f"{{ UV_CACHE_DIR={CACHE}/uv UV_LINK_MODE=copy uv {args} --color never --compile-bytecode --no-progress "
            "2>&1; test \"${PIPESTATUS[0]}\" = 0; }")
