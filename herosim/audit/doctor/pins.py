"""Pins that have no wheel for the Python the build will pick, so pip builds them from source
on Heroku: an error when that build certainly fails, a warning when it compiles C code that
may not compile, nothing when the release is pure Python or falls back to it (outcome.py
decides, from the index's file list and the release's source archive). The Python version is
resolved as the slug compiler resolves it; the index is the one pip uses (slug/wheels.py,
shared with the build's own diagnosis). Offline, nothing is said."""

from __future__ import annotations

from collections.abc import Callable

from herosim.audit.doctor import native, outcome, sdist
from herosim.audit.doctor.finding import ERROR, WARNING, Finding
from herosim.audit.doctor.outcome import FAILS, INSTALLS, Outcome
from herosim.errors import BuildpackError
from herosim.slug import pyversion, wheels
from herosim.slug.managers import PackageManager


def python_for(read_bytes: Callable[[str], bytes | None], manager: PackageManager,
               cached: str | None) -> tuple[str, str] | Finding:
    """(3.14, how it was chosen), or the finding of the buildpack's own refusal."""
    try:
        request = pyversion.requested(read_bytes, manager, cached)
        pyversion.resolve(request)
    except BuildpackError as exc:
        paragraphs = _paragraphs(exc.block)
        advice = next((p for p in paragraphs[1:] if p.startswith(("Please", "Upgrade", "To", "Update"))),
                      paragraphs[1] if len(paragraphs) > 1 else "see `herosim build`")
        return Finding(ERROR, "The build will refuse the Python version", "", paragraphs[0].removeprefix("Error: "),
                       advice)
    how = {"default": "Heroku's default (no version file)", "cached": "the last build's"}.get(
        request.origin, f"the one {request.origin} asks for")
    return request.major, how


def _paragraphs(block: list[str]) -> list[str]:
    out, current = [], []
    for line in block + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(" ".join(current))
            current = []
    return out


def assess(package: str, version: str, python: str, index: wheels.Index) -> Outcome | None:
    """What pip does with `package==version` on Python `python` (None: the index cannot say)."""
    files = index.files(package)
    if not files:
        return None
    found = outcome.from_files(files, version, python)
    if not isinstance(found, wheels.IndexFile):
        return found
    data = index.download(found, sdist.MAX_DOWNLOAD, sdist.DOWNLOAD_SECONDS)
    archive = sdist.parse(found.filename, data) if data else None
    if archive is None:
        return None
    return outcome.from_source(files, version, python, found, native.classify(archive.members, archive.read))


def check(pins: dict[str, str], python: str, how: str, index: wheels.Index | None,
          where: Callable[[str], str] = lambda package: "") -> list[Finding]:
    if index is None:
        return []
    out = []
    for package, version in sorted(pins.items()):
        found = assess(package, version, python, index)
        if found is None or found.verdict == INSTALLS:
            continue
        out.append(finding(package, version, python, how, found, where(package),
                           wheels.diagnose(package, version, python, index)))
    return out


def finding(package: str, version: str, python: str, how: str, found: Outcome, where: str,
            diagnosis: wheels.Diagnosis | None) -> Finding:
    fixes = []
    if diagnosis and diagnosis.newest_python:
        fixes.append(f"a .python-version of {diagnosis.newest_python}")
    if diagnosis and diagnosis.first_release:
        fixes.append(f"{package}>={diagnosis.first_release}")
    fix = " or ".join(fixes) or f"pin a release of {package} with a wheel for Python {python}"
    pin, said = f"{package}=={version}", f"Python {python} is {how}"
    if found.verdict == FAILS and found.why == "no source":
        return Finding(ERROR, f"{pin} has nothing to install on Python {python}", where,
                       f"{said}: {package} {version} has no wheel for it and no source archive, so pip finds "
                       "no distribution to install and the build stops.", fix)
    build = found.build
    assert build is not None, found   # the other outcomes are pip building the archive, which holds `build`
    if found.verdict == FAILS:
        return Finding(ERROR, f"{pin} does not build on Python {python}", where,
                       f"{said}: {package} {version} has no wheel for it, so pip compiles it from source, and its C "
                       f"code reads CPython's internals ({build.internals}), which change with every Python, "
                       f"as they were before {python} ({found.before}): it does not compile, and the build stops "
                       "there.", fix)
    written = f", written before Python {python} ({found.before})" if found.before else ""
    return Finding(WARNING, f"{pin} has no wheel for Python {python}", where,
                   f"{said}: pip compiles {package}'s C code ({build.evidence}) from source there{written}; "
                   f"the build stops if it does not compile for {python}.", fix)
