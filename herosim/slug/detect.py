"""What the Python buildpack decides before building: package manager, Python version,
dependencies (pure: takes file contents, reads nothing)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from herosim.errors import BuildError

VERSION_RE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$")
PACKAGE_MANAGER_FILES = {
    "requirements.txt": "pip",
    "Pipfile.lock": "pipenv",
    "poetry.lock": "poetry",
    "uv.lock": "uv",
}
# Names the buildpack treats as a misspelt Python version file (a hard error).
MISSPELT_VERSION_FILES = ("runtime", "runtime.text", ".python_version", "python-version",
                          ".python-versions", ".pythonversion")
MISSPELT_REQUIREMENTS = ("requirement.txt", "Requirements.txt", "requirements.text",
                         "requirements", "requirments.txt", "requirements.tx")
DEFAULT_VERSION_SOURCE = "default"


@dataclass(frozen=True)
class PythonRequest:
    version: str | None   # "3.12" / "3.12.4"; None: the default of the stack
    origin: str           # "runtime.txt", ".python-version", "Pipfile.lock", "default"

    @property
    def major_minor(self) -> str | None:
        return ".".join(self.version.split(".")[:2]) if self.version else None


@dataclass(frozen=True)
class BuildPlan:
    package_manager: str      # pip, pipenv, poetry, uv
    dependency_file: str      # requirements.txt, Pipfile.lock, ...
    python: PythonRequest
    dependencies: frozenset[str]   # normalised distribution names, best effort


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def package_manager(files: set[str]) -> tuple[str, str]:
    found = [(f, pm) for f, pm in PACKAGE_MANAGER_FILES.items() if f in files]
    if len(found) == 1:
        return found[0][1], found[0][0]
    if "Pipfile" in files and not found:
        raise BuildError(
            "A 'Pipfile' was found, but no 'Pipfile.lock'",
            hint="run `pipenv lock` and commit Pipfile.lock (the buildpack installs from the lockfile)",
        )
    if len(found) > 1:
        raise BuildError(
            "Multiple Python package manager files were found: " + ", ".join(f for f, _ in found),
            hint="keep exactly one of requirements.txt, Pipfile.lock, poetry.lock, uv.lock "
                 "(delete the others, or ignore them in .slugignore)",
        )
    misspelt = [name for name in MISSPELT_REQUIREMENTS if name in files]
    if misspelt:
        raise BuildError(f"Couldn't find any supported Python package manager files; found {misspelt[0]!r}",
                         hint="rename it to 'requirements.txt' (the name is case-sensitive)")
    if "setup.py" in files or "pyproject.toml" in files:
        raise BuildError(
            "Couldn't find any supported Python package manager files (setup.py/pyproject.toml alone is not enough)",
            hint="add a requirements.txt containing `-e .`, or lock with uv/Poetry",
        )
    raise BuildError(
        "Couldn't find any supported Python package manager files",
        hint="add a requirements.txt to the app's root (an empty one is fine if the app has no dependencies)",
    )


def python_request(read: Callable[[str], str | None], files: set[str], manager: str) -> PythonRequest:
    """The buildpack's precedence: runtime.txt, .python-version, Pipfile.lock, default."""
    for name in MISSPELT_VERSION_FILES:
        if name in files:
            raise BuildError(f"Found a Python version file with an unexpected name: {name!r}",
                             hint="rename it to '.python-version'")
    if "runtime.txt" in files:
        return PythonRequest(parse_runtime_txt(read("runtime.txt") or ""), "runtime.txt")
    if ".python-version" in files:
        return PythonRequest(parse_python_version_file(read(".python-version") or ""), ".python-version")
    if manager == "pipenv":
        version = pipfile_lock_version(read("Pipfile.lock") or "{}")
        if version:
            return PythonRequest(version, "Pipfile.lock")
    if manager == "uv":
        raise BuildError("A '.python-version' file is required when using uv",
                         hint="run `uv python pin 3.13` and commit .python-version")
    return PythonRequest(None, DEFAULT_VERSION_SOURCE)


def parse_runtime_txt(text: str) -> str:
    match = re.match(r"^\s*python-(\S+)\s*$", text)
    if not match or not VERSION_RE.match(match.group(1)):
        raise BuildError(
            f"Invalid Python version in runtime.txt: {text.strip()!r}",
            hint="write 'python-3.13' (or an exact 'python-3.13.5'); better, move to a .python-version file",
        )
    return match.group(1)


def parse_python_version_file(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.strip().startswith("#")]
    if not lines:
        raise BuildError("Invalid Python version in .python-version: no version found",
                         hint="write a version such as '3.13' on its own line (lines starting with # are comments)")
    if len(lines) > 1:
        raise BuildError("Invalid Python version in .python-version: multiple versions: " + ", ".join(lines),
                         hint="keep one version; prefix comment lines with '#'")
    if not VERSION_RE.match(lines[0]):
        raise BuildError(f"Invalid Python version in .python-version: {lines[0]!r}",
                         hint="write '<major>.<minor>' (e.g. 3.13) or '<major>.<minor>.<patch>', "
                              "without quotes or a 'python-' prefix")
    return lines[0]


def pipfile_lock_version(text: str) -> str | None:
    try:
        requires = json.loads(text).get("_meta", {}).get("requires", {})
    except (json.JSONDecodeError, AttributeError) as exc:
        raise BuildError(f"Can't parse Pipfile.lock: {exc}", hint="run `pipenv lock` to regenerate it") from exc
    version = requires.get("python_full_version") or requires.get("python_version")
    if version and not VERSION_RE.match(version):
        raise BuildError(f"Invalid Python version in Pipfile.lock: {version!r}",
                         hint="fix python_version in Pipfile and run `pipenv lock`")
    return version


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
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match and "://" not in line.split(";")[0].split("@")[0]:
            names.add(normalise(match.group(1)))
    return names


def lock_names(manager: str, text: str) -> set[str]:
    """Package names in a lockfile (Pipfile.lock JSON, poetry.lock/uv.lock TOML)."""
    if manager == "pipenv":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return set()
        return {normalise(n) for n in data.get("default", {})}
    return {normalise(n) for n in re.findall(r'^name\s*=\s*"([^"]+)"', text, flags=re.M)}


def plan(read: Callable[[str], str | None], files: set[str]) -> BuildPlan:
    manager, dependency_file = package_manager(files)
    text = read(dependency_file) or ""
    names = requirement_names(text, read) if manager == "pip" else lock_names(manager, text)
    return BuildPlan(package_manager=manager, dependency_file=dependency_file,
                     python=python_request(read, files, manager), dependencies=frozenset(names))
