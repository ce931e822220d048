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
@click.option("--shard", metavar="INDEX/TOTAL",
              help="Run only test dyno INDEX (zero-indexed) of TOTAL: this machine as one of TOTAL CI machines "
                   "(CI_NODE_INDEX, CI_NODE_TOTAL).")
@pass_env
def ci(env: Env, path, shard):
    """Run app.json's environments.test (test-setup, then test) in a throwaway app; exit with the tests' status.

    app.json's environments.test.formation.test.quantity runs that many test dynos at once,
    as Heroku CI's parallel test runs."""
    node = ci_mod.parse_shard(shard) if shard else None
    base = names.from_dir(path)[:18].rstrip("-")
    app = env.app(f"{base}-ci-{secrets.token_hex(3)}", path, create=True)
    status = 1
    try:
        status = ci_mod.run(app, path, env.printer.raw, env.printer.step, node)
    finally:
        app.destroy()
        env.printer.info(f"Test run app {app.name} removed")
    raise ExitStatus(status)
