"""Commands on dynos: recycle, restart, ps:scale, run, ps, logs."""

from __future__ import annotations

import datetime as dt
import sys

import click

from herosim import paths
from herosim.cli import render
from herosim.cli.base import Env, ExitStatus, app_option, cli, on_terminal, pass_env, report_losses
from herosim.const import HEXAGON, LOG_LINES_DEFAULT, LOG_LINES_KEPT
from herosim.errors import HerosimError
from herosim.platform import formation, logline
from herosim.platform.logplex import Logplex


# -- dynos ---------------------------------------------------------------------------------
@cli.command()
@click.argument("target", required=False)
@app_option
@pass_env
def recycle(env: Env, target, app_name):
    """Restart dynos as the dyno manager does: a fresh filesystem from the slug (TARGET: web.1 or web)."""
    app = env.app(app_name)
    dyno, kind = (target, None) if target and "." in target else (None, target)
    what = f"dyno {dyno}" if dyno else (f"all {kind} dynos" if kind else "all dynos")
    lost = report_losses(env, app, "About to be lost (each dyno restarts from the slug):", target)
    restarted = app.dynos.restart(dyno, kind)
    if not restarted:
        raise HerosimError(f"No {kind} dynos on {app.name}", hint="see `herosim ps`")
    env.printer.info(f"Recycling {what} on {HEXAGON} {app.name}... done ({', '.join(restarted)})")
    app.fs.check_strict(lost)


@cli.command()
@app_option
@click.option("-d", "--dyno", "dyno", metavar="DYNO", help="restart one dyno, e.g. web.1")
@click.option("-p", "--process-type", "process_type", metavar="TYPE", help="restart every dyno of a type")
@pass_env
def restart(env: Env, app_name, dyno, process_type):
    """Restart dynos (heroku restart)."""
    app = env.app(app_name)
    if dyno:
        what = f"dyno {dyno}"
    elif process_type:
        what = f"all {process_type} dynos"
    else:
        what = "all dynos"
    lost = report_losses(env, app, "About to be lost (each dyno restarts from the slug):", dyno or process_type)
    restarted = app.dynos.restart(dyno, process_type)
    if not restarted:
        raise HerosimError(f"No {process_type} dynos on {app.name}", hint="see `herosim ps`")
    env.printer.info(f"Restarting {what} on {HEXAGON} {app.name}... done")
    app.fs.check_strict(lost)


@cli.command("ps:scale")
@click.argument("changes", nargs=-1)
@app_option
@pass_env
def ps_scale(env: Env, changes, app_name):
    """Scale dyno quantity (and size) by process type: web=2 worker+1 clock=0 web=1:standard-2x."""
    app = env.app(app_name)
    scaled = app.dynos.scale(list(changes))
    if not changes:
        env.printer.data(formation.listing(scaled.counts, scaled.types, scaled.sizes))
        return
    running = formation.describe(scaled.counts, scaled.types, scaled.sizes)
    env.printer.info(f"Scaling dynos... done, now running {running}")


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@app_option
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@pass_env
def run(env: Env, app_name, command):
    """Run a one-off dyno attached to this terminal: herosim run bash, herosim run web."""
    app = env.app(app_name)
    prepared = app.dynos.prepare_run(list(command))
    env.printer.info(f"Running {prepared.one_off.command} on {HEXAGON} {app.name}... up, {prepared.one_off.name} "
                     f"({prepared.size_name})")
    interactive = not sys.stdin.closed
    raise ExitStatus(app.dynos.run(prepared, env.printer.raw, interactive=interactive, use_tty=on_terminal(env)))


@cli.command("run:detached", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@app_option
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@pass_env
def run_detached(env: Env, app_name, command):
    """Run a one-off dyno whose output goes to the app's log."""
    app = env.app(app_name)
    name = app.dynos.run_detached(list(command))
    env.printer.info(f"Running {' '.join(command)} on {HEXAGON} {app.name}... done, {name} (Basic)")
    env.printer.info(f"Use 'herosim logs -a {app.name} --dyno={name}' to view the output.")


@cli.command()
@app_option
@click.option("--json", "as_json", is_flag=True)
@pass_env
def ps(env: Env, app_name, as_json):
    """List the app's dynos and their states."""
    app = env.app(app_name)
    dynos = app.dynos.status()
    if as_json:
        env.printer.json([d.to_dict() for d in dynos])
        return
    if not dynos:
        env.printer.info(f"No dynos on {HEXAGON} {app.name}")
        return
    for line in render.ps(dynos, dt.datetime.now(dt.timezone.utc)):
        env.printer.data(line)


@cli.command()
@app_option
@click.option("-n", "--num", type=click.IntRange(1, LOG_LINES_KEPT), default=LOG_LINES_DEFAULT,
              help="number of lines to display (at most 1,500)")
@click.option("-t", "--tail", is_flag=True, help="continually stream logs")
@click.option("-d", "--dyno", "dyno", help="only this dyno, e.g. web.1")
@click.option("-p", "--ps", "process_type", help="only this process type, e.g. web")
@click.option("-s", "--source", type=click.Choice(["app", "heroku"]), help="only app or platform lines")
@pass_env
def logs(env: Env, app_name, num, tail, dyno, process_type, source):
    """Display recent log lines (heroku logs)."""
    state = env.state(app_name)
    plex = Logplex(state.path(paths.LOG))

    def wanted(line):
        return logline.matches(line, source=source, dyno=dyno, process_type=process_type)

    for line in plex.tail(num, wanted):
        env.printer.log(line)
    if tail:
        try:
            for line in plex.follow(wanted):
                env.printer.log(line)
        except KeyboardInterrupt:
            pass
