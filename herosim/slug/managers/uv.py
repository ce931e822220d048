"""uv, as lib/uv.sh runs it: uv's own binary (the buildpack keeps it in the build cache, herosim
on its tools volume), `uv sync --locked --no-default-groups` (every default group on a test
build); the Python version must come from .python-version; the manager the others are told of."""

from __future__ import annotations

from herosim.slug.buildpack import UV_VERSION
from herosim.slug.managers.base import VENV, Listing, PackageManager, fixed

# uv's cache is the step's own, as the buildpack's is discarded with the build: a kept one
# would hide uv's `Prepared N packages` line
STEP_CACHE = "/tmp/herosim-uv-cache"

UV = PackageManager(
    name="uv", title="uv", version=UV_VERSION, selected_by="uv.lock", listing=Listing.TOML_LOCK,
    install=("uv", "sync", "--locked"), build_only=("--no-default-groups",),
    dependency_files=fixed("pyproject.toml", "uv.lock", ".python-version"), how_to_add="uv add {dist}",
    run_env=(f"UV_CACHE_DIR={STEP_CACHE}",), run_flags=("--color never", "--compile-bytecode", "--no-progress"),
    after_install=(f"rm -rf {STEP_CACHE}",),
    exports=(f'export UV_PROJECT_ENVIRONMENT="{VENV}"', 'export UV_NO_MANAGED_PYTHON="1"',
             'export UV_PYTHON_DOWNLOADS="never"', 'export UV_LINK_MODE="hardlink"'),
    on_tools_volume=True, tool_entry="bin/uv", requires_version_file=True, recommended=True)
