"""Where the files under the repository's `docker/` folder are at run time."""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parents[1] / "_docker"   # in a wheel (see pyproject)
_SOURCE = Path(__file__).resolve().parents[2] / "docker"  # in a checkout / editable install


def docker_dir() -> Path:
    for candidate in (_PACKAGED, _SOURCE):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("herosim's docker/ folder is missing from this installation")


def read(relative: str) -> bytes:
    return (docker_dir() / relative).read_bytes()


def searchlite_dir() -> Path:
    """The lite search engine's package, copied into its sidecar image."""
    import searchlite
    return Path(searchlite.__file__).resolve().parent
