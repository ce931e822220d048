"""What the Python buildpack decides from the app's files before it installs anything:
whether it is a Python app (bin/detect), the checks on the source, the package manager,
and the distributions the app depends on (pure: file names and contents in)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from herosim.errors import BuildpackError
from herosim.slug import managers, messages
from herosim.slug.managers import Listing, PackageManager

# bin/detect: any of these (file or folder) in the root makes it a Python app.
KNOWN_FILES = (".python-version", "__init__.py", "app.py", "main.py", "manage.py", "pdm.lock", "Pipfile",
               "Pipfile.lock", "poetry.lock", "pyproject.toml", "requirements.txt", "runtime.txt", "server.py",
               "setup.cfg", "setup.py", "uv.lock", "requeriments.txt", "requirement.txt", "requirements",
               "requirements.text", "Requirements.txt", "requirements.txt.txt", "requirments.txt")
KNOWN_FOLDERS = ("__pycache__", ".venv", "venv")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def root_entries(files: Iterable[str]) -> set[str]:
    """The names in the app's root: files, and folders with a trailing slash."""
    return {name.split("/", 1)[0] + ("/" if "/" in name else "") for name in files}


def listing(files: Iterable[str]) -> list[str]:
    """The root as `ls -1A --indicator-style=slash` lists it."""
    return sorted(root_entries(files), key=lambda n: (n.lstrip(".").lower(), n))


def detected(files: set[str]) -> bool:
    entries = root_entries(files)
    return any(name in entries for name in KNOWN_FILES) or any(f"{d}/" in entries for d in KNOWN_FOLDERS)


def check_detected(files: set[str]) -> None:
    if not detected(files):
        raise BuildpackError(messages.not_detected(listing(files)), "detect")


def _tree(files: Iterable[str], folder: str, depth: int = 2) -> list[str]:
    """`find <folder>/ -maxdepth 2 | sort` over the tracked files."""
    found = {folder + "/"}
    for name in files:
        if name.startswith(folder + "/"):
            parts = name[len(folder) + 1:].split("/")
            for level in range(1, min(len(parts), depth) + 1):
                found.add(folder + "/" + "/".join(parts[:level]))
    return sorted(found)


def check_python_dir(files: set[str]) -> None:
    if any(name.startswith(".heroku/python/") or name == ".heroku/python" for name in files):
        raise BuildpackError(messages.existing_python_dir(_tree(files, ".heroku/python")),
                             "checks::existing-python-dir")


def check_venv(files: set[str]) -> None:
    for name in (".venv", "venv"):
        if f"{name}/pyvenv.cfg" in files:
            raise BuildpackError(messages.existing_venv_dir(name, _tree(files, name)), "checks::existing-venv-dir")


def package_manager(files: set[str]) -> PackageManager:
    """pip, Pipenv, Poetry or uv: exactly one package-manager file, as the buildpack requires."""
    if managers.PIPENV.selected_by not in files and "Pipfile" in files:
        raise BuildpackError(messages.pipfile_without_lock(), "package-manager::pipenv-missing-lockfile")
    found = [manager for manager in managers.ALL if manager.selected_by in files]
    if len(found) == 1:
        return found[0]
    if not found:
        if "setup.py" in files:
            raise BuildpackError(messages.setup_py_only(), "package-manager::setup-py-only")
        raise BuildpackError(messages.no_package_manager(listing(files)), "package-manager::none-found")
    raise BuildpackError(messages.multiple_package_managers([manager.shown for manager in found]),
                         "package-manager::multiple-found")


def dependencies(manager: PackageManager, read: Callable[[str], str | None]) -> frozenset[str]:
    """The distributions the app depends on (best effort: for add-ons and diagnoses)."""
    text = read(manager.selected_by) or ""
    if manager.listing is Listing.REQUIREMENTS:
        return frozenset(requirement_names(text, read))
    return frozenset(lock_names(manager.listing, text))


def requirement_names(text: str, read: Callable[[str], str | None] | None = None,
                      _depth: int = 0) -> set[str]:
    """Distribution names in a requirements file, following `-r other.txt`."""
    names: set[str] = set()
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")) and read and _depth < 5:
            included = read(line.split(None, 1)[1].strip())
            if included:
                names |= requirement_names(included, read, _depth + 1)
            continue
        if line.startswith("-"):
            continue
        if "#egg=" in line:
            names.add(normalise(line.split("#egg=", 1)[1].split("&")[0]))
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?", line)
        if match and "://" not in line.split(";")[0].split("@")[0]:
            names.add(normalise(match.group(1)))
            for extra in (match.group(3) or "").split(","):   # celery[redis] asks for Redis too
                if extra.strip():
                    names.add(f"{normalise(match.group(1))}[{normalise(extra.strip())}]")
    return names


def pins(manager: PackageManager, read: Callable[[str], str | None]) -> dict[str, str]:
    """{distribution: version} of what the package-manager file pins exactly (`name==1.2.3`
    in requirements, every package of a lockfile)."""
    text = read(manager.selected_by) or ""
    if manager.listing is Listing.REQUIREMENTS:
        return _requirement_pins(text, read)
    if manager.listing is Listing.PIPFILE_LOCK:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return {}
        return {normalise(n): v.get("version", "").lstrip("=") for n, v in data.get("default", {}).items()
                if isinstance(v, dict) and v.get("version", "").startswith("==")}
    found = re.findall(r'^name\s*=\s*"([^"]+)"\s*\nversion\s*=\s*"([^"]+)"', text, flags=re.M)
    return {normalise(n): v for n, v in found}


def _requirement_pins(text: str, read, _depth: int = 0) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ")) and read and _depth < 5:
            out.update(_requirement_pins(read(line.split(None, 1)[1].strip()) or "", read, _depth + 1))
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([A-Za-z0-9.+!_-]+)\s*(;.*)?$", line)
        if match:
            out[normalise(match.group(1))] = match.group(3)
    return out


def complete(manager: PackageManager, read: Callable[[str], str | None]) -> bool:
    """Whether the file lists every distribution installed: a lockfile, or requirements
    pinned throughout (as `pip freeze` writes them)."""
    if manager.listing is not Listing.REQUIREMENTS:
        return True
    text = read(manager.selected_by) or ""
    names = requirement_names(text, read)
    return bool(names) and names <= set(_requirement_pins(text, read))


def lock_names(listing: Listing, text: str) -> set[str]:
    """Package names in a lockfile (Pipfile.lock JSON, poetry.lock/uv.lock TOML)."""
    if listing is Listing.PIPFILE_LOCK:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return set()
        return {normalise(n) for n in data.get("default", {})}
    return {normalise(n) for n in re.findall(r'^name\s*=\s*"([^"]+)"', text, flags=re.M)}
