"""A release's source archive, read (never unpacked to disk, never run): its file list and the
text of the files that say whether it compiles anything. Downloaded through the package index
the build uses, with bounds on bytes and time; whatever cannot be read within them is None,
and doctor then says nothing about the pin."""

from __future__ import annotations

import io
import tarfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_DOWNLOAD = 32 * 1024 * 1024     # bytes of the archive (SQLAlchemy 1.4's is 7.7 MB)
DOWNLOAD_SECONDS = 30.0
MAX_MEMBERS = 50_000
MAX_UNPACKED = 512 * 1024 * 1024    # bytes walked through inside a compressed archive
MAX_TEXT = 2 * 1024 * 1024          # bytes read of one file
READ_SECONDS = 20.0
# The files whose text is kept: build configuration and native sources.
BUILD_FILES = ("setup.py", "pyproject.toml", "setup.cfg", "Cargo.toml", "meson.build", "CMakeLists.txt", "build.py")
SOURCE_SUFFIXES = (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx")


@dataclass(frozen=True)
class Sdist:
    filename: str
    members: tuple[str, ...]                        # paths inside the release's top folder
    texts: dict[str, str] = field(default_factory=dict, compare=False)

    def read(self, path: str) -> str | None:
        return self.texts.get(path)


def wanted(path: str) -> bool:
    return path in BUILD_FILES or path.endswith(SOURCE_SUFFIXES)


def parse(filename: str, data: bytes, clock: Callable[[], float] = time.monotonic) -> Sdist | None:
    """The archive's members (its top folder stripped) and the text of those `wanted`; None when
    it is not an archive, or passes a bound."""
    deadline = clock() + READ_SECONDS
    try:
        if filename.endswith(".zip"):
            return _zip(filename, data)
        return _tar(filename, data, deadline, clock)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, ValueError, _TooBig):
        return None


class _TooBig(Exception):
    pass


def _strip(name: str) -> str:
    return name.lstrip("./").partition("/")[2]


def _tar(filename: str, data: bytes, deadline: float, clock: Callable[[], float]) -> Sdist:
    members: list[str] = []
    texts: dict[str, str] = {}
    walked = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for member in archive:
            walked += member.size
            if len(members) >= MAX_MEMBERS or walked > MAX_UNPACKED or clock() > deadline:
                raise _TooBig
            if not member.isfile():
                continue
            path = _strip(member.name)
            members.append(path)
            if wanted(path) and member.size <= MAX_TEXT:
                handle = archive.extractfile(member)
                if handle is not None:
                    texts[path] = handle.read(MAX_TEXT).decode("utf-8", errors="replace")
    return Sdist(filename, tuple(members), texts)


def _zip(filename: str, data: bytes) -> Sdist:
    members, texts = [], {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise _TooBig
        for info in infos:
            path = _strip(info.filename)
            members.append(path)
            if wanted(path) and info.file_size <= MAX_TEXT:
                with archive.open(info) as handle:
                    texts[path] = handle.read(MAX_TEXT).decode("utf-8", errors="replace")
    return Sdist(filename, tuple(members), texts)
