"""An add-on's data, whole, in and out of its volume: the files of a stopped server (so
they are consistent, as a clean shutdown leaves them), gzipped into the snapshot's folder,
and put back into an emptied volume by a short-lived helper on the add-on's own image.

What belongs to the add-on rather than to its data stays: the Key-Value Store's herosim/
folder (its TLS certificates and the password and settings of *this* add-on). A Postgres
cluster carries its roles: loaded into another app's add-on, the snapshot's role and
database take the target's names and password (single-user mode, before the server starts)."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import docker

from herosim import paths
from herosim.const import ROLE_SNAPSHOT
from herosim.engine import cleanup, labels
from herosim.engine.client import translated
from herosim.errors import HerosimError

KEPT = {"heroku-redis": ("herosim",)}   # service -> top-level names that are the add-on's own
HELPER_LIFETIME = "900"                 # seconds: a helper left by a killed command ends by itself

# Run as postgres in the helper: the restored cluster's role and database become the target's.
POSTGRES_FIXUP = r"""
set -e
pgdata="$DATA/pgdata"
[ -s "$pgdata/PG_VERSION" ] || { echo "no cluster in the snapshot"; exit 3; }
{
  [ "$ROLE_OLD" = "$ROLE_NEW" ] || printf 'ALTER ROLE "%s" RENAME TO "%s"\n' "$ROLE_OLD" "$ROLE_NEW"
  [ "$DB_OLD" = "$DB_NEW" ] || printf 'ALTER DATABASE "%s" RENAME TO "%s"\n' "$DB_OLD" "$DB_NEW"
  printf 'ALTER ROLE "%s" WITH PASSWORD \047%s\047\n' "$ROLE_NEW" "$SECRET"
} | postgres --single -D "$pgdata" postgres 2>&1
"""


class _ChunkReader(io.RawIOBase):
    """A file object over the engine's archive stream (an iterator of byte chunks)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._left = iter(chunks), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            try:
                self._left = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._left))
        buffer[:size], self._left = self._left[:size], self._left[size:]
        return size


def save(container, data_path: str, service: str, target: Path) -> int:
    """The stopped sidecar's data folder into `target` (gzip, 0600), names relative to the
    folder, the add-on's own files left out. Returns the archive's size."""
    kept = KEPT.get(service, ())
    with translated(f"reading {container.name}'s data"):
        chunks, _ = container.get_archive(data_path.rstrip("/") + "/.")
    reader = io.BufferedReader(_ChunkReader(chunks), 1 << 20)
    with paths.open_private(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as out, \
            tarfile.open(fileobj=reader, mode="r|") as source, \
            tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as sink:
        for member in source:
            name = member.name.split("/", 1)[1] if "/" in member.name else ""
            if not name or name.split("/", 1)[0] in kept:
                continue
            member.name = name
            sink.addfile(member, source.extractfile(member) if member.isreg() else None)
    return target.stat().st_size


def load(client: docker.DockerClient, app: str, image: str, volume: str, data_path: str, service: str,
         archive: Path, fixup: dict[str, str] | None = None) -> None:
    """Empty the volume (but the add-on's own files), put the archive in; for Postgres, give
    the cluster the target's role, database and password. The add-on's container is stopped."""
    helper = _helper(client, app, image, volume, data_path)
    try:
        kept = " ".join(f"! -name {name}" for name in KEPT.get(service, ()))
        _exec(helper, ["sh", "-c", f'find "$DATA" -mindepth 1 -maxdepth 1 {kept} -exec rm -rf {{}} +'],
              {"DATA": data_path}, "root", "emptying the volume")
        with open(archive, "rb") as handle, translated(f"restoring {volume}"):
            if not helper.put_archive(data_path, handle):
                raise HerosimError(f"The engine refused the archive for {volume}", hint="check `docker info`")
        if fixup is not None:
            _exec(helper, ["sh", "-c", POSTGRES_FIXUP], {"DATA": data_path, **fixup}, "postgres",
                  "giving the database this app's credential")
    finally:
        cleanup.container(helper)


def _helper(client: docker.DockerClient, app: str, image: str, volume: str, data_path: str):
    with translated(f"starting a helper on {volume}"):
        helper = client.containers.create(image, entrypoint=["sleep"], command=[HELPER_LIFETIME], user="root",
                                          labels=labels.for_app(app, ROLE_SNAPSHOT), network_mode="none",
                                          volumes={volume: {"bind": data_path, "mode": "rw"}})
        helper.start()
    return helper


def _exec(container, command: list[str], environment: dict[str, str], user: str, what: str) -> str:
    result = container.exec_run(command, environment=environment, user=user)
    output = result.output.decode(errors="replace")
    if result.exit_code != 0 or "ERROR:" in output or "FATAL:" in output:
        lines = [line for line in output.strip().splitlines() if line.strip()]
        raise HerosimError(f"Loading the snapshot failed while {what}",
                           hint=(lines[-1] if lines else f"exit status {result.exit_code}"))
    return output
