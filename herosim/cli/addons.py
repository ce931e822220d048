"""Add-ons: list, create, destroy, info."""

from __future__ import annotations

import click

from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, confirm_app, pass_env
from herosim.const import HEXAGON


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
    click.echo("\n".join(lines[:2]))
    for line, attachment in zip(lines[2:], found):
        click.echo(line)
        click.echo(" └─ as " + (", ".join(k.removesuffix("_URL") for k in attachment.config)
                                or attachment.service.upper()))


@cli.command("addons:create")
@click.argument("plan")
@app_option
@click.option("--engine", type=click.Choice(["lite", "elasticsearch", "opensearch"]),
              help="search add-ons: herosim's lite engine, or an official image (default: official when a "
                   "registry answers, lite offline)")
@click.option("--version", "version", help="heroku-postgresql: the Postgres major version (15, 16, 17; default 17)")
@pass_env
def addons_create(env: Env, plan, app_name, engine, version):
    """Provision an add-on: heroku-postgresql, heroku-redis, scheduler, elasticsearch, searchbox, bonsai
    (PLAN[:TIER])."""
    app = env.app(app_name, create=True)
    attachment = app.addons.create(plan, engine=engine, version=version)
    env.printer.info(f"Created {attachment.name}" + (f" as {', '.join(attachment.config)}" if attachment.config else ""))


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
    click.echo(f"=== {attachment.name}")
    click.echo("\n".join(render.fields(rows)))
