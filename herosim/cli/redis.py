"""Key-Value Store commands: redis:info (redis), redis:cli, redis:maxmemory, redis:timeout."""

from __future__ import annotations

import sys

import click

from herosim.addons import keyvalue
from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.cli.dynos import _to_terminal


def _described(attachment) -> str:
    return f"{attachment.name} ({', '.join(attachment.config)})"


@cli.command("redis:info")
@click.argument("database", required=False)
@app_option
@pass_env
def redis_info(env: Env, database, app_name):
    """Information about the app's Key-Value Store."""
    app = env.app(app_name)
    attachment = app.keyvalue.find(database)
    rows = app.keyvalue.info(attachment)
    click.echo(f"=== {_described(attachment)}")
    click.echo("\n".join(render.fields(rows)))


cli.add_command(redis_info, "redis")


@cli.command("redis:cli")
@click.argument("database", required=False)
@app_option
@pass_env
def redis_cli(env: Env, database, app_name):
    """A prompt on the app's Key-Value Store (TLS, authenticated)."""
    app = env.app(app_name)
    attachment = app.keyvalue.find(database)
    click.echo(f"Connecting to {_described(attachment)}:")
    use_tty = sys.stdin.isatty() and sys.stdout.isatty()
    status = app.keyvalue.prompt(attachment, _to_terminal, use_tty=use_tty)
    click.echo("\nDisconnected from instance.")
    sys.exit(status)


@cli.command("redis:maxmemory")
@click.argument("database", required=False)
@app_option
@click.option("-p", "--policy", required=True, help="the key eviction policy: " + ", ".join(keyvalue.POLICIES))
@pass_env
def redis_maxmemory(env: Env, database, app_name, policy):
    """Set the key eviction policy used when the store reaches its plan's memory."""
    app = env.app(app_name)
    attachment = app.keyvalue.find(database)
    app.keyvalue.set_policy(attachment, policy)
    click.echo(f"Maxmemory policy for {_described(attachment)} set to {policy}.")
    click.echo(f"{policy} {keyvalue.POLICIES[policy]}.")


@cli.command("redis:timeout")
@click.argument("database", required=False)
@app_option
@click.option("-s", "--seconds", type=int, required=True, help="idle seconds before a connection is closed (0: never)")
@pass_env
def redis_timeout(env: Env, database, app_name, seconds):
    """Set the number of seconds to wait before killing idle connections."""
    app = env.app(app_name)
    attachment = app.keyvalue.find(database)
    app.keyvalue.set_timeout(attachment, seconds)
    click.echo(f"Timeout for {_described(attachment)} set to {seconds} seconds.")
    if seconds == 0:
        click.echo("Connections to the Redis instance can idle indefinitely.")
    else:
        click.echo(f"Connections to the Redis instance will be stopped after idling for {seconds} seconds.")


@cli.command("redis:credentials")
@click.argument("database", required=False)
@app_option
@click.option("--reset", is_flag=True, help="reset credentials")
@pass_env
def redis_credentials(env: Env, database, app_name, reset):
    """Display the Key-Value Store's URL, or reset its credentials (a release; the dynos restart)."""
    app = env.app(app_name)
    attachment = app.keyvalue.find(database)
    if reset:
        click.echo(f"Resetting credentials for {attachment.name}")
        app.keyvalue.reset_credentials(attachment)
    else:
        click.echo(next(iter(attachment.config.values())))
