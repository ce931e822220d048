"""Heroku Postgres commands: pg:psql, pg:info, pg:reset, pg:ps, pg:killall, pg:credentials:url,
pg:backups (capture, restore, download, list), pg:pull, pg:push."""

from __future__ import annotations

from pathlib import Path

import click

from herosim.app.pgtransfer import redacted
from herosim.cli import render
from herosim.cli.base import Env, ExitStatus, app_option, cli, confirm_app, on_terminal, pass_env
from herosim.const import HEXAGON
from herosim.errors import HerosimError

CYLINDER = "⛁"


@cli.command("pg:psql")
@click.argument("database", required=False)
@app_option
@click.option("-c", "--command", "command", help="SQL command to run")
@pass_env
def pg_psql(env: Env, database, app_name, command):
    """Open a psql shell to the app's database (psql inside the add-on's container)."""
    app = env.app(app_name)
    attachment = app.pg.find(database)
    env.printer.info(f"--> Connecting to {attachment.name}")
    raise ExitStatus(app.pg.psql(attachment, command, env.printer.raw, on_terminal(env)))


@cli.command("pg:info")
@click.argument("database", required=False)
@app_option
@pass_env
def pg_info(env: Env, database, app_name):
    """Show the app's databases: plan, connections, version, size, tables."""
    app = env.app(app_name)
    attachments = [app.pg.find(database)] if database else \
        [a for a in app.addons.attached() if a.service == "heroku-postgresql"] or [app.pg.find(None)]
    for index, attachment in enumerate(sorted(attachments, key=lambda a: "DATABASE_URL" not in a.config)):
        rows = app.pg.info(attachment)
        rows = rows[:-1] + app.followers.info_rows(attachment) + rows[-1:]   # before Add-on, as Heroku's
        if index:
            env.printer.data()
        env.printer.data("=== " + ", ".join(sorted(attachment.config, key=lambda k: k != "DATABASE_URL")))
        env.printer.data("\n".join(render.fields(rows)))


cli.add_command(pg_info, "pg")


@cli.command("pg:reset")
@click.argument("database", required=False)
@app_option
@click.option("--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def pg_reset(env: Env, database, app_name, confirm):
    """Delete every table and row of the database (its credentials stay)."""
    app = env.app(app_name)
    attachment = app.pg.find(database)
    confirm_app(env, app, f"Destructive action\n !    {attachment.name} will lose all of its data", confirm)
    app.pg.reset(attachment)
    env.printer.info(f"Resetting {attachment.name}... done")


@cli.command("pg:ps")
@click.argument("database", required=False)
@app_option
@click.option("-v", "--verbose", is_flag=True, help="idle connections too")
@pass_env
def pg_ps(env: Env, database, app_name, verbose):
    """The database's active queries."""
    app = env.app(app_name)
    env.printer.data(app.pg.ps(app.pg.find(database), verbose), end="")


@cli.command("pg:killall")
@click.argument("database", required=False)
@app_option
@pass_env
def pg_killall(env: Env, database, app_name):
    """Terminate every connection to the database."""
    app = env.app(app_name)
    app.pg.killall(app.pg.find(database))
    env.printer.info("Terminating connections for all credentials... done")


@cli.command("pg:connection-pooling:attach")
@click.argument("database", required=False)
@app_option
@click.option("--as", "as_name", metavar="NAME", help="name for add-on attachment (default DATABASE_CONNECTION_POOL)")
@pass_env
def pg_connection_pooling_attach(env: Env, database, app_name, as_name):
    """Add an attachment to a database using connection pooling (PgBouncer, transaction mode)."""
    app = env.app(app_name)
    attachment = app.pg.find(database)
    app.pooling.check(attachment)
    action = f"Enabling Connection Pooling on {CYLINDER} {attachment.name} to {HEXAGON} {app.name}"
    try:
        name, release = app.pooling.attach(attachment, as_name)
    except HerosimError:
        env.printer.info(f"{action}... !")
        raise
    env.printer.info(f"{action}... done")
    env.printer.info(f"Setting {name} config vars and restarting {HEXAGON} {app.name}... done, v{release.version}")


@cli.command("pg:unfollow")
@click.argument("database")
@app_option
@click.option("-c", "--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def pg_unfollow(env: Env, database, app_name, confirm):
    """Stop a replica from following and make it a writeable database."""
    app = env.app(app_name)
    attachment = app.pg.find(database)
    if not attachment.secret.get("follows"):
        raise HerosimError(f"{attachment.name} is not a follower", hint="see `herosim pg:info`")
    origin = app.followers.leader_label(attachment)
    confirm_app(env, app, f"Destructive action\n !    {attachment.name} will become writeable and no longer follow "
                f"{origin}. This cannot be undone.", confirm)
    app.followers.unfollow(attachment)
    env.printer.info(f"{attachment.name} unfollowing... done")


@cli.command("pg:credentials:url")
@click.argument("database", required=False)
@app_option
@pass_env
def pg_credentials_url(env: Env, database, app_name):
    """The default credential's connection information."""
    app = env.app(app_name)
    for line in app.pg.credentials(app.pg.find(database)):
        env.printer.data(line)


@cli.command("pg:credentials:rotate")
@click.argument("database", required=False)
@app_option
@click.option("--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def pg_credentials_rotate(env: Env, database, app_name, confirm):
    """A new password for the default credential: connections reset, the dynos restart on the new URL."""
    app = env.app(app_name)
    attachment = app.pg.find(database)
    confirm_app(env, app, "Destructive Action\n !    The password for the default credential will rotate.\n"
                " !    Connections will be reset and applications will be restarted.", confirm)
    app.pg.rotate(attachment)
    env.printer.info(f"Rotating default on {CYLINDER} {attachment.name}... done")


# -- backups ------------------------------------------------------------------------------------
@cli.command("pg:backups")
@app_option
@pass_env
def pg_backups(env: Env, app_name):
    """The app's backups."""
    app = env.app(app_name)
    backups = app.pgbackups.all()
    env.printer.data("=== Backups")
    if not backups:
        env.printer.data(f"No backups. Capture one with herosim pg:backups:capture -a {app.name}")
        return
    rows = [("ID", "Created at", "Status", "Size", "Database")] + [app.pgbackups.describe(b) for b in reversed(backups)]
    env.printer.data("\n".join(render.table(rows, rule=True)))


@cli.command("pg:backups:capture")
@click.argument("database", required=False)
@app_option
@pass_env
def pg_backups_capture(env: Env, database, app_name):
    """Capture a backup (pg_dump -Fc) of the database."""
    app = env.app(app_name)
    attachment = app.pg.find(database)
    env.printer.info(f"Starting backup of {CYLINDER} {attachment.name}... done")
    record = app.pgbackups.capture(attachment)
    env.printer.info(f"Backing up {CYLINDER} {app.pg.label(attachment)} to {record['id']}... done")


@cli.command("pg:backups:restore")
@click.argument("backup", required=False)
@click.argument("database", required=False)
@app_option
@click.option("--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def pg_backups_restore(env: Env, backup, database, app_name, confirm):
    """Restore a backup (b001, the latest by default) or a .dump file into the database."""
    app = env.app(app_name)
    attachment = app.pg.find(database)
    if backup and Path(backup).is_file():
        name, source = backup, Path(backup)
    else:
        record, source = app.pgbackups.file(backup)
        name = record["id"]
    confirm_app(env, app, f"WARNING: Destructive Action\n !    This command will affect the app {HEXAGON} {app.name}",
                confirm)
    env.printer.info(f"Starting restore of {name} to {CYLINDER} {attachment.name}... done")
    app.pgbackups.restore(attachment, source)
    env.printer.info("Restoring... done")


@cli.command("pg:backups:download")
@click.argument("backup", required=False)
@app_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="the file to write")
@pass_env
def pg_backups_download(env: Env, backup, app_name, output):
    """Copy a backup (the latest by default) to latest.dump."""
    app = env.app(app_name)
    record, target = app.pgbackups.download(backup, output)
    env.printer.info(f"Getting backup from {HEXAGON} {app.name}... done, #{int(record['id'][1:])}")
    env.printer.data(str(target))


# -- pull and push ------------------------------------------------------------------------------
@cli.command("pg:pull")
@click.argument("source")
@click.argument("target")
@app_option
@pass_env
def pg_pull(env: Env, source, target, app_name):
    """Copy the add-on's database (SOURCE: DATABASE_URL or its name) into a new local database
    (TARGET: a name on localhost, or a postgresql:// URL)."""
    app = env.app(app_name)
    attachment = app.pg.find(source)
    app.pgtransfer.pull(attachment, target)
    env.printer.info(f"Pulling {CYLINDER} {attachment.name} to {redacted(target)}... done")


@cli.command("pg:push")
@click.argument("source")
@click.argument("target")
@app_option
@pass_env
def pg_push(env: Env, source, target, app_name):
    """Copy a local database (SOURCE) into the add-on's (TARGET), which must be empty."""
    app = env.app(app_name)
    attachment = app.pg.find(target)
    app.pgtransfer.push(source, attachment)
    env.printer.info(f"Pushing {redacted(source)} to {CYLINDER} {attachment.name}... done")
