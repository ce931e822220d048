"""`git:remote`: point a remote of this repository at an app's Heroku Git repository."""

from __future__ import annotations

from pathlib import Path

import click

from herosim.cli.base import Env, cli, pass_env
from herosim.errors import HerosimError
from herosim.git import remotes, repo
from herosim.platform import names
from herosim.platform.state import AppState


@cli.command("git:remote", context_settings={"ignore_unknown_options": True})
@click.option("-a", "--app", "app_name", metavar="APP", help="the app to use")
@click.option("-r", "--remote", metavar="REMOTE", help="the git remote to create (default: heroku)")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
@pass_env
def git_remote(env: Env, app_name, remote, extra):
    """Add a git remote to an app repo (`git push heroku main` then deploys to it)."""
    extra = list(extra)
    name = app_name or (extra.pop(0) if extra and not extra[0].startswith("-") else None) \
        or names.from_environment()
    if not name:
        raise HerosimError("Specify an app with --app", hint="herosim git:remote -a APP")
    state = AppState(names.check(name))
    if not state.exists:
        raise HerosimError("Couldn't find that app.", hint=f"herosim apps:create {name} makes it")
    where = Path.cwd()
    if not remotes.in_repository(where):
        raise HerosimError(f"{where} is not in a git repository", hint="git init, commit, then run this again")
    remote = remote or remotes.configured_remote(where) or "heroku"
    _refuse_foreign(where, remote, name)
    repo.create(name)   # an app `herosim up` made has none yet; the hook is rewritten for this herosim
    remotes.set_remote(where, remote, repo.url(name), extra)
    env.printer.data(f"set git remote {remote} to {remotes.listed(where)[remote]}")


def _refuse_foreign(where: Path, remote: str, app: str) -> None:
    """Heroku overwrites a remote of that name; herosim will not overwrite one that points
    somewhere else than herosim (a real Heroku app, GitHub): that URL would be lost."""
    url = remotes.listed(where).get(remote)
    if url and repo.app_of(url) is None:
        raise HerosimError(f"git remote {remote} points at {url}, which is not a herosim app",
                           hint=f"use another remote name: herosim git:remote -a {app} -r herosim "
                                f"(then git push herosim main), or rename that one: git remote rename {remote} "
                                f"{remote}-prod")
