"""Key-Value Store commands: redis:info (redis), redis:cli, redis:maxmemory, redis:timeout."""

from __future__ import annotations

import click

from herosim.addons import keyvalue
from herosim.cli import render
from herosim.cli.base import Env, ExitStatus, app_option, cli, on_terminal, pass_env


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
    env.printer.data(f"=== {_described(attachment)}")
    env.printer.data("\n".join(render.fields(rows)))


cli.add_command(redis_info, "redis")


@cli.command("redis:cli")
@click.argument("database", required=False)
@app_option
@pass_env
def redis_cli(env: Env, database, app_name):
    """A prompt on the app's Key-Value Store (TLS, authenticated)."""
    app = env.app(app_name)
    attachment = app.keyvalue.find(database)
    env.printer.data(f"Connecting to {_described(attachment)}:")
    status = app.keyvalue.prompt(attachment, env.printer.raw, use_tty=on_terminal(env))
    env.printer.data("\nDisconnected from instance.")
    raise ExitStatus(status)


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
    env.printer.data(f"Maxmemory policy for {_described(attachment)} set to {policy}.")
    env.printer.data(f"{policy} {keyvalue.POLICIES[policy]}.")


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
    env.printer.data(f"Timeout for {_described(attachment)} set to {seconds} seconds.")
    if seconds == 0:
        env.printer.data("Connections to the Redis instance can idle indefinitely.")
    else:
        env.printer.data(f"Connections to the Redis instance will be stopped after idling for {seconds} seconds.")


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
        env.printer.data(f"Resetting credentials for {attachment.name}")
        app.keyvalue.reset_credentials(attachment)
    else:
        env.printer.data(next(iter(attachment.config.values())))
