"""The snapshot store: $HEROSIM_HOME/snapshots/<name>/ holds meta.json (the app, its config
vars, current release and formation, which add-ons) and one archive per add-on's data.
Folders 0700, files 0600: a snapshot holds the app's data and secrets."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from herosim import paths
from herosim.errors import HerosimError
from herosim.platform import jsonfile

FOLDER = "snapshots"
META = "meta.json"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


@dataclass(frozen=True)
class AddonData:
    name: str           # postgresql-curly-12345
    service: str        # heroku-postgresql
    plan: str
    attachment: str     # DATABASE, REDIS, ELASTICSEARCH: how another app's add-on is matched
    version: str        # the server's major version when it matters (Postgres), else ""
    file: str           # the archive's name in the snapshot's folder
    size: int = 0
    role: str = ""      # Postgres: the credential's role and database in the archive (no password)
    database: str = ""


@dataclass(frozen=True)
class Snapshot:
    name: str
    app: str
    created_at: str
    release: int | None
    slug: str | None
    commit: str = ""
    processes: dict[str, str] = field(default_factory=dict)
    release_config_vars: dict[str, str] = field(default_factory=dict)
    config_vars: dict[str, str] = field(default_factory=dict)     # the user's (add-ons' own are theirs)
    formation: dict[str, int] | None = None
    addons: tuple[AddonData, ...] = ()

    @property
    def size(self) -> int:
        return sum(a.size for a in self.addons)

    @classmethod
    def from_dict(cls, data: dict) -> Snapshot:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["addons"] = tuple(AddonData(**a) for a in known.get("addons", ()))
        return cls(**known)


def root() -> Path:
    return paths.home() / FOLDER


def check_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise HerosimError(f"Invalid snapshot name: {name!r}",
                           hint="letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63")
    return name


def folder(name: str) -> Path:
    return root() / check_name(name)


def exists(name: str) -> bool:
    return (folder(name) / META).is_file()


def read(name: str) -> Snapshot:
    if not exists(name):
        raise HerosimError(f"Snapshot {name} not found.", hint="see `herosim snapshots`")
    return Snapshot.from_dict(jsonfile.read(folder(name) / META, {}))


def all_snapshots() -> list[Snapshot]:
    if not root().is_dir():
        return []
    found = [read(p.name) for p in root().iterdir() if NAME.fullmatch(p.name) and (p / META).is_file()]
    return sorted(found, key=lambda s: (s.created_at, s.name))


def kept_slugs(app: str) -> set[str]:
    """The slugs the app's snapshots load back: pruning keeps them."""
    return {s.slug for s in all_snapshots() if s.app == app and s.slug}


def staging(name: str) -> Path:
    """An empty private folder to write a snapshot into before it takes its name."""
    path = root() / f".{check_name(name)}.partial"
    shutil.rmtree(path, ignore_errors=True)
    return paths.private_dir(path)


def commit(name: str, staged: Path, snapshot: Snapshot) -> None:
    """meta.json last, then the folder takes the name (replacing an older one of that name)."""
    jsonfile.write(staged / META, asdict(snapshot))
    target = folder(name)
    old = root() / f".{name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def remove(name: str) -> Snapshot:
    snapshot = read(name)
    shutil.rmtree(folder(name))
    return snapshot


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
