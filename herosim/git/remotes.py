"""The developer's repository: its remotes that point at herosim's Heroku Git, read and set as
Heroku's CLI does (`git remote -v`, `heroku.remote` in git's config)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from herosim.git import command, repo


@dataclass(frozen=True)
class AppRemote:
    remote: str     # heroku
    app: str        # flask-microblog


def in_repository(where: Path) -> bool:
    """Whether `where` is inside a git work tree (quietly False when git is missing)."""
    try:
        result = command.run("rev-parse", "--is-inside-work-tree", cwd=where, check=False)
    except Exception:  # noqa: BLE001 - no git: not a repository for our purposes
        return False
    return result.returncode == 0 and result.stdout.strip() == "true"


def listed(where: Path) -> dict[str, str]:
    """Remote name -> fetch URL (empty outside a repository)."""
    if not in_repository(where):
        return {}
    return parse_listing(command.output("remote", "-v", cwd=where))


def parse_listing(text: str) -> dict[str, str]:
    """`git remote -v`'s lines -> remote name -> fetch URL."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, _, rest = line.partition("\t")
        if rest.endswith("(fetch)"):
            out[name] = rest.rsplit(" ", 1)[0]
    return out


def apps(remotes: dict[str, str], only: str | None = None) -> list[AppRemote]:
    """The remotes that name a herosim app (only `only`, when given), as the CLI's app flag
    reads them."""
    found = []
    for name, url in remotes.items():
        if only and name != only:
            continue
        app = repo.app_of(url)
        if app:
            found.append(AppRemote(name, app))
    return found


def configured_remote(where: Path) -> str | None:
    """`git config heroku.remote`: the remote Heroku's CLI reads apps from by default."""
    if not in_repository(where):
        return None
    result = command.run("config", "heroku.remote", cwd=where, check=False)
    return result.stdout.strip() or None


def set_remote(where: Path, name: str, url: str, extra: list[str] | tuple[str, ...] = ()) -> None:
    """`git remote add`, or `set-url` when the remote exists (git:remote); `extra` arguments
    go to git, as Heroku's CLI passes them."""
    verb = "set-url" if name in listed(where) else "add"
    command.run("remote", verb, name, url, *extra, cwd=where)


def add_if_missing(where: Path, name: str, url: str) -> bool:
    """apps:create's remote: added when no remote of that name exists (an existing one is left
    alone, as Heroku's CLI leaves it)."""
    if name in listed(where):
        return False
    command.run("remote", "add", name, url, cwd=where)
    return True


def remove_pointing_at(where: Path, app: str) -> list[str]:
    """apps:destroy: the remotes of this repository that point at the app go too."""
    names = [r.remote for r in apps(listed(where)) if r.app == app]
    for name in names:
        command.run("remote", "remove", name, cwd=where)
    return names


def rename_pointing_at(where: Path, old: str, new: str) -> list[str]:
    """apps:rename: remotes that pointed at the old app now point at the new one."""
    names = [r.remote for r in apps(listed(where)) if r.app == old]
    for name in names:
        command.run("remote", "set-url", name, repo.url(new), cwd=where)
    return names
