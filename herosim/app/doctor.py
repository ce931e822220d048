"""`herosim doctor`'s verb: the app's files as git would deploy them, its config vars, its last
build's Python and its formation, read and handed to the checks of `herosim.audit.doctor`
(pure); their findings returned for the CLI to print. No Docker; the package index only for
the pins check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from herosim.audit import doctor as checks
from herosim.audit.doctor import Finding
from herosim.platform.state import AppState
from herosim.slug import cabundle, wheels
from herosim.slug.source import SourceTree, collect, ignored, readable

INDEX_TIMEOUT = 5.0   # seconds per request to the package index: doctor answers before any build would


@dataclass(frozen=True)
class Diagnosis:
    """What doctor found, errors first (`check`'s order)."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == checks.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def as_dict(self) -> dict:
        """The `--json` document."""
        return {"errors": self.errors, "warnings": self.warnings, "findings": [f.as_dict() for f in self.findings]}


def diagnose(path: Path, app_state: Callable[[], AppState], ca_bundle: str | None = None) -> Diagnosis:
    """Doctor's findings on the working tree at `path`, for the app `app_state()` answers (it
    need not exist yet: no config vars, no last build then). The app is resolved once the tree
    is read, so a folder outside git says so first."""
    source = collect(path)
    files = readable(source)
    read_bytes = _reader(source, files)

    def read(name: str) -> str | None:
        data = read_bytes(name)
        return None if data is None else data.decode(errors="replace")
    state = app_state()
    bundle = cabundle.find(ca_bundle)
    findings = checks.check(files, read, dict(state.config_vars()), untracked=source.untracked,
                            ignored=ignored(path), read_bytes=read_bytes,
                            last_python=state.settings().last_build.python,
                            fetch=wheels.simple_api(verify=str(bundle) if bundle else True, timeout=INDEX_TIMEOUT),
                            formation=state.formation())
    return Diagnosis(tuple(findings))


def _reader(source: SourceTree, files: set[str]) -> Callable[[str], bytes | None]:
    """The bytes of a file the build may read; None for any other (or one that cannot be read)."""
    def read_bytes(name: str) -> bytes | None:
        if name not in files:
            return None
        try:
            return (source.root / name).read_bytes()
        except OSError:
            return None
    return read_bytes
