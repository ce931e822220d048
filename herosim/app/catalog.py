"""The apps herosim keeps under $HEROSIM_HOME, as the Platform API knows Heroku's: created
(`apps:create`: a name, a router port of its own, a Heroku Git repository, no directory),
listed, described. Needs no Docker engine."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from herosim import paths
from herosim.const import DEFAULT_ROUTER_PORT
from herosim.errors import HerosimError
from herosim.git import repo
from herosim.platform import names
from herosim.platform.releases import current_user
from herosim.platform.state import AppState

HEROKU_STACK = "heroku-24"   # the stack herosim's builds stand for (its Debian stacks are how it runs them)
REGION = "us"


def https_url(port: int) -> str:
    return f"https://127.0.0.1:{port}/"


def http_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def web_urls(port: int) -> list[str]:
    """The app's web URLs, HTTPS first as Heroku's web_url is (the router's port answers both)."""
    return [https_url(port), http_url(port)]


def router_port(state: AppState) -> int:
    return state.settings().router_port or DEFAULT_ROUTER_PORT


def known(home: Path | None = None) -> list[str]:
    """Every app with state under $HEROSIM_HOME, sorted by name."""
    folder = (home or paths.home()) / "apps"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def ports_in_use(home: Path | None = None, but: str | None = None) -> set[int]:
    """Router ports other apps have (or would take: 5006 for an app that never chose one)."""
    taken = set()
    for name in known(home):
        if name != but:
            taken.add(AppState(name, home).settings().router_port or DEFAULT_ROUTER_PORT)
    return taken


def first_port(taken: set[int], free: Callable[[int], bool], start: int = DEFAULT_ROUTER_PORT) -> int:
    """The first port from `start` that no other app has and nothing listens on."""
    port = start
    while port in taken or not free(port):
        port += 1
        if port > 65535:
            raise HerosimError("No free router port above 5006", hint="destroy apps you no longer need")
    return port


def create(name: str | None, free: Callable[[int], bool]) -> AppState:
    """A new app: Heroku's name rules (a generated name when none is given), a router port of
    its own, its Heroku Git repository. Its code arrives by `git push`."""
    taken_names = set(known())
    if name is None:
        name = names.generated(taken_names)
    names.check_new(name)
    state = AppState(name)
    if state.exists or repo.exists(name):
        raise HerosimError(f"Name {name} is already taken", hint="choose another name, or none for a generated one")
    port = first_port(ports_in_use(), free)
    paths.private_dir(state.dir)
    state.update_settings(router_port=port, app_id=str(uuid.uuid4()), created_at=_now(), created_by="apps:create")
    repo.create(name)
    return state


@dataclass(frozen=True)
class AppRecord:
    """What `apps:info` and `apps --json` say of an app (Heroku's App object, local values)."""
    name: str
    id: str
    web_url: str
    git_url: str
    created_at: str | None
    released_at: str | None
    owner: str
    repo_size: int
    slug_size: int | None
    maintenance: bool
    stack: str = HEROKU_STACK
    region: str = REGION
    addons: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The Platform API's App fields herosim has a value for."""
        return {"acm": False, "archived_at": None, "build_stack": {"name": self.stack},
                "created_at": self.created_at, "git_url": self.git_url, "id": self.id,
                "maintenance": self.maintenance, "name": self.name, "owner": {"email": self.owner},
                "region": {"name": self.region}, "released_at": self.released_at, "repo_size": self.repo_size,
                "slug_size": self.slug_size, "stack": {"name": self.stack}, "web_url": self.web_url}


def record(state: AppState, addons: list[str] | None = None) -> AppRecord:
    settings = state.settings()
    current = state.current_release()
    return AppRecord(
        name=state.app, id=settings.app_id, web_url=web_urls(router_port(state))[0],
        git_url=repo.url(state.app), created_at=settings.created_at,
        released_at=current.created_at if current else None, owner=current_user(),
        repo_size=_size(repo.path(state.app)), slug_size=settings.slug_size,
        maintenance=settings.maintenance, addons=sorted(addons or []))


def jedec(size: int | None) -> str:
    """filesize(n, {round: 0, standard: 'jedec'}), as Heroku's CLI prints sizes: 1000 B, 23 MB."""
    value = float(size or 0)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value + 0.5)} {unit}"
        value /= 1024
    return f"{int(value + 0.5)} TB"


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
