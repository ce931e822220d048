"""Plumbing of the pytest plugin (hidden): `herosim fork`, an app on another app's slug and add-ons."""

from __future__ import annotations

import click

from herosim.app import fork as fork_mod
from herosim.cli.apps import _wait_healthy
from herosim.cli.base import Env, cli, pass_env, timeout_options
from herosim.errors import HerosimError
from herosim.platform.sizes import SIZES
from herosim.platform.state import AppState
from herosim.platform.timeouts import Timeouts
from herosim.runtime.settings import ManagerSettings


@cli.command("fork", hidden=True)
@click.argument("source")
@click.option("-a", "--app", "app_name", required=True, metavar="APP", help="the fork's name (a new app)")
@click.option("--database", metavar="NAME", help="its DATABASE_URL names this database of SOURCE's Postgres")
@click.option("-p", "--port", type=int, required=True, help="its router port on 127.0.0.1")
@click.option("--size", type=click.Choice(sorted(SIZES)), default="basic", help="dyno size")
@click.option("--json", "as_json", is_flag=True, help="print the URL, dynos and add-ons as JSON")
@timeout_options
@pass_env
def fork(env: Env, source, app_name, database, port, size, as_json, boot_timeout, stop_timeout, router_timeout,
         time_scale):
    """Run SOURCE's current release as APP, on SOURCE's add-ons (tests: one per pytest-xdist worker);
    returns once its web dyno answers."""
    timeouts = Timeouts.resolve(boot=boot_timeout, stop=stop_timeout, router=router_timeout, time_scale=time_scale)
    if AppState(app_name).exists:
        raise HerosimError(f"{app_name} already exists", hint="a fork is a new app: choose another name")
    source_app = env.app(source)
    target = env.app(app_name, create=True)
    forked = source_app.state.current_release()
    release = fork_mod.fork(source_app, target, database, ManagerSettings(port, timeouts, size))
    assert forked is not None   # fork refuses a source with no release
    env.printer.info(f"Forked {source_app.name} v{forked.version} as {target.name} "
                     f"v{release.version}")
    _wait_healthy(target, timeouts.boot + 15)
    if as_json:
        env.printer.json(target.describe())
    else:
        env.printer.data(target.urls())
