"""What Heroku keeps for an app besides containers: config vars, releases, formation.

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
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from herosim import paths
from herosim.platform import jsonfile
from herosim.platform.releases import PENDING, SUCCEEDED, Release, current_user


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

    # -- settings (router port, source path, sizes, last build) ----------------
    def settings(self) -> dict:
        return dict(self._read(paths.SETTINGS, {}))

    def update_settings(self, **values) -> dict:
        with self._locked():
            current = self.settings()
            current.update({k: v for k, v in values.items() if v is not None})
            self._write(paths.SETTINGS, current)
            return current

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


__all__ = ["AppState", "Release", "PENDING", "SUCCEEDED", "current_user"]
