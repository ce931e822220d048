"""Add-ons and pg:psql."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import click

from herosim.addons import sidecar
from herosim.cli.base import Env, app_option, cli, confirm_app, pass_env
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
        container = sidecar.find(app.ctx.client, attachment)
        state = "created" if container is not None and container.status == "running" else "stopped"
        rows.append((f"{attachment.service} ({attachment.name})", attachment.plan.partition(":")[2] or "-",
                     "free", state))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for index, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            click.echo("  ".join("─" * w for w in widths))
        else:
            click.echo(" └─ as " + ", ".join(k.removesuffix("_URL") for k in found[index - 1].config))


@cli.command("addons:create")
@click.argument("plan")
@app_option
@click.option("--engine", type=click.Choice(["lite", "elasticsearch", "opensearch"]),
              help="search add-ons: herosim's lite engine, or an official image (default: official when a "
                   "registry answers, lite offline)")
@pass_env
def addons_create(env: Env, plan, app_name, engine):
    """Provision an add-on: heroku-postgresql, elasticsearch, searchbox, bonsai (PLAN[:TIER])."""
    app = env.app(app_name)
    attachment = app.addons.create(plan, engine=engine)
    env.printer.info(f"Created {attachment.name} as {', '.join(attachment.config)}")


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


@cli.command("pg:psql")
@click.argument("database", required=False)
@app_option
@click.option("-c", "--command", "command", help="SQL command to run")
@pass_env
def pg_psql(env: Env, database, app_name, command):
    """Open a psql shell to the app's database (runs psql inside the add-on's container)."""
    app = env.app(app_name)
    found = [a for a in app.addons.attached() if a.service == "heroku-postgresql"]
    if database:
        found = [a for a in found if database in (a.name, *[k.removesuffix("_URL") for k in a.config])]
    if not found:
        raise HerosimError(f"No Postgres database on {app.name}" + (f" matching {database}" if database else ""),
                           hint=f"herosim addons:create heroku-postgresql -a {app.name}")
    attachment = sorted(found, key=lambda a: "DATABASE_URL" not in a.config)[0]
    container = app.addons.container(attachment)
    env.printer.info(f"--> Connecting to {attachment.name}")
    s = attachment.secret
    label = next((k.removesuffix("_URL") for k in attachment.config if k == "DATABASE_URL"),
                 next(iter(attachment.config), "DATABASE").removesuffix("_URL"))
    # The password travels in the environment, never in a process argument (`ps` shows those).
    secrets = {"PGPASSWORD": s["password"], "PGSSLMODE": "require"}
    args = ["psql", "-h", "127.0.0.1", "-p", "5432", "-U", s["user"], "-d", s["database"],
            f"--set=PROMPT1={app.name}::{label}%R%# ", f"--set=PROMPT2={app.name}::{label}%R%# "]
    if command:
        result = container.exec_run(args + ["-c", command], user="postgres", demux=True, environment=secrets)
        out, err = result.output
        sys.stdout.write((out or b"").decode(errors="replace"))
        sys.stderr.write((err or b"").decode(errors="replace"))
        sys.exit(result.exit_code)
    docker_cli = shutil.which("docker")
    if not docker_cli:
        raise HerosimError("An interactive psql needs the docker command-line client",
                           hint="install it, or pass a query with -c")
    tty = ["-it"] if sys.stdin.isatty() else ["-i"]
    sys.exit(subprocess.call([docker_cli, "exec", *tty, "-u", "postgres", "-e", "PGPASSWORD", "-e", "PGSSLMODE",
                              container.id, *args], env={**os.environ, **secrets}))
