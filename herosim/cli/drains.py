"""Log drains, as Heroku's CLI shows them (src/commands/drains/*.ts): `drains`, `drains:add`,
`drains:remove`, and `drains:info` (the Platform API's log-drain object; Heroku's CLI has no
such command, so it is rendered as its CLI renders other objects)."""

from __future__ import annotations

import click

from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.drains.store import DrainStore


@cli.command("drains")
@app_option
@click.option("--json", "as_json", is_flag=True, help="output in json format")
@click.option("-x", "--extended", is_flag=True, hidden=True)
@pass_env
def drains(env: Env, app_name, as_json, extended):
    """Display the log drains of an app."""
    app = env.app(app_name)
    found = DrainStore(app.state).list()
    if as_json:
        env.printer.json([d.to_dict() for d in found])
        return
    if found:
        env.printer.data("=== Drains\n")
    for drain in found:
        env.printer.data(f"{drain.url} ({drain.token})" + (f" drain_id={drain.id}" if extended else ""))


@cli.command("drains:add")
@click.argument("url")
@app_option
@pass_env
def drains_add(env: Env, url, app_name):
    """Add a log drain to an app: https://…, syslog://host:port or syslog+tls://host:port."""
    app = env.app(app_name)
    with app.ctx.changing():
        drain = DrainStore(app.state).add(url)
    env.printer.data(f"Successfully added drain {drain.url}")


@cli.command("drains:remove")
@click.argument("url_or_token", metavar="URL|TOKEN")
@app_option
@pass_env
def drains_remove(env: Env, url_or_token, app_name):
    """Remove a log drain from an app."""
    app = env.app(app_name)
    with app.ctx.changing():
        drain = DrainStore(app.state).remove(url_or_token)
    env.printer.data(f"Successfully removed drain {drain.url}")


@cli.command("drains:info")
@click.argument("url_or_token", metavar="URL|TOKEN")
@app_option
@click.option("--json", "as_json", is_flag=True, help="output in json format")
@pass_env
def drains_info(env: Env, url_or_token, app_name, as_json):
    """Show one log drain."""
    app = env.app(app_name)
    drain = DrainStore(app.state).find(url_or_token)
    if as_json:
        env.printer.json(drain.to_dict())
        return
    env.printer.data(f"=== {drain.url}\n")
    for line in render.fields([("Created At", drain.created_at), ("Id", drain.id), ("Token", drain.token),
                               ("Updated At", drain.updated_at), ("Url", drain.url)]):
        env.printer.data(line)
