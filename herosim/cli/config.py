"""Config vars and releases."""

from __future__ import annotations

import datetime as dt
import json

import click

from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.platform.config_vars import check_key, describe_keys, parse_assignments
from herosim.const import HEXAGON


# -- config vars ------------------------------------------------------------------------------
@cli.command("config")
@app_option
@click.option("-s", "--shell", is_flag=True, help="output config vars in shell format")
@click.option("-j", "--json", "as_json", is_flag=True, help="output config vars in json format")
@pass_env
def config_(env: Env, app_name, shell, as_json):
    """Display the config vars for an app."""
    app = env.app(app_name)
    values = app.config.all()
    if as_json:
        click.echo(json.dumps(values, indent=2, sort_keys=True))
    elif shell:
        click.echo("\n".join(render.shell(values)))
    else:
        click.echo("\n".join(render.config(values, app.name)))


@cli.command("config:get")
@click.argument("key")
@app_option
@pass_env
def config_get(env: Env, key, app_name):
    """Display a single config value."""
    value = env.app(app_name).config.all().get(key)
    click.echo("" if value is None else value)


@cli.command("config:set")
@click.argument("assignments", nargs=-1)
@app_option
@pass_env
def config_set(env: Env, assignments, app_name):
    """Set one or more config vars (KEY=value …) and restart the dynos."""
    values = parse_assignments(assignments)
    app = env.app(app_name)
    release = app.config.change(values)
    env.printer.info(f"Setting {describe_keys(values)} and restarting {HEXAGON} {app.name}... "
                     f"done, v{release.version}")
    width = max(len(k) for k in values) + 1
    for key, value in values.items():
        click.echo(f"{(key + ':').ljust(width)} {value}")


@cli.command("config:unset")
@click.argument("keys", nargs=-1, required=True)
@app_option
@pass_env
def config_unset(env: Env, keys, app_name):
    """Unset one or more config vars and restart the dynos."""
    for key in keys:
        check_key(key)
    app = env.app(app_name)
    release = app.config.change({}, list(keys))
    env.printer.info(f"Unsetting {describe_keys(keys)} and restarting {HEXAGON} {app.name}... "
                     f"done, v{release.version}")


@cli.command()
@app_option
@pass_env
def releases(env: Env, app_name):
    """List the app's releases."""
    state = env.state(app_name)
    for line in render.releases(state.releases(), state.app, dt.datetime.now(dt.timezone.utc)):
        click.echo(line)
