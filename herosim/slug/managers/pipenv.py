"""Pipenv, as lib/pipenv.sh runs it: Pipenv in the app's environment (.heroku/python/pipenv,
in the slug and on PATH at run time too), `pipenv install --deploy` (with --dev on a test
build), PIP_EXTRA_INDEX_URL read from the config vars, Pipfile.lock's checksum compared with
the cached one's; its lockfile may name the Python version."""

from __future__ import annotations

from herosim.slug.buildpack import PIPENV_VERSION
from herosim.slug.managers.base import (
    CACHE,
    VENV,
    Listing,
    PackageManager,
    bootstrap_pip,
    fixed,
)

ROOT = f"{VENV}/pipenv"      # lib/pipenv.sh: in the slug, on PATH at run time too
EXPORTS = (f'export PATH="{ROOT}/bin:${{PATH}}"', 'export PIPENV_SYSTEM="1"', 'export PIPENV_VERBOSITY="-1"',
           f'export VIRTUAL_ENV="{VENV}"')


def prepare(python: str) -> str:
    """Pipenv in its own venv beside the app's, where it is missing (kept with the cache)."""
    venv, bin_dir = f"{ROOT}/venv", f"{ROOT}/bin"
    return (f"[ -f {bin_dir}/pipenv ] || {{\n\tmkdir -p {ROOT} && {VENV}/bin/python -m venv --without-pip {venv}\n"
            f"{bootstrap_pip(python, f'{venv}/bin/python', [f'pipenv=={PIPENV_VERSION}'])}"
            f"\tmkdir -p {bin_dir} && ln --symbolic --no-target-directory {venv}/bin/pipenv {bin_dir}/pipenv\n}}\n")


PIPENV = PackageManager(
    name="pipenv", title="Pipenv", version=PIPENV_VERSION, selected_by="Pipfile.lock", listing=Listing.PIPFILE_LOCK,
    install=("pipenv", "install", "--deploy"), test_only=("--dev",),
    dependency_files=fixed("Pipfile", "Pipfile.lock"), how_to_add="pipenv install {dist}",
    # its download caches are on the app's own cache volume: they change no output
    run_env=(f"PIPENV_CACHE_DIR={CACHE}/pipenv", f"PIP_CACHE_DIR={CACHE}/pip", "PIPENV_NOSPIN=1",
             f"PIP_SRC={VENV}/src"),
    exports=EXPORTS, profile=EXPORTS, config_vars=("PIP_EXTRA_INDEX_URL",), manifest="Pipfile.lock",
    prepare=prepare, python_in_lockfile=True)
