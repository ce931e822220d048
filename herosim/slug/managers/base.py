"""The record of one package manager: what the buildpack's lib/<manager>.sh, and the places
in bin/compile, lib/cache.sh and lib/python_version.sh that ask which manager it is, know
about it. Also where the managers' scripts put things in a build container, and the pip
bootstrap that pip, Pipenv and herosim's tool step share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

VENV = "/app/.heroku/python"
CACHE = "/var/cache/herosim"         # the app's own cache volume (Poetry's, Pipenv's downloads), the install step only
TOOLS = "/var/lib/herosim-tools"     # the tools volume (uv, Poetry), read-only in an app's steps
TOOL_FAILED = 70                     # an install step's exit status when the tool did not install


class Listing(Enum):
    """How the file that selects the manager lists the distributions the app depends on."""
    REQUIREMENTS = "requirements"    # requirements.txt: names, maybe pinned, `-r` includes
    PIPFILE_LOCK = "Pipfile.lock"    # JSON, every package under "default"
    TOML_LOCK = "toml"               # poetry.lock, uv.lock: `name = …` then `version = …`


def nothing(python: str) -> str:
    """No shell: the manager puts nothing in the app's Python environment itself."""
    return ""


@dataclass(frozen=True)
class PackageManager:
    name: str                    # the build data's `package_manager`: pip, pipenv, poetry, uv
    title: str                   # the tool's name in the buildpack's lines (pip, Pipenv, Poetry, uv)
    version: str                 # the tool's version the buildpack pins
    selected_by: str             # the package-manager file that selects it (lib/package_manager.sh)
    listing: Listing
    install: tuple[str, ...]     # the install command, as `Installing dependencies using '…'` shows it
    dependency_files: Callable[[Path, tuple[str, ...]], list[str]]   # the files the install reads
    how_to_add: str              # the fix for a missing distribution ({dist}), doctor's words
    build_only: tuple[str, ...] = ()   # appended outside Heroku CI (no INSTALL_TEST)
    test_only: tuple[str, ...] = ()    # appended on a test build (INSTALL_TEST)
    test_file: str = ""          # test_only is appended only when the app has this file
    run_env: tuple[str, ...] = ()      # variables the install command runs with (herosim's caches)
    run_flags: tuple[str, ...] = ()    # the flags the buildpack runs it with and does not show
    output_filter: str = ""      # the command its output goes through
    after_install: tuple[str, ...] = ()   # shell run after the install (a cache of the step removed)
    exports: tuple[str, ...] = ()         # exported once the tool is installed (its PATH aside)
    profile: tuple[str, ...] = ()         # written to .profile.d/python.sh, for the dynos
    config_vars: tuple[str, ...] = ()     # config vars the install reads from ENV_DIR
    manifest: str = ""           # the file lib/cache.sh compares with the cached one's
    prepare: Callable[[str], str] = nothing   # shell that puts the tool in the app's environment
    on_tools_volume: bool = False   # the tool lives on herosim's tools volume (the buildpack's cache)
    tool_entry: str = ""         # its command in its venv there
    reinstalled: bool = False    # installed on every build, restored cache or not (pip)
    reinstalled_on_ci: bool = False   # a cached tool never works on Heroku CI (its cache moves)
    with_setuptools: bool = False     # setuptools beside it on the Pythons that get it
    python_in_lockfile: bool = False  # its lockfile may name the Python version
    requires_version_file: bool = False   # the Python version must be in .python-version
    recommended: bool = False    # bin/compile's closing note recommends it to the others

    @property
    def shown(self) -> str:
        """How the buildpack lists its file among several found."""
        return f"{self.selected_by} ({self.title})"

    def install_command(self, test: bool = False, has_test_file: bool = False) -> list[str]:
        """The command of `Installing dependencies using '…'` on a build, or on a test build
        (INSTALL_TEST), where `has_test_file` says whether the app has the test file."""
        if not test:
            return [*self.install, *self.build_only]
        return [*self.install, *(self.test_only if has_test_file or not self.test_file else ())]

    def tool_cached(self, fresh: bool, test: bool) -> bool:
        """Whether the buildpack says `Using cached <tool>`: it was in the restored cache."""
        return not fresh and not self.reinstalled and not (test and self.reinstalled_on_ci)


def fixed(*names: str) -> Callable[[Path, tuple[str, ...]], list[str]]:
    """The files the install reads: these, where the app has them."""
    def found(root: Path, files: tuple[str, ...]) -> list[str]:
        return [name for name in names if name in files]
    return found


def bootstrap_pip(python: str, target_python: str, packages: list[str]) -> str:
    """pip from the interpreter's bundled wheel installs the buildpack's pinned tools."""
    return f"""\
wheels=($(shopt -s nullglob; echo /usr/local/lib/{python}/ensurepip/_bundled/pip-*.whl \\
	/usr/share/python-wheels/pip-*.whl))
bundled="${{wheels[-1]}}"
"{target_python}" "$bundled/pip" install --disable-pip-version-check --isolated --no-cache-dir --no-input --quiet \\
	${{PIP_CERT:+--cert "$PIP_CERT"}} {" ".join(packages)} 2>&1 | sed --unbuffered 's/^/       /' || exit {TOOL_FAILED}
"""
