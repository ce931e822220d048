"""What pip does with one pinned release on one Python, predicted from the index's file list
and, when it has to build from source, from what the source archive holds (native.py). Pure.

- installs: a wheel for that Python (Linux x86_64, or py3-none-any), or a source build that
  cannot fail for want of a compiler: pure Python, or C speedups with a fallback;
- fails: nothing to install (no wheel for it, no source archive), or C code that reads
  CPython's internals and was written before that Python existed;
- may fail: other C code, compiled from source: whether it compiles for that Python is not
  written in its files (psycopg2 2.9.1 compiles for 3.11 though it has no wheel for it).

tests/integration/test_pin_outcomes.py holds these predictions against real builds."""

from __future__ import annotations

from dataclasses import dataclass

from herosim.audit.doctor.native import NATIVE, Build
from herosim.slug.wheels import WHEEL_RE, IndexFile, serves

INSTALLS, FAILS, MAY_FAIL = "installs", "fails", "may fail"
# The first beta of each Python Heroku builds: code released before it cannot know that
# Python's internals (they change up to the beta, at least).
FIRST_BETA = {"3.10": "2021-05-03", "3.11": "2022-05-08", "3.12": "2023-05-22", "3.13": "2024-05-08",
              "3.14": "2025-05-07"}


@dataclass(frozen=True)
class Outcome:
    verdict: str                 # INSTALLS, FAILS or MAY_FAIL
    why: str                     # "wheel", "no source", "pure", "optional", "internals", "compiles"
    build: Build | None = None   # what the source archive holds, when pip builds it
    before: str = ""             # how the release is known to predate the Python (internals)


def release(files: list[IndexFile], version: str) -> list[IndexFile]:
    return [f for f in files if f.version == version]


def from_files(files: list[IndexFile], version: str, python: str) -> Outcome | IndexFile | None:
    """What the file list alone says: an Outcome, the source archive pip would build, or None
    when the index lists no file of that release."""
    mine = release(files, version)
    if not mine:
        return None
    minor = int(python.split(".")[1])
    if any((serves(f.filename, minor) or (None, False))[1] for f in mine):
        return Outcome(INSTALLS, "wheel")
    sdists = sorted((f for f in mine if f.sdist), key=lambda f: not f.filename.endswith(".tar.gz"))
    return sdists[0] if sdists else Outcome(FAILS, "no source")


def from_source(files: list[IndexFile], version: str, python: str, sdist: IndexFile, build: Build) -> Outcome:
    """The outcome of pip building `sdist` (which holds `build`) for Python `python`."""
    if build.kind != NATIVE:
        return Outcome(INSTALLS, build.kind, build)
    before = written_before(release(files, version), sdist, python)
    if build.internals and before:
        return Outcome(FAILS, "internals", build, before)
    return Outcome(MAY_FAIL, "compiles", build, before)


def written_before(mine: list[IndexFile], sdist: IndexFile, python: str) -> str:
    """How the release is known to predate Python `python` ("" when it is not): all its
    CPython wheels are for older Pythons, or, with none, it was uploaded before that Python's
    first beta."""
    minor = int(python.split(".")[1])
    built = set()
    for f in mine:
        match = WHEEL_RE.match(f.filename)
        if match:
            built |= {int(tag[3:]) for tag in match["python"].split(".") if tag.startswith("cp3") and tag[3:].isdigit()}
    if built:
        return f"its newest wheel is for Python 3.{max(built)}" if max(built) < minor else ""
    beta = FIRST_BETA.get(python)
    uploaded = sdist.uploaded[:10]
    if beta and uploaded and uploaded < beta:
        return f"uploaded {uploaded}, before Python {python}'s first beta"
    return ""
