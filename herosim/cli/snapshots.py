"""snapshot:save, snapshot:load, snapshots, snapshot:remove: an app's state, saved and put back."""

from __future__ import annotations

import click

from herosim.app.postgres import size_text
from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, confirm_app, pass_env
from herosim.const import HEXAGON
from herosim.errors import HerosimError
from herosim.platform import snapshots as store


@cli.command("snapshot:save")
@click.argument("name")
@app_option
@click.option("--force", is_flag=True, help="replace a snapshot of that name")
@pass_env
def snapshot_save(env: Env, name, app_name, force):
    """Save the app's add-on data, config vars, release and formation as NAME (dynos stop meanwhile)."""
    app = env.app(app_name)
    snapshot = app.snapshots.save(name, replace=force)
    addons = ", ".join(a.name for a in snapshot.addons) or "no add-on data"
    release = f"v{snapshot.release}" if snapshot.release else "no release"
    env.printer.info(f"Saving snapshot {name} of {HEXAGON} {app.name}... done, {release}, {addons} "
                     f"({size_text(snapshot.size)})")


@cli.command("snapshot:load")
@click.argument("name")
@app_option
@click.option("--other-app", is_flag=True, help="load a snapshot saved from another app")
@click.option("--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def snapshot_load(env: Env, name, app_name, other_app, confirm):
    """Put NAME back: add-on data, config vars, release, formation (dynos stop meanwhile)."""
    app = env.app(app_name)
    snapshot = app.snapshots.loadable(name, other_app)
    confirm_app(env, app, f"WARNING: Destructive action: {HEXAGON} {app.name}'s add-on data and config vars "
                          f"are replaced by snapshot {name} (of {snapshot.app}, {snapshot.created_at}).", confirm)
    loaded = app.snapshots.load(name, other_app=other_app)
    for data, target in loaded.pairs:
        env.printer.info(f"  {data.name} ({data.attachment}) -> {target}")
    for untouched in loaded.untouched:
        env.printer.info(f"  {untouched}: not in the snapshot, left as it is")
    if loaded.release is None:
        said = "the current release already runs it"
    elif loaded.own_slug:
        said = f"v{loaded.release.version} runs v{snapshot.release}'s slug and config vars"
    else:
        said = f"v{loaded.release.version} runs {app.name}'s own slug with the snapshot's config vars"
    env.printer.info(f"Loading snapshot {name} into {HEXAGON} {app.name}... done, {said}")


@cli.command("snapshots")
@app_option
@click.option("--all", "every", is_flag=True, help="every app's snapshots")
@pass_env
def snapshots_list(env: Env, app_name, every):
    """The snapshots saved under $HEROSIM_HOME (the app's; --all: every app's)."""
    found = store.all_snapshots()
    name = None if every else env.state(app_name, create=True).app
    found = [s for s in found if name is None or s.app == name]
    env.printer.data(f"=== Snapshots{'' if name is None else f' of {HEXAGON} {name}'}")
    if not found:
        env.printer.data("No snapshots. Save one with herosim snapshot:save NAME")
        return
    rows = [("Name", "App", "Release", "Add-ons", "Size", "Saved at")]
    rows += [(s.name, s.app, f"v{s.release}" if s.release else "-", ", ".join(a.attachment for a in s.addons) or "-",
              size_text(s.size), s.created_at) for s in found]
    env.printer.data("\n".join(render.table(rows, rule=True)))


@cli.command("snapshot:remove")
@click.argument("name")
@app_option
@pass_env
def snapshot_remove(env: Env, name, app_name):
    """Remove the app's snapshot NAME (its data and config vars)."""
    app = env.state(app_name, create=True).app
    snapshot = store.read(name)
    if snapshot.app != app:
        raise HerosimError(f"Snapshot {name} is of {HEXAGON} {snapshot.app}, not of {HEXAGON} {app}.",
                           hint=f"herosim snapshot:remove {name} -a {snapshot.app}")
    store.remove(name)
    env.printer.info(f"Removing snapshot {name} of {HEXAGON} {snapshot.app}... done")
