"""The everyday dyno commands: ps:stop (ps:kill), ps:exec, ps:wait, maintenance and labs."""

from __future__ import annotations

import time

import click

from herosim.cli.base import Env, ExitStatus, app_option, cli, on_terminal, pass_env
from herosim.const import HEXAGON
from herosim.errors import HerosimError
from herosim.platform import metadata


# -- ps:stop --------------------------------------------------------------------------------------
@click.command("ps:stop")
@click.argument("target", required=False)
@app_option
@click.option("-d", "--dyno-name", "dyno", metavar="DYNO", help="the dyno to stop, e.g. web.1 or run.1234")
@click.option("-p", "--process-type", "process_type", metavar="TYPE", help="stop every dyno of a type")
@pass_env
def ps_stop(env: Env, target, app_name, dyno, process_type):
    """Stop dynos: a formation dyno is started again by the dyno manager, a one-off stays stopped."""
    if target:
        env.printer.warn("DYNO is a deprecated argument. Use --dyno-name or --process-type instead.")
        dyno, process_type = (target, None) if "." in target else (None, target)
    if not dyno and not process_type:
        raise HerosimError("Please specify a process type or dyno name to stop.",
                           hint="herosim ps:stop --dyno-name web.1, or --process-type web")
    app = env.app(app_name)
    what = f"dyno {dyno}" if dyno else f"all {process_type} dynos"
    app.dynos.stop(dyno, process_type)
    env.printer.info(f"Stopping {what} on {HEXAGON} {app.name}... done")


for alias in ("ps:kill", "dyno:stop", "dyno:kill"):
    cli.add_command(ps_stop, alias)
cli.add_command(ps_stop)


# -- ps:exec --------------------------------------------------------------------------------------
@cli.command("ps:exec")
@app_option
@click.option("-d", "--dyno", "dyno", default="web.1", show_default=True, help="the running dyno to enter")
@pass_env
def ps_exec(env: Env, app_name, dyno):
    """A shell inside a running dyno: its filesystem and processes (unlike `run`, a new dyno)."""
    app = env.app(app_name)
    env.printer.info("Establishing credentials... done")
    env.printer.info(f"Connecting to {dyno} on {HEXAGON} {app.name}...")
    raise ExitStatus(app.dynos.exec_into(dyno, env.printer.raw, use_tty=on_terminal(env)))


# -- ps:wait --------------------------------------------------------------------------------------
@cli.command("ps:wait")
@app_option
@click.option("-t", "--type", "process_type", metavar="TYPE", help="wait for the dynos of one type only")
@click.option("-R", "--with-run", is_flag=True, help="count one-off run dynos too")
@click.option("-w", "--wait-interval", type=int, default=10, show_default=True, help="seconds between checks")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="give up after this many seconds")
@pass_env
def ps_wait(env: Env, app_name, process_type, with_run, wait_interval, timeout):
    """Wait until every dyno runs the latest release."""
    if wait_interval < 10:
        raise HerosimError("wait-interval must be at least 10", hint="herosim ps:wait --wait-interval 10")
    app = env.app(app_name)
    deadline = time.monotonic() + timeout
    while True:
        up, total, version = app.dynos.waiting_for(process_type, with_run)
        if version is None:
            raise HerosimError(f"{app.name} has no release yet", hint=f"herosim up -a {app.name}")
        if up == total:
            env.printer.info(f"Waiting for every dyno to be running v{version}... {up} / {total}, done")
            return
        if time.monotonic() > deadline:
            raise HerosimError(f"Waiting for every dyno to be running v{version}... {up} / {total}, timed out",
                               hint="see `herosim ps` and `herosim logs`")
        time.sleep(0.5)   # the dyno manager is local: checked more often than wait-interval, same answer


# -- maintenance ----------------------------------------------------------------------------------
@cli.command("maintenance")
@app_option
@pass_env
def maintenance(env: Env, app_name):
    """Whether maintenance mode is on (`on` or `off`)."""
    env.printer.data("on" if env.app(app_name).dynos.maintenance() else "off")


@cli.command("maintenance:on")
@app_option
@pass_env
def maintenance_on(env: Env, app_name):
    """The router serves the maintenance page (H80, status 503) to every request; dynos keep running."""
    _set_maintenance(env, app_name, True)


@cli.command("maintenance:off")
@app_option
@pass_env
def maintenance_off(env: Env, app_name):
    """Requests reach the dynos again."""
    _set_maintenance(env, app_name, False)


def _set_maintenance(env: Env, app_name: str | None, on: bool) -> None:
    app = env.app(app_name)
    app.dynos.set_maintenance(on)
    env.printer.info(f"{'Enabling' if on else 'Disabling'} maintenance mode for {HEXAGON} {app.name}... done")


# -- labs -----------------------------------------------------------------------------------------
@cli.command("labs")
@app_option
@pass_env
def labs(env: Env, app_name):
    """Experimental features of the app."""
    app = env.app(app_name)
    on = set(app.state.settings().labs)
    env.printer.data(f"=== App Features ({app.name})")
    for feature, description in sorted(metadata.FEATURES.items()):
        env.printer.data(f"[{'+' if feature in on else ' '}] {feature:24} {description}")


@cli.command("labs:enable")
@click.argument("feature")
@app_option
@pass_env
def labs_enable(env: Env, feature, app_name):
    """Enable a feature; runtime-dyno-metadata takes effect when dynos next start."""
    app = env.app(app_name, create=True)
    app.labs.set(feature, True)
    env.printer.info(f"Enabling {feature} for {HEXAGON} {app.name}... done")


@cli.command("labs:disable")
@click.argument("feature")
@app_option
@pass_env
def labs_disable(env: Env, feature, app_name):
    """Disable a feature."""
    app = env.app(app_name)
    app.labs.set(feature, False)
    env.printer.info(f"Disabling {feature} for {HEXAGON} {app.name}... done")
