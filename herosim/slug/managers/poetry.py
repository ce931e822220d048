"""Poetry, as lib/poetry.sh runs it: Poetry in a venv of its own (the buildpack keeps it in the
build cache, herosim on its tools volume), `poetry sync --only main` (every group on a test
build, where the cached Poetry never works: the cache moves on every Heroku CI run)."""

from __future__ import annotations

from herosim.slug.buildpack import POETRY_VERSION
from herosim.slug.managers.base import CACHE, VENV, Listing, PackageManager, fixed

POETRY = PackageManager(
    name="poetry", title="Poetry", version=POETRY_VERSION, selected_by="poetry.lock", listing=Listing.TOML_LOCK,
    install=("poetry", "sync"), build_only=("--only", "main"),
    dependency_files=fixed("pyproject.toml", "poetry.lock"), how_to_add="poetry add {dist}",
    # its download cache on the app's cache volume; its own venv is made from the stack's Python
    # here (on Heroku, from the app's): it is pointed at the app's environment
    run_env=(f"POETRY_CACHE_DIR={CACHE}/poetry", f"VIRTUAL_ENV={VENV}"),
    run_flags=("--compile", "--no-ansi", "--no-interaction"),
    output_filter="sed --unbuffered '/Skipping virtualenv creation/d'",
    exports=('export POETRY_VIRTUALENVS_CREATE="false"', 'export POETRY_VIRTUALENVS_USE_POETRY_PYTHON="true"'),
    on_tools_volume=True, tool_entry="bin/python -m poetry", reinstalled_on_ci=True)
