"""Tar archives built in memory: how files travel to the engine (no bind mounts)."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from pathlib import Path


class TarWriter:
    """Collects files into a tar kept in memory up to 32 MB, then on disk."""

    def __init__(self, mtime: float = 0):
        self._buffer = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
        self._tar = tarfile.open(fileobj=self._buffer, mode="w", format=tarfile.PAX_FORMAT)
        self._mtime = mtime

    def add_bytes(self, name: str, data: bytes, mode: int = 0o644) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = mode
        info.mtime = self._mtime
        self._tar.addfile(info, io.BytesIO(data))

    def add_dir(self, name: str, mode: int = 0o755, mtime: float | None = None) -> None:
        info = tarfile.TarInfo(name)
        info.type = tarfile.DIRTYPE
        info.mode = mode
        info.mtime = self._mtime if mtime is None else mtime
        self._tar.addfile(info)

    def add_file(self, name: str, path: Path) -> None:
        """A file or symlink from disk, content and mode kept; owner normalised to root."""
        info = self._tar.gettarinfo(str(path), arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        if info.isreg():
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            with open(path, "rb") as handle:
                self._tar.addfile(info, handle)
        else:
            self._tar.addfile(info)

    def close(self):
        """Finish the archive and return a file object positioned at its start."""
        self._tar.close()
        self._buffer.seek(0)
        return self._buffer

