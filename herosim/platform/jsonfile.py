"""One JSON file of state: read whole, written whole (temporary file + rename), private."""

from __future__ import annotations

import json
import os
from pathlib import Path

from herosim.errors import StateError
from herosim.paths import PRIVATE_FILE, private_dir


def read(path: Path, default):
    try:
        text = path.read_text()
    except FileNotFoundError:
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(f"{path} is corrupt ({exc.msg} at line {exc.lineno})",
                         hint=f"fix the file, or move it away (`mv {path} {path}.bad`); "
                              "herosim then starts that record afresh") from exc


def write(path: Path, value) -> None:
    """Atomic: a reader sees the old file or the new one, never half of one. A failed write
    (disk full) leaves the old file in place."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = (json.dumps(value, indent=2) + "\n").encode()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StateError(f"Could not write {path}: {exc.strerror or exc}",
                         hint="free some disk space (or fix the folder's permissions) and run the command again; "
                              "nothing was changed") from exc
