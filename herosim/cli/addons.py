"""Add-ons: list, create, destroy, info."""

from __future__ import annotations

import click

from herosim.addons import registry, search
from herosim.cli import render
from herosim.cli.base import Env, aliases, app_option, cli, confirm_app, open_url, pass_env
from herosim.const import HEXAGON
from herosim.errors import HerosimError


# -- add-ons ----------------------------------------------------------------------------------
@cli.command("addons")
@app_option
@pass_env
def addons_list(env: Env, app_name):
    """List the app's add-ons."""
    app = env.app(app_name)
    found = app.addons.attached()
    if not found:
        env.printer.info(f"No add-ons for app {app.name}.")
        return
    rows = [("Add-on", "Plan", "Price", "State")]
    for attachment in found:
        rows.append((f"{attachment.service} ({attachment.name})", attachment.plan.partition(":")[2] or "-",
                     "free", app.addons.state(attachment)))
    lines = render.table(rows, rule=True)
    env.printer.data("\n".join(lines[:2]))
    for line, attachment in zip(lines[2:], found, strict=True):
        env.printer.data(line)
        env.printer.data(" └─ as " + (", ".join(k.removesuffix("_URL") for k in attachment.config)
                                or attachment.service.upper()))


@cli.command("addons:create")
@click.argument("plan")
@app_option
@click.option("--engine", type=click.Choice(search.ENGINES),
              help="search add-ons: herosim's lite engine, or an official image (default: official when a "
                   "registry answers, lite offline)")
@click.option("--version", "version", help="heroku-postgresql: the Postgres major version (15, 16, 17; default 17)")
@click.option("--follow", metavar="DATABASE", help="heroku-postgresql: a read-only follower of DATABASE")
@click.option("--fork", metavar="DATABASE", help="heroku-postgresql: a writeable copy of DATABASE")
@click.option("--replication-lag", metavar="DURATION",
              help="herosim's own, with --follow: the follower replays its leader's changes this late (2s, 500ms)")
@pass_env
def addons_create(env: Env, plan, app_name, engine, version, follow, fork, replication_lag):
    """Provision an add-on: heroku-postgresql, heroku-redis, scheduler, elasticsearch, searchbox, bonsai
    (PLAN[:TIER])."""
    app = env.app(app_name, create=True)
    if follow and fork:
        raise HerosimError("--follow and --fork exclude each other", hint="a follower follows; a fork is a copy")
    if replication_lag is not None and not follow:
        raise HerosimError("--replication-lag is for followers", hint="add --follow DATABASE_URL")
    action = f"Creating {plan} on {HEXAGON} {app.name}"
    try:
        if follow or fork:
            attachment = app.followers.create(plan, follow or fork, "follow" if follow else "fork", replication_lag)
        else:
            attachment = app.addons.create(plan, engine=engine, version=version)
    except HerosimError:
        env.printer.info(f"{action}... !")
        raise
    env.printer.info(f"{action}... {registry.price_text(plan)}")
    lines = (["Follower will become available for read-only queries when up-to-date"] if follow
             else registry.provision_lines(attachment.plan) if not fork else [])
    for line in lines:
        env.printer.data(line)
    named = primary_vars(attachment.config)
    env.printer.data(f"Created {attachment.name}" + (f" as {', '.join(named)}" if named else ""))
    env.printer.data(f"Run herosim addons:docs {attachment.service} to view documentation.")


def primary_vars(config: dict[str, str]) -> list[str]:
    """The config vars Heroku names after `Created … as`: DATABASE_URL, not the color alias
    HEROKU_POSTGRESQL_<COLOR>_URL that points at the same database."""
    named = [k for k in config if not k.startswith("HEROKU_POSTGRESQL_")]
    return named or list(config)


aliases(addons_create, "addons:add")


@cli.command("addons:docs")
@click.argument("addon")
@app_option
@click.option("--show-url", is_flag=True, help="show URL, do not open browser")
@pass_env
def addons_docs(env: Env, addon, app_name, show_url):
    """Open an add-on's Dev Center documentation (the URL alone without a display)."""
    url = f"https://devcenter.heroku.com/articles/{registry.canonical_plan(addon).split(':')[0]}"
    if show_url:
        env.printer.data(url)
        return
    env.printer.data(f"Opening {url}...")
    open_url(url)


@cli.command("addons:destroy")
@click.argument("name")
@app_option
@click.option("--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def addons_destroy(env: Env, name, app_name, confirm):
    """Remove an add-on and its data."""
    app = env.app(app_name)
    confirm_app(env, app, f"WARNING: Destructive Action. This command will affect the app {app.name}", confirm)
    removed = app.addons.destroy(name)
    env.printer.info(f"Destroying {', '.join(removed)} on {HEXAGON} {app.name}... done")


@cli.command("addons:info")
@click.argument("name")
@app_option
@pass_env
def addons_info(env: Env, name, app_name):
    """Show an add-on: its plan, state, config vars and what protects it."""
    app = env.app(app_name)
    attachment = app.addons.find(name)
    state = app.addons.state(attachment)
    rows = [("Attachments", ", ".join(f"{app.name}::{k.removesuffix('_URL')}" for k in attachment.config)),
            ("Owning app", app.name), ("Plan", attachment.plan), ("Price", "free"), ("State", state),
            ("Credentials", app.addons.credentials(attachment))]
    env.printer.data(f"=== {attachment.name}")
    env.printer.data("\n".join(render.fields(rows)))
