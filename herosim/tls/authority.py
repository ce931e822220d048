"""The machine's local CA and the routers' certificates on disk, under $HEROSIM_HOME/tls/
(folder 0700; keys 0600): the CA made once, each app's router certificate made when its
router first starts and renewed before it expires. Concurrent first uses (two `up`s) make
one CA: a lock file serialises them."""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from herosim import paths
from herosim.errors import HerosimError
from herosim.tls import certificates

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
ROUTERS = "routers"   # <app>.pem and <app>-key.pem


@dataclass(frozen=True)
class RouterFiles:
    """Where the router's certificate and key are (what the router process is given)."""
    cert: Path
    key: Path
    ca: Path


def folder(home: Path | None = None) -> Path:
    return (home or paths.home()) / "tls"


def ca_path(home: Path | None = None) -> Path:
    """Where the CA's certificate is (it may not be made yet)."""
    return folder(home) / CA_CERT


def ensure_ca(home: Path | None = None) -> Path:
    """The CA's certificate, made when this machine has none yet."""
    where = paths.private_dir(folder(home))
    with _locked(where):
        _authority(where)
    return where / CA_CERT


def router_files(app: str, home: Path | None = None) -> RouterFiles:
    """The app's router certificate, made (and the CA with it) when missing or due for renewal."""
    where = paths.private_dir(folder(home))
    routers = paths.private_dir(where / ROUTERS)
    files = RouterFiles(routers / f"{app}.pem", routers / f"{app}-key.pem", where / CA_CERT)
    with _locked(where):
        authority = _authority(where)
        try:
            current = files.cert.read_bytes()
        except FileNotFoundError:
            current = b""
        if not current or certificates.needs_renewal(current, authority.cert, app):
            leaf = certificates.new_leaf(authority, app)
            _write(files.key, leaf.key)
            _write(files.cert, leaf.cert)
    return files


def _authority(where: Path) -> certificates.Pair:
    cert, key = where / CA_CERT, where / CA_KEY
    if cert.exists() and key.exists():
        try:
            return certificates.Pair(cert.read_bytes(), key.read_bytes())
        except OSError as exc:
            raise HerosimError(f"Could not read herosim's local CA in {where}: {exc.strerror or exc}",
                               hint=f"fix the permissions of {where}, or move it away to make a new CA") from exc
    made = certificates.new_authority()
    _write(key, made.key)
    _write(cert, made.cert)
    return made     # the routers' certificates it did not sign are renewed (needs_renewal)


def forget(app: str, home: Path | None = None) -> None:
    """`destroy`: the app's router certificate goes with it (the CA stays: other apps use it)."""
    routers = folder(home) / ROUTERS
    for name in (f"{app}.pem", f"{app}-key.pem"):
        (routers / name).unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with paths.open_private(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise HerosimError(f"Could not write {path}: {exc.strerror or exc}",
                           hint="free some disk space (or fix the folder's permissions) and run the command again")\
            from exc


@contextlib.contextmanager
def _locked(where: Path):
    fd = os.open(where / ".lock", os.O_RDWR | os.O_CREAT, paths.PRIVATE_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
