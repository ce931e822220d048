"""The slug's compressed size, as Heroku reports and limits it."""

from __future__ import annotations

import zlib
from pathlib import Path

import docker

from herosim.const import ROLE_BUILD
from herosim.engine import cleanup, labels
from herosim.engine.memo import remembered
from herosim.errors import BuildError
from herosim.progress import Progress

MB = 1024 * 1024
SOFT_LIMIT = 300 * MB
HARD_LIMIT = 1024 * MB  # raised from 500 MB in March 2026


class _Counter:
    def __init__(self):
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip, as slugs are
        self.size = 0

    def feed(self, data: bytes) -> None:
        self.size += len(self.compressor.compress(data))

    def done(self) -> int:
        return self.size + len(self.compressor.flush())


def compressed_files(root: Path, files: tuple[str, ...]) -> int:
    counter = _Counter()
    for name in files:
        path = root / name
        if path.is_file() and not path.is_symlink():
            counter.feed(path.read_bytes())
    return counter.done()


def compressed_path(client: docker.DockerClient, image: str, path: str, cache: bool = True) -> int:
    """gzip size of `path` inside `image`, remembered per image id when `cache`."""
    def measure() -> int:
        container = client.containers.create(image, command=["true"], entrypoint=[],
                                             labels=labels.for_tool(ROLE_BUILD))
        try:
            stream, _ = container.get_archive(path)
            counter = _Counter()
            for chunk in stream:
                counter.feed(chunk)
            return counter.done()
        finally:
            cleanup.container(container)  # with its anonymous volumes (a deps image declares one)
    if not cache:
        return measure()
    return remembered("compressed-sizes", f"{client.images.get(image).id}:{path}", measure)


def human(size: int) -> str:
    return f"{size / MB:.1f}M" if size < 1024 * MB else f"{size / (1024 * MB):.1f}G"


def check(size: int, printer: Progress) -> None:
    """Heroku's limits: a warning over the soft limit, an error over the maximum."""
    if size > HARD_LIMIT:
        raise BuildError(f"Compiled slug size: {human(size)} is too large (max is {human(HARD_LIMIT)}).",
                         hint="remove unneeded files with .slugignore, or move large assets to object storage")
    if size > SOFT_LIMIT:
        printer.warn(f"Your slug size ({human(size)}) exceeds our soft limit ({human(SOFT_LIMIT)}) "
                     "which may affect boot time.")
