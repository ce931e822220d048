"""What Heroku keeps for an app besides containers: config vars, releases, formation, settings.

Kept per app under $HEROSIM_HOME (default ~/.local/share/herosim), outside the app's
tree, private to this user. Containers, volumes and networks are never recorded here:
labels are their only record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from herosim import paths
from herosim.errors import StateError
from herosim.platform import jsonfile
from herosim.platform.releases import PENDING, SUCCEEDED, Release, current_user


@dataclass(frozen=True)
class LastBuild:
    """The slug compiler's record of the app's last build: the Python it chose (it sticks when
    the app names none) and its dependency layer's inputs (slug/dependencies.py's DepsInputs,
    kept as the compiler wrote them: it alone reads them back)."""
    python: str | None = None
    deps: Mapping[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: object) -> LastBuild:
        if not isinstance(data, Mapping):
            return cls()
        deps = data.get("deps")
        return cls(_text(data.get("python")), dict(deps) if isinstance(deps, Mapping) else None)

    def to_dict(self) -> dict[str, Any]:
        return {"python": self.python, "deps": dict(self.deps) if self.deps is not None else None}


@dataclass(frozen=True)
class FsOptions:
    """`up --strict-fs --fs-allow PATTERN`: fail on writes the ephemeral filesystem would lose."""
    strict: bool = False
    allow: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """The app's settings (settings.json). Keys of a newer herosim are kept in `unknown` and
    written back; a key an older one never wrote reads as its default."""
    router_port: int | None = None
    source: str | None = None            # the working tree `up` last built
    app_id: str = ""                     # HEROKU_APP_ID
    created_at: str | None = None
    created_by: str | None = None
    sizes: Mapping[str, str] = field(default_factory=dict)   # process type (and "run") -> size key
    slug_size: int | None = None
    last_build: LastBuild = LastBuild()
    labs: tuple[str, ...] = ()
    fs: FsOptions = FsOptions()
    maintenance: bool = False
    postdeploy_done: bool = False        # app.json's scripts.postdeploy ran (once in the app's life)
    built_commits: tuple[str, ...] = ()  # the last commits a push built (Heroku's duplicate-build warning)
    fork_of: str | None = None           # the app whose release this one was forked from
    # container id -> the files `herosim dev` copied into it (fs:diff leaves them out: not the app's writes)
    dev_synced: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unknown: Mapping[str, Any] = field(default_factory=dict)

    def size_of(self, process_type: str, default: str) -> str:
        return self.sizes.get(process_type, default)

    def with_sizes(self, changed: Mapping[str, str]) -> Settings:
        return replace(self, sizes={**self.sizes, **changed})

    def with_lab(self, feature: str, on: bool) -> Settings:
        """The feature on (last) or off; the others kept in their order."""
        return replace(self, labs=tuple(f for f in self.labs if f != feature) + ((feature,) if on else ()))

    def with_built(self, sha: str, kept: int) -> Settings:
        """`sha` as the last commit built; the `kept` last ones remembered."""
        return replace(self, built_commits=(tuple(s for s in self.built_commits if s != sha) + (sha,))[-kept:])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        sizes, port = data.get("sizes"), data.get("router_port")
        size, synced = data.get("slug_size"), data.get("dev_synced")
        return cls(
            router_port=int(port) if port else None, source=_text(data.get("source")),
            app_id=_text(data.get("app_id")) or "", created_at=_text(data.get("created_at")),
            created_by=_text(data.get("created_by")),
            sizes={str(k): str(v) for k, v in sizes.items()} if isinstance(sizes, Mapping) else {},
            slug_size=int(size) if size is not None else None, last_build=LastBuild.from_dict(data.get("last_build")),
            labs=_texts(data.get("labs")), fs=FsOptions(bool(data.get("strict_fs")), _texts(data.get("fs_allow"))),
            maintenance=bool(data.get("maintenance")), postdeploy_done=data.get("postdeploy") == "done",
            built_commits=_texts(data.get("built_commits")), fork_of=_text(data.get("fork_of")),
            dev_synced={str(k): _texts(v) for k, v in synced.items()} if isinstance(synced, Mapping) else {},
            unknown={k: v for k, v in data.items() if k not in _KEYS})

    def to_dict(self) -> dict[str, Any]:
        """settings.json's keys as every herosim wrote them; a setting at its default is left out."""
        values = {"router_port": self.router_port, "source": self.source, "app_id": self.app_id,
                  "created_at": self.created_at, "created_by": self.created_by, "sizes": dict(self.sizes),
                  "slug_size": self.slug_size,
                  "last_build": self.last_build.to_dict() if self.last_build != LastBuild() else None,
                  "labs": list(self.labs), "strict_fs": self.fs.strict, "fs_allow": list(self.fs.allow),
                  "maintenance": self.maintenance, "postdeploy": "done" if self.postdeploy_done else None,
                  "built_commits": list(self.built_commits), "fork_of": self.fork_of,
                  "dev_synced": {k: list(v) for k, v in self.dev_synced.items()}}
        return {**self.unknown, **{k: v for k, v in values.items() if not _unset(v)}}


_KEYS = frozenset({"router_port", "source", "app_id", "created_at", "created_by", "sizes", "slug_size", "last_build",
                   "labs", "strict_fs", "fs_allow", "maintenance", "postdeploy", "built_commits", "fork_of",
                   "dev_synced"})


def _unset(value: object) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


class AppState:
    """One app's persisted platform data; every write is atomic and locked."""

    def __init__(self, app: str, root: Path | None = None):
        self.app = app
        self.dir = paths.app_dir(app, root)

    # -- files ---------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.dir / name

    @property
    def exists(self) -> bool:
        return self.dir.is_dir()

    @contextlib.contextmanager
    def _locked(self):
        """One read-modify-write of a state file at a time (short; see platform/lock.py for
        the lock a whole command holds)."""
        paths.private_dir(self.dir)
        fd = os.open(self.dir / paths.STATE_LOCK, os.O_RDWR | os.O_CREAT, paths.PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self, name: str, default):
        return jsonfile.read(self.dir / name, default)

    def _write(self, name: str, value) -> None:
        jsonfile.write(self.dir / name, value)

    # -- config vars ---------------------------------------------------------
    def config_vars(self) -> dict[str, str]:
        return dict(self._read(paths.CONFIG, {}))

    def update_config_vars(self, set_vars: dict[str, str], unset=()) -> dict[str, str]:
        with self._locked():
            current = self.config_vars()
            current.update(set_vars)
            for key in unset:
                current.pop(key, None)
            self._write(paths.CONFIG, current)
            return current

    def replace_config_vars(self, values: dict[str, str]) -> None:
        with self._locked():
            self._write(paths.CONFIG, dict(values))

    # -- releases ------------------------------------------------------------
    def releases(self) -> list[Release]:
        return [Release.from_dict(r) for r in self._read(paths.RELEASES, [])]

    def release(self, version: int) -> Release | None:
        return next((r for r in self.releases() if r.version == version), None)

    def current_release(self) -> Release | None:
        done = [r for r in self.releases() if r.status == SUCCEEDED]
        return done[-1] if done else None

    def add_release(self, description: str, slug: str | None, processes: dict[str, str],
                    config_vars: dict[str, str], status: str = SUCCEEDED, commit: str = "") -> Release:
        with self._locked():
            existing = self._read(paths.RELEASES, [])
            release = Release(
                version=(existing[-1]["version"] + 1) if existing else 1,
                description=description,
                created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                user=current_user(), slug=slug, processes=dict(processes), config_vars=dict(config_vars),
                status=status, commit=commit,
            )
            existing.append(asdict(release))
            self._write(paths.RELEASES, existing)
            return release

    def set_release_status(self, version: int, status: str) -> None:
        with self._locked():
            existing = self._read(paths.RELEASES, [])
            for item in existing:
                if item["version"] == version:
                    item["status"] = status
            self._write(paths.RELEASES, existing)

    # -- formation -----------------------------------------------------------
    def formation(self) -> dict[str, int] | None:
        value = self._read(paths.FORMATION, None)
        return {k: int(v) for k, v in value.items()} if value is not None else None

    def set_formation(self, formation: dict[str, int]) -> None:
        with self._locked():
            self._write(paths.FORMATION, formation)

    # -- Heroku Scheduler's jobs ------------------------------------------------
    def jobs(self) -> list[dict]:
        return list(self._read(paths.SCHEDULE, []))

    def set_jobs(self, jobs: list[dict]) -> None:
        with self._locked():
            self._write(paths.SCHEDULE, jobs)

    # -- add-ons' config vars and credentials (their volumes' labels hold none) --
    def addon_records(self) -> dict[str, dict]:
        return dict(self._read(paths.ADDONS, {}))

    def change_addon_records(self, change: Callable[[dict[str, dict]], None]) -> dict[str, dict]:
        """One read-modify-write of every add-on's record (`change` edits the dict in place)."""
        with self._locked():
            records = self.addon_records()
            change(records)
            self._write(paths.ADDONS, records)
            return records

    # -- settings (router port, source path, sizes, last build, …): read and written here only --
    def settings(self) -> Settings:
        data = self._read(paths.SETTINGS, {})
        if not isinstance(data, dict):
            raise StateError(f"{self.path(paths.SETTINGS)} is corrupt (not a JSON object)",
                             hint=f"move it away (`mv {self.path(paths.SETTINGS)} {self.path(paths.SETTINGS)}.bad`); "
                                  "herosim then starts that record afresh")
        return Settings.from_dict(data)

    def change_settings(self, change: Callable[[Settings], Settings]) -> Settings:
        """One read-modify-write of the settings."""
        with self._locked():
            new = change(self.settings())
            self._write(paths.SETTINGS, new.to_dict())
            return new

    def update_settings(self, **changes: Any) -> Settings:
        """Settings' fields by name (`router_port=5006`): a name Settings lacks is a TypeError."""
        return self.change_settings(lambda current: replace(current, **changes))

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


__all__ = ["AppState", "FsOptions", "LastBuild", "Release", "Settings", "PENDING", "SUCCEEDED", "current_user"]
