"""pip, as lib/pip.sh runs it: pip (and setuptools on Python 3.10 to 3.12) installed into the
app's own environment on every build, `pip install -r requirements.txt` (with
requirements-test.txt on a test build that has one), PIP_EXTRA_INDEX_URL read from the
config vars, requirements.txt compared with the cached copy."""

from __future__ import annotations

import shlex
from pathlib import Path

from herosim.slug.buildpack import PIP_VERSION, SETUPTOOLS_MAJORS, SETUPTOOLS_VERSION
from herosim.slug.managers.base import VENV, Listing, PackageManager, bootstrap_pip
from herosim.slug.source import inside

TEST_REQUIREMENTS = "requirements-test.txt"
EXPORTS = ('export PIP_DISABLE_PIP_VERSION_CHECK="1"',)
# pip's output names the environment's site-packages on each line; the buildpack drops it.
SITE_PACKAGES_SED = r"sed --unbuffered -E 's# in (/app|\.)/\.heroku/python/lib/python[0-9.]+/site-packages##'"
LOCAL_PATHS = ("-e .", "-e ./", ".", "/", "file:", "--editable .", "-e file:")


def pins(python: str) -> dict[str, str]:
    """pip's version, and setuptools' on the Pythons that get it."""
    extra = {"setuptools": SETUPTOOLS_VERSION} if python.removeprefix("python") in SETUPTOOLS_MAJORS else {}
    return {"pip": PIP_VERSION, **extra}


def prepare(python: str) -> str:
    """pip at the buildpack's version, where it is missing. The buildpack reinstalls it on a
    restored cache too: a no-op unless the app changed its version."""
    wanted = pins(python)
    check = f"import importlib.metadata as m, sys; sys.exit(any(m.version(n) != v for n, v in {wanted!r}.items()))"
    packages = [f"{name}=={version}" for name, version in wanted.items()]
    return (f"{VENV}/bin/python -c {shlex.quote(check)} 2>/dev/null || {{\n"
            f"{bootstrap_pip(python, f'{VENV}/bin/python', packages)}}}\n")


def dependency_files(root: Path, files: tuple[str, ...]) -> list[str]:
    """The requirements and constraints files; the whole tree when a requirement is a local path."""
    text = (root / "requirements.txt").read_text(errors="replace") if inside(root, "requirements.txt") else ""
    if any(raw.strip().startswith(LOCAL_PATHS) for raw in text.splitlines()):
        return list(files)
    return sorted(f for f in files if f.endswith(".txt") and
                  (f.startswith(("requirements", "constraints")) or "/requirements" in f))


PIP = PackageManager(
    name="pip", title="pip", version=PIP_VERSION, selected_by="requirements.txt", listing=Listing.REQUIREMENTS,
    install=("pip", "install", "-r", "requirements.txt"), test_only=("-r", TEST_REQUIREMENTS),
    test_file=TEST_REQUIREMENTS, dependency_files=dependency_files, how_to_add="add {dist} to requirements.txt",
    run_flags=("--exists-action=w", "--no-cache-dir", "--no-input", "--progress-bar off", f"--src={VENV}/src"),
    output_filter=SITE_PACKAGES_SED, exports=EXPORTS, profile=EXPORTS, config_vars=("PIP_EXTRA_INDEX_URL",),
    manifest="requirements.txt", prepare=prepare, reinstalled=True, with_setuptools=True)
