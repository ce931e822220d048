"""Heroku's app commands: apps:create, apps, apps:info, apps:destroy, apps:rename, open.
Progress (`Creating ⬢ x... done`) goes to stderr and data to stdout, as Heroku's CLI does."""

from __future__ import annotations

from pathlib import Path

import click

from herosim.app import catalog
from herosim.cli import render
from herosim.cli.base import Env, aliases, app_option, cli, confirm_app, open_url, pass_env
from herosim.const import HEXAGON
from herosim.errors import HerosimError
from herosim.git import remotes, repo
from herosim.platform import names
from herosim.platform.releases import current_user
from herosim.runtime import launcher
from herosim.runtime.dyno import DynoView


# -- apps:create ------------------------------------------------------------------------------
@cli.command("apps:create")
@click.argument("name", required=False)
@click.option("-r", "--remote", default="heroku", show_default=True, help="the git remote to create")
@click.option("-n", "--no-remote", is_flag=True, help="do not create a git remote")
@click.option("--json", "as_json", is_flag=True, help="output in json format")
@pass_env
def apps_create(env: Env, name, remote, no_remote, as_json):
    """Create a new app: a name, a router port of its own and a Heroku Git repository; in a
    git repository, the `heroku` remote to push to."""
    name = name or names.from_environment()
    action = f"Creating {HEXAGON} {name}" if name else "Creating app"
    try:
        state = catalog.create(name, launcher.port_free)
    except HerosimError:
        env.printer.info(f"{action}... !")
        raise
    env.printer.info(f"{action}... done" + ("" if name else f", {HEXAGON} {state.app}"))
    where = Path.cwd()
    if not no_remote and (where / ".git").exists():
        if not remotes.add_if_missing(where, remote, repo.url(state.app)):
            _say_remote_kept(env, where, remote, state.app)
    record = catalog.record(state)
    if as_json:
        env.printer.json(record.as_json())
    else:
        env.printer.data(f"{record.web_url} | {record.git_url}")


def _say_remote_kept(env: Env, where: Path, remote: str, app: str) -> None:
    """Heroku leaves an existing remote of that name alone, silently; herosim says where a push
    to it would go when that is not this app."""
    url = remotes.listed(where).get(remote, "")
    if repo.app_of(url) != app:
        env.printer.info(f" ▸    Warning: git remote {remote} already points at {url} and was left alone: "
                         f"`git push {remote} main` does not reach {app}; herosim git:remote -a {app} "
                         f"-r herosim adds a remote that does")


aliases(apps_create, "create")


# -- apps -------------------------------------------------------------------------------------
@cli.command("apps")
@click.option("-j", "--json", "as_json", is_flag=True, help="output in json format")
@pass_env
def apps_list(env: Env, as_json):
    """List your apps."""
    from herosim.platform.state import AppState
    records = [catalog.record(AppState(name)) for name in catalog.known()]
    if as_json:
        env.printer.json([r.as_json() for r in records])
    elif not records:
        env.printer.data("You have no apps.")
    else:
        env.printer.data(f"=== {current_user()} Apps\n")
        for record in records:
            env.printer.data(f"{HEXAGON} {record.name}")


aliases(apps_list, "list", "apps:list")


# -- apps:info --------------------------------------------------------------------------------
@cli.command("apps:info")
@click.argument("app_arg", metavar="[APP]", required=False)
@app_option
@click.option("-j", "--json", "as_json", is_flag=True, help="output in json format")
@click.option("-s", "--shell", is_flag=True, help="output more shell friendly key/value pairs")
@pass_env
def apps_info(env: Env, app_arg, app_name, as_json, shell):
    """Show detailed app information: its web URL and git URL, add-ons, dynos, sizes."""
    app = env.app(app_arg or app_name)
    addons = sorted(a.plan for a in app.addons.attached())
    record = catalog.record(app.state, addons)
    dynos = app.dynos.status()
    if as_json:
        env.printer.json({"addons": [{"plan": {"name": p}} for p in addons], "app": record.as_json(),
                          "collaborators": [], "dynos": [d.to_dict() for d in dynos], "pipeline_coupling": None})
        return
    counts = _count_types(dynos)
    if shell:
        for key, value in [("auto_cert_mgmt", "false"), ("addons", ",".join(addons)), ("collaborators", ""),
                           ("git_url", record.git_url), ("web_url", record.web_url),
                           ("repo_size", catalog.jedec(record.repo_size)),
                           ("slug_size", catalog.jedec(record.slug_size)), ("owner", record.owner),
                           ("region", record.region), ("dynos", "{ " + counts + " }" if counts else "{}"),
                           ("stack", record.stack)]:
            env.printer.data(f"{key}={value}")
        return
    rows: list[tuple[str, str | list[str]]] = [("Addons", addons)] if addons else []
    rows += [("Auto Cert Mgmt", "false"), ("Git URL", record.git_url), ("Web URL", record.web_url),
             ("Repo Size", catalog.jedec(record.repo_size)), ("Slug Size", catalog.jedec(record.slug_size)),
             ("Owner", record.owner), ("Region", record.region), ("Dynos", counts), ("Stack", record.stack)]
    env.printer.data(f"=== {HEXAGON} {app.name}\n")
    env.printer.data("\n".join(render.styled(rows)))


def _count_types(dynos: list[DynoView]) -> str:
    """_.countBy(dynos, 'type') as Heroku's styledObject prints it: `web: 1, worker: 1`."""
    counts: dict[str, int] = {}
    for dyno in dynos:
        counts[dyno.type] = counts.get(dyno.type, 0) + 1
    return ", ".join(f"{kind}: {n}" for kind, n in counts.items())


aliases(apps_info, "info")


# -- apps:destroy -----------------------------------------------------------------------------
@cli.command("apps:destroy")
@click.argument("app_arg", metavar="[APP]", required=False)
@app_option
@click.option("-c", "--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def apps_destroy(env: Env, app_arg, app_name, confirm):
    """Remove the app: containers, add-ons and their data, network, images, config, releases,
    its Heroku Git repository (and this repository's remotes that point at it)."""
    app = env.app(app_arg or app_name, create=True)
    confirm_app(env, app, f"WARNING: This will delete {HEXAGON} {app.name} including all add-ons.", confirm)
    app.destroy()
    remotes.remove_pointing_at(Path.cwd(), app.name)
    env.printer.info(f"Destroying {HEXAGON} {app.name} (including all add-ons)... done")


aliases(apps_destroy, "destroy", hidden=False)
aliases(apps_destroy, "apps:delete")


# -- apps:rename ------------------------------------------------------------------------------
@cli.command("apps:rename")
@click.argument("newname")
@app_option
@pass_env
def apps_rename(env: Env, newname, app_name):
    """Rename an app: its add-on data, config vars, releases and slugs are kept; this
    repository's git remotes that pointed at it are updated."""
    from herosim.app import rename as rename_mod
    app = env.app(app_name)
    action = f"Renaming {HEXAGON} {app.name} to {newname}"
    try:
        state = rename_mod.rename(app, newname)
    except HerosimError:
        env.printer.info(f"{action}... !")
        raise
    env.printer.info(f"{action}... done")
    record = catalog.record(state)
    env.printer.data(f"{record.web_url} | {record.git_url}")
    if (Path.cwd() / ".git").exists():
        for remote in remotes.rename_pointing_at(Path.cwd(), app.name, newname):
            env.printer.data(f"Git remote {remote} updated")
    env.printer.info(" ▸    Warning: Don't forget to update git remotes for all other local checkouts of the app.")


aliases(apps_rename, "rename")


# -- open -------------------------------------------------------------------------------------
@cli.command("apps:open")
@click.argument("path", required=False, default="")
@app_option
@click.option("--dashboard", "on_dashboard", is_flag=True,
              help="the app's page on the local dashboard (started in the background when none runs)")
@pass_env
def apps_open(env: Env, path, app_name, on_dashboard):
    """Open the app in a web browser (the URL alone when there is no display)."""
    app = env.app(app_name)
    if on_dashboard:
        from herosim.dashboard import launcher
        url = launcher.url_for(launcher.ensure(), app.name)
    else:
        url = catalog.web_urls(app.router_port)[0] + path.lstrip("/")
    env.printer.data(f"Opening {url}...")
    open_url(url)


aliases(apps_open, "open")
