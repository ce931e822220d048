"""`herosim ci`: the app's tests as Heroku CI runs them."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from herosim.app import ci as ci_mod
from herosim.cli.base import Env, ExitStatus, cli, pass_env
from herosim.platform import names


@cli.command("ci")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@pass_env
def ci(env: Env, path):
    """Run app.json's environments.test (test-setup, then test) in a throwaway app; exit with the tests' status."""
    base = names.from_dir(path)[:18].rstrip("-")
    app = env.app(f"{base}-ci-{secrets.token_hex(3)}", path, create=True)
    status = 1
    try:
        status = ci_mod.run(app, path, env.printer.raw, env.printer.step)
    finally:
        app.destroy()
        env.printer.info(f"Test run app {app.name} removed")
    raise ExitStatus(status)
