"""What Heroku keeps for an app besides containers: config vars, releases, formation.

Kept per app under $HEROSIM_HOME (default ~/.local/share/herosim), outside the
app's tree. Containers, volumes and networks are never recorded here: labels
are their only record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from herosim.const import ENV_HOME
from herosim.errors import HerosimError

APP_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,29}$")


def home() -> Path:
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "herosim"


def app_name_from_dir(path: Path) -> str:
    """Heroku's app-name rules applied to a directory name: lowercase, digits, dashes."""
    name = re.sub(r"[^a-z0-9-]+", "-", path.resolve().name.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = "app-" + name
    return name[:30].rstrip("-")


def check_app_name(name: str) -> str:
    if not APP_NAME_RE.match(name):
        raise HerosimError(
            f"Invalid app name {name!r}",
            hint="Name must start with a letter, end with a letter or digit and can only "
                 "contain lowercase letters, digits, and dashes (2 to 30 characters)",
        )
    return name


@dataclass(frozen=True)
class Release:
    version: int
    description: str
    created_at: str
    user: str
    slug: str | None = None                      # slug image id
    processes: dict[str, str] = field(default_factory=dict)
    config_vars: dict[str, str] = field(default_factory=dict)
    status: str = "succeeded"

    @property
    def name(self) -> str:
        return f"v{self.version}"


class AppState:
    """One app's persisted platform data; every write is atomic and locked."""

    def __init__(self, app: str, root: Path | None = None):
        self.app = app
        self.dir = (root or home()) / "apps" / app

    # -- files ---------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.dir / name

    @contextlib.contextmanager
    def locked(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self, name: str, default):
        try:
            return json.loads((self.dir / name).read_text())
        except FileNotFoundError:
            return default
        except json.JSONDecodeError as exc:
            raise HerosimError(f"{self.dir / name} is corrupt: {exc}",
                               hint="fix or delete the file; herosim rewrites it") from exc

    def _write(self, name: str, value) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{name}.tmp"
        tmp.write_text(json.dumps(value, indent=2) + "\n")  # order kept: Procfile types
        os.replace(tmp, self.dir / name)

    # -- config vars ---------------------------------------------------------
    def config_vars(self) -> dict[str, str]:
        return dict(self._read("config.json", {}))

    def update_config_vars(self, set_vars: dict[str, str], unset: list[str] = ()) -> dict[str, str]:
        with self.locked():
            current = self.config_vars()
            current.update(set_vars)
            for key in unset:
                current.pop(key, None)
            self._write("config.json", current)
            return current

    # -- releases ------------------------------------------------------------
    def releases(self) -> list[Release]:
        return [Release(**r) for r in self._read("releases.json", [])]

    def current_release(self) -> Release | None:
        done = [r for r in self.releases() if r.status == "succeeded"]
        return done[-1] if done else None

    def add_release(self, description: str, slug: str | None, processes: dict[str, str],
                    config_vars: dict[str, str], status: str = "succeeded") -> Release:
        with self.locked():
            existing = self._read("releases.json", [])
            release = Release(
                version=(existing[-1]["version"] + 1) if existing else 1,
                description=description,
                created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                user=current_user(),
                slug=slug,
                processes=dict(processes),
                config_vars=dict(config_vars),
                status=status,
            )
            existing.append(asdict(release))
            self._write("releases.json", existing)
            return release

    def set_release_status(self, version: int, status: str) -> None:
        with self.locked():
            existing = self._read("releases.json", [])
            for item in existing:
                if item["version"] == version:
                    item["status"] = status
            self._write("releases.json", existing)

    # -- formation -----------------------------------------------------------
    def formation(self) -> dict[str, int] | None:
        value = self._read("formation.json", None)
        return {k: int(v) for k, v in value.items()} if value is not None else None

    def set_formation(self, formation: dict[str, int]) -> None:
        with self.locked():
            self._write("formation.json", formation)

    # -- settings (router port, source path) -----------------------------------
    def settings(self) -> dict:
        return dict(self._read("settings.json", {}))

    def update_settings(self, **values) -> dict:
        with self.locked():
            current = self.settings()
            current.update({k: v for k, v in values.items() if v is not None})
            self._write("settings.json", current)
            return current

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def current_user() -> str:
    return os.environ.get("HEROSIM_USER") or f"{os.environ.get('USER', 'developer')}@localhost"
