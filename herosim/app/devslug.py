"""The slugs of `herosim dev`: a code change as one layer over the last full build's slug
(never over the previous dev slug, so layers do not pile up), and the same files copied
into running dynos whose server reloads by itself."""

from __future__ import annotations

import io
import shlex
import tarfile
import time
from pathlib import Path, PurePosixPath

import docker

from herosim.engine import images
from herosim.engine.tarball import TarWriter
from herosim.errors import HerosimError

DYNO_UID = 1000      # the slug's files belong to the dyno's user (slug/image.py)
APP_HOME = "/app"


def overlay(client: docker.DockerClient, app: str, base: str, root: Path, files: list[str],
            removed: list[str]) -> str:
    """An image: `base` with `files` (from the working tree) over /app and `removed` gone.
    It keeps base's labels, so it is found, kept and removed as the app's slugs are."""
    if not files and not removed:
        return base
    context = TarWriter(mtime=time.time())
    lines = [f"FROM {base}"]
    if files:
        for name in files:
            context.add_file(f"app/{name}", root / name)
        lines.append(f"COPY --chown={DYNO_UID}:{DYNO_UID} app/ {APP_HOME}/")
    if removed:
        lines.append("RUN rm -rf -- " + " ".join(shlex.quote(f"{APP_HOME}/{name}") for name in removed))
    context.add_bytes("Dockerfile", ("\n".join(lines) + "\n").encode())
    return images.build(client, context.close(), None, lambda line: None, what=f"the dev slug of {app}")


def copy_into(container, root: Path, files: list[str], removed: list[str]) -> None:
    """Put the files into a running dyno's /app (its user's, stamped now so a polling reloader
    sees them), then remove the deleted ones, as the dyno's user."""
    if files:
        container.put_archive("/", archive(root, files, time.time()))
    if removed:
        result = container.exec_run(["rm", "-rf", "--", *(f"{APP_HOME}/{name}" for name in removed)],
                                    user=f"{DYNO_UID}:{DYNO_UID}")
        if result.exit_code != 0:
            raise HerosimError(f"Could not remove files in {container.name}",
                               hint=result.output.decode(errors="replace").strip()[-300:])


def archive(root: Path, files: list[str], mtime: float) -> bytes:
    """A tar of `files` under app/, owned by the dyno's user, with their parent folders."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folders = sorted({str(parent) for name in files for parent in PurePosixPath(name).parents
                          if str(parent) != "."})
        for folder in folders:
            tar.addfile(_info(f"app/{folder}", tarfile.DIRTYPE, 0o755, mtime))
        for name in files:
            path = root / name
            if path.is_symlink():
                info = _info(f"app/{name}", tarfile.SYMTYPE, 0o777, mtime)
                info.linkname = str(path.readlink())
                tar.addfile(info)
                continue
            data = path.read_bytes()
            info = _info(f"app/{name}", tarfile.REGTYPE, 0o755 if path.stat().st_mode & 0o111 else 0o644, mtime)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _info(name: str, kind: bytes, mode: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = kind, mode, mtime
    info.uid = info.gid = DYNO_UID
    return info
