"""Heroku Postgres commands."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import click

from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.errors import HerosimError


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
