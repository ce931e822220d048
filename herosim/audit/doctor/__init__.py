"""`herosim doctor`: what will break on Heroku, predicted from the app's files before any
build, each finding with its severity, its place in the code, what happens and the fix.

Pure over the app's files (parsed, never imported or run): `check()` takes the paths git
would deploy, a reader, the config vars set, and optionally the package index (`fetch`, a
wheels.Index: the pins check says nothing without it; with it, the source archives of pins
with no wheel are downloaded and read, never run)."""

from __future__ import annotations

from collections.abc import Callable

from herosim.audit.doctor import addons, config, imports, pins, platform, pooling, storage
from herosim.audit.doctor.finding import ERROR, WARNING, Finding
from herosim.audit.doctor.source import parse
from herosim.errors import HerosimError
from herosim.slug import detect, wheels
from herosim.slug.managers import Listing, PackageManager

__all__ = ["ERROR", "WARNING", "Finding", "check"]


def check(files: set[str], read: Callable[[str], str | None], config_vars: dict[str, str],
          untracked: tuple[str, ...] = (), ignored: tuple[str, ...] = (), *,
          read_bytes: Callable[[str], bytes | None] | None = None, last_python: str | None = None,
          fetch: wheels.Index | None = None, formation: dict[str, int] | None = None) -> list[Finding]:
    findings: list[Finding] = platform.procfile(files, read) + platform.formation(formation)
    manager: PackageManager | None
    try:
        manager = detect.package_manager(files)
    except HerosimError as exc:
        manager = None
        findings.append(Finding(ERROR, "No usable package-manager file", "", exc.message.removeprefix("Error: "),
                                exc.hint or "add a requirements.txt"))
    dependencies = detect.dependencies(manager, read) if manager else frozenset()
    sources = [parse(path, read(path) or "") for path in sorted(files) if path.endswith(".py")]
    logs = storage.file_logs(sources)
    findings += addons.check(sources, dependencies, config_vars)
    findings += pooling.check(sources, dependencies, read)
    findings += storage.check(sources, logs)
    findings += platform.missing_files(untracked, ignored)
    findings += config.check(sources, config_vars, logs)
    findings += platform.dotenv(sources)
    if manager:
        findings += imports.check(sources, files, dependencies, manager, detect.complete(manager, read))
        chosen = pins.python_for(read_bytes or _as_bytes(read), manager, last_python)
        if isinstance(chosen, Finding):
            findings.append(chosen)
        else:
            findings += pins.check(detect.pins(manager, read), *chosen, fetch, _pin_line(manager, read))
    return sorted(findings, key=_order)


def _order(finding: Finding) -> tuple:
    path, _, line = finding.where.partition(":")
    return finding.severity != ERROR, finding.where == "", path, int(line) if line.isdigit() else 0, finding.title


def _pin_line(manager: PackageManager, read: Callable[[str], str | None]) -> Callable[[str], str]:
    """file:line where a package is pinned (the package-manager file; requirements only by line)."""
    name = manager.selected_by
    lines = (read(name) or "").splitlines()
    by_line = manager.listing is Listing.REQUIREMENTS

    def where(package: str) -> str:
        for number, line in enumerate(lines, 1):
            if by_line and detect.normalise(line.split("==")[0].split("[")[0].strip()) == package:
                return f"{name}:{number}"
        return name
    return where


def _as_bytes(read: Callable[[str], str | None]) -> Callable[[str], bytes | None]:
    def read_bytes(name: str) -> bytes | None:
        text = read(name)
        return None if text is None else text.encode()
    return read_bytes
