"""Which Python a build uses, decided as the buildpack decides it (pure: file contents in,
a version or the buildpack's error out).

Precedence: runtime.txt (deprecated), a misspelled .python-version (an error),
.python-version, Pipfile.lock's python_full_version then python_version, the major
version of the last build (sticky), the buildpack's default."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from herosim.errors import BuildpackError
from herosim.slug import version_messages as messages
from herosim.slug.buildpack import (
    DEFAULT_MAJOR,
    DEPRECATED_MAJORS,
    LATEST_PYTHON,
    NEWEST_MINOR,
    OLDEST_MINOR,
)
from herosim.slug.managers import PackageManager

INT = r"(0|[1-9][0-9]*)"
VERSION_RE = re.compile(rf"^{INT}\.{INT}(\.{INT})?$")
FULL_VERSION_RE = re.compile(rf"^{INT}\.{INT}\.{INT}$")
MISSPELLED = (" .python-version", ". python-version", ".python_version.txt", ".python_version", ".python-version ",
              ",python-version", ".python-version.", ".python-version.py", ".python-version.rtf",
              ".python-version.txt", ".python-version.TXT", ".Python-version", ".python.version", ".pythonversion",
              "'.python-version'", "python_version.txt", "python_version", "python-version.", "python-version.txt",
              "python-version")


@dataclass(frozen=True)
class Requested:
    version: str   # 3.14 or 3.14.2
    origin: str    # runtime.txt, .python-version, Pipfile.lock, cached, default

    @property
    def major(self) -> str:
        return ".".join(self.version.split(".")[:2])


def requested(read: Callable[[str], bytes | None], manager: PackageManager, cached_full: str | None) -> Requested:
    """`read(name)` gives a file's bytes, or None when the app has no such file."""
    runtime = read("runtime.txt")
    if runtime is not None:
        return Requested(parse_runtime_txt(runtime), "runtime.txt")
    for name in MISSPELLED:
        if read(name) is not None:
            raise BuildpackError(messages.misspelled_version_file(name), "python-version-file::misspelled")
    version_file = read(".python-version")
    if version_file is not None:
        return Requested(parse_version_file(version_file), ".python-version")
    if manager.python_in_lockfile:
        version = pipfile_lock_version(read(manager.selected_by) or b"{}")
        if version:
            return Requested(version, "Pipfile.lock")
    if cached_full and FULL_VERSION_RE.match(cached_full):
        return Requested(cached_full.rsplit(".", 1)[0], "cached")
    return Requested(DEFAULT_MAJOR, "default")


def trimmed_lines(data: bytes) -> list[str]:
    """The file's lines without surrounding whitespace, blank lines and `#` comments."""
    text = data.decode("utf-8", errors="replace").replace("\0", "␀")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def parse_runtime_txt(data: bytes) -> str:
    contents = "\n".join(trimmed_lines(data))
    match = re.match(rf"^python-({INT}\.{INT}(\.{INT})?)$", contents)
    if not match:
        raise BuildpackError(messages.invalid_runtime_txt(), "runtime-txt::invalid-version")
    return match.group(1)


def parse_version_file(data: bytes) -> str:
    versions = trimmed_lines(data)
    for version in versions:
        if VERSION_RE.match(version):
            continue
        encoding = text_encoding(data)
        if any(kind in encoding for kind in ("ASCII text", "UTF-8 text", "very short file")) or encoding == "data":
            # As the buildpack shows it (bash in the C locale): each byte that is not printable
            # ASCII or a blank becomes a replacement character.
            shown = "".join(chr(b) if 32 <= b < 127 or b == 9 else "�" for b in version.encode("utf-8"))
            raise BuildpackError(messages.invalid_version_file(shown), "python-version-file::invalid-version")
        raise BuildpackError(messages.unsupported_encoding(encoding), "python-version-file::invalid-encoding")
    if len(versions) == 1:
        return versions[0]
    if not versions:
        raise BuildpackError(messages.no_version_in_file(), "python-version-file::no-version")
    raise BuildpackError(messages.multiple_versions(versions), "python-version-file::multiple-versions")


def text_encoding(data: bytes) -> str:
    """What `file --brief` says of a small text file, for the encodings seen in version files."""
    if len(data) < 2 and not data.isascii():
        return "very short file (no magic)"
    terminators = ""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        kind = "Unicode text, UTF-16, " + ("little" if data.startswith(b"\xff\xfe") else "big") + "-endian text"
        body = data[2:].decode("utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be", errors="replace")
        terminators = _terminators(body.encode())
        return kind + terminators
    if data.startswith(b"\xef\xbb\xbf"):
        return "Unicode text, UTF-8 (with BOM) text" + _terminators(data)
    if any(b < 32 and b not in (9, 10, 12, 13, 27) for b in data):
        return "data"
    if data.isascii():
        return "ASCII text" + _terminators(data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "ISO-8859 text" + _terminators(data)
    return "Unicode text, UTF-8 text" + _terminators(data)


def _terminators(data: bytes) -> str:
    if b"\r\n" in data:
        return ", with CRLF line terminators"
    if b"\r" in data and b"\n" not in data:
        return ", with CR line terminators"
    if b"\n" not in data:
        return ", with no line terminators"
    return ""


def pipfile_lock_version(data: bytes) -> str | None:
    try:
        requires = (json.loads(data).get("_meta") or {}).get("requires") or {}
    except (ValueError, AttributeError) as exc:
        raise BuildpackError(messages.pipfile_lock_unparsable(str(exc)), "pipfile-lock::invalid-json") from exc
    version = requires.get("python_full_version") or requires.get("python_version")
    if version is None:
        return None
    if not VERSION_RE.match(str(version)):
        raise BuildpackError(messages.pipfile_lock_invalid_version(str(version)), "pipfile-lock::invalid-version")
    return str(version)


def resolve(request: Requested) -> str:
    """The exact version the buildpack installs; EOL and unknown majors are its errors."""
    major, minor = (int(part) for part in request.version.split(".")[:2])
    major_minor = f"{major}.{minor}"
    if major < 3 or (major == 3 and minor < OLDEST_MINOR):
        raise BuildpackError(messages.end_of_life(major_minor, request.origin, request.version), "python-version::eol")
    if (major == 3 and minor > NEWEST_MINOR) or major >= 4:
        raise BuildpackError(messages.unknown_major(major_minor, request.origin, request.version),
                             "python-version::unknown-major")
    return request.version if request.version.count(".") == 2 else LATEST_PYTHON[major_minor]


def announcement(request: Requested) -> str:
    """The step line that says which version was asked for."""
    if request.origin == "default":
        return f"No Python version was specified. Using the buildpack default: Python {request.version}"
    if request.origin == "cached":
        return ("No Python version was specified. Using the same major version as the last build: "
                f"Python {request.version}")
    return f"Using Python {request.version} specified in {request.origin}"


def warnings(request: Requested, full: str, manager: PackageManager) -> list[list[str]]:
    """The buildpack's warnings for this request, in its order (uv's requirements are errors)."""
    major = ".".join(full.split(".")[:2])
    out = []
    if request.origin in ("default", "cached"):
        if manager.requires_version_file:
            raise BuildpackError(messages.uv_without_version_file(major), "python-version-file::not-found")
        out.append(messages.no_version_warning(request.origin, major))
    elif request.origin == "runtime.txt":
        if manager.requires_version_file:
            raise BuildpackError(messages.uv_runtime_txt(major), "runtime-txt::not-supported")
        out.append(messages.runtime_txt_deprecated(major))
    if major in DEPRECATED_MAJORS:
        out.append(messages.deprecated_major(major, request.origin))
    latest = LATEST_PYTHON[major]
    if int(full.rsplit(".", 1)[1]) < int(latest.rsplit(".", 1)[1]):
        out.append(messages.patch_update(full, major, latest, request.origin))
    return out
