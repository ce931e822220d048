"""Pins that have no wheel for the Python the build will pick: pip builds them from source
on Heroku, and C extensions older than that Python mostly fail to build. The Python version
is resolved as the slug compiler resolves it; the wheel tags come from the package index
(slug/wheels.py, shared with the build's own diagnosis). Offline, nothing is said."""

from __future__ import annotations

from collections.abc import Callable

from herosim.audit.doctor.finding import ERROR, WARNING, Finding
from herosim.errors import BuildpackError
from herosim.slug import pyversion, wheels


def python_for(read_bytes: Callable[[str], bytes | None], manager: str, cached: str | None) -> tuple[str, str] | Finding:
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


def check(pins: dict[str, str], python: str, how: str, fetch: wheels.Fetch | None,
          where: Callable[[str], str] = lambda package: "") -> list[Finding]:
    if fetch is None:
        return []
    out = []
    for package, version in sorted(pins.items()):
        found = wheels.diagnose(package, version, python, fetch)
        if found is None or (found.newest_python is None and found.first_release is None):
            continue   # a wheel for this Python, or nothing known (a pure-Python sdist, say)
        fixes = []
        if found.newest_python:
            fixes.append(f"a .python-version of {found.newest_python}")
        if found.first_release:
            fixes.append(f"{package}>={found.first_release}")
        out.append(Finding(WARNING, f"{package}=={version} has no wheel for Python {python}", where(package),
                           f"Python {python} is {how}: pip builds {package} from source there, and C extensions "
                           f"released before Python {python} often fail to compile (the build then stops).",
                           " or ".join(fixes)))
    return out
