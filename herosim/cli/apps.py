"""Commands that run an app from a working tree: up, wait, build, down; the stacks."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import click

from herosim.app import App, UpOptions
from herosim.cli import signals
from herosim.cli.base import Env, app_option, cli, pass_env, report_losses, timeout_options
from herosim.cli.output import Printer
from herosim.const import HEXAGON
from herosim.engine import stack as stack_mod
from herosim.engine import stackimages
from herosim.errors import HerosimError
from herosim.platform.logplex import Logplex
from herosim.platform.sizes import SIZES
from herosim.platform.state import FsOptions
from herosim.platform.timeouts import Timeouts, parse_duration
from herosim.slug import buildpack


# -- up / down / destroy ------------------------------------------------------------------
@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@app_option
@click.option("-p", "--port", type=int, help="router port on 127.0.0.1 (default 5006, as heroku local)")
@click.option("-d", "--detach", is_flag=True, help="return once the web dyno answers")
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="PEM bundle to trust at build time "
              "(default: $PIP_CERT, $REQUESTS_CA_BUNDLE or $SSL_CERT_FILE)")
@click.option("--no-cache", is_flag=True, help="rebuild the dependency layer from scratch")
@click.option("--size", type=click.Choice(sorted(SIZES)), default="basic",
              help="dyno size (memory quota)")
@click.option("--cycle-every", metavar="DURATION",
              help="recycle each dyno after DURATION (plus jitter), as Heroku's daily cycling, e.g. 5m")
@click.option("--strict-fs", is_flag=True,
              help="fail (exit 1) when dynos write files Heroku's ephemeral filesystem would lose")
@click.option("--fs-allow", "fs_allow", multiple=True, metavar="PATTERN",
              help="with --strict-fs: paths allowed to be written (glob, relative to /app or absolute)")
@click.option("--json", "as_json", is_flag=True, help="with -d: print the URL, dynos and add-ons as JSON")
@timeout_options
@pass_env
def up(env: Env, path, app_name, port, detach, ca_bundle, no_cache, size, cycle_every, strict_fs, fs_allow, as_json,
       boot_timeout, stop_timeout, router_timeout, time_scale):
    """Build PATH's slug and run it: add-ons, dynos, router, logs."""
    timeouts = Timeouts.resolve(boot=boot_timeout, stop=stop_timeout, router=router_timeout, time_scale=time_scale)
    options = UpOptions(port=port, timeouts=timeouts, size=size, ca_bundle=ca_bundle, no_cache=no_cache,
                        cycle_every=parse_duration(cycle_every) if cycle_every else None)
    if as_json:  # stdout carries the JSON alone; the build's transcript goes to stderr
        env.printer.transcript_to_err()
    app = env.app(app_name, path, create=True)
    app.state.update_settings(fs=FsOptions(strict_fs, tuple(fs_allow)))
    if detach:
        app.deployer.up(path, options)
        _wait_healthy(app, timeouts.boot + 15)
        if as_json:
            env.printer.json(app.describe())
        else:
            env.printer.data(app.urls())
        return
    signals.interrupt_on_term_and_hup()   # a closed terminal or a CI timeout stops the dynos, as Ctrl-C does
    follower = _LogFollower(app.logs, env.printer)
    follower.start()
    try:
        app.deployer.up(path, options)
        env.printer.info(f"{app.name} is running at {app.url()} and {app.https_url()} — Ctrl-C stops its dynos")
        while True:
            time.sleep(2)
            if strict_fs and report_losses(env, app, "--strict-fs: dynos wrote files Heroku would lose:"):
                app.down(timeouts.stop)
                app.fs.check_strict(1)
    except KeyboardInterrupt:
        env.printer.info(f"\n{signals.received()} received: stopping dynos (SIGTERM, then SIGKILL after "
                         f"{timeouts.stop:g} s); add-on data is kept")
        lost = report_losses(env, app, "Lost with the dynos' filesystems:")
        _down(env, app, timeouts.stop)
        app.fs.check_strict(lost)
    finally:
        follower.stop()


def _down(env: Env, app: App, stop_timeout: float) -> None:
    dynos, stopped = app.down(stop_timeout)
    if dynos:
        env.printer.info(f"Stopping all dynos on {HEXAGON} {app.name}... done")
    if stopped:
        env.printer.info(f"Stopped {stopped} add-on container(s); their data is kept")


def _wait_healthy(app: App, timeout: float) -> None:
    ok, seen = app.dynos.wait_until_answering(app.url(), timeout)
    if ok:
        app.ctx.progress.info(f"{app.name} answered: {seen}")
    else:
        tail = "\n".join(l.render() for l in app.logs.tail(20, lambda l: l.dyno != "router"))
        raise HerosimError(f"{app.name} did not answer at {app.url()} ({seen})",
                           hint="the last log lines are below; `herosim logs` shows more", details=tail)


@cli.command()
@app_option
@click.option("--timeout", type=float, default=75.0, show_default=True, help="seconds to wait")
@pass_env
def wait(env: Env, app_name, timeout):
    """Wait until the app is healthy: add-ons ready, the web dyno answering (for CI)."""
    app = env.app(app_name)
    app.addons.wait_ready()
    _wait_healthy(app, timeout)
    env.printer.data(app.urls())


@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@app_option
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="PEM bundle to trust at build time")
@click.option("--no-cache", is_flag=True, help="rebuild the dependency layer from scratch")
@pass_env
def build(env: Env, path, app_name, ca_bundle, no_cache):
    """Build PATH's slug only (no release, dynos untouched); prints the slug image id."""
    app = env.app(app_name, path, create=True)
    result = app.deployer.build(path, ca_bundle=ca_bundle, no_cache=no_cache)
    env.printer.data(result.slug_image)


class _LogFollower:
    def __init__(self, logs: Logplex, printer: Printer):
        self.logs, self.printer = logs, printer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def _run(self):
        for line in self.logs.follow(stop=self._stop.is_set):
            self.printer.log(line)

    def stop(self):
        time.sleep(0.3)  # let the last lines (exit statuses) reach the terminal
        self._stop.set()
        self._thread.join(timeout=2)


@cli.command()
@app_option
@click.option("--stop-timeout", type=float)
@pass_env
def down(env: Env, app_name, stop_timeout):
    """Stop the dynos and add-on containers; keep add-on data, config and releases."""
    app = env.app(app_name, create=True)
    lost = report_losses(env, app, "Lost with the dynos' filesystems:")
    _down(env, app, Timeouts.resolve(stop=stop_timeout).stop)
    app.fs.check_strict(lost)


# -- stack ------------------------------------------------------------------------------------
@cli.group("stack", invoke_without_command=True)
@click.pass_context
@pass_env
def stack_group(env: Env, ctx):
    """The buildpack herosim emulates, and its offline stacks (Debian-built Python and Postgres)."""
    if ctx.invoked_subcommand is None:
        env.printer.data(f"Buildpack: {buildpack.NAME} ({buildpack.DATE}, {buildpack.COMMIT}): "
                         f"pip {buildpack.PIP_VERSION}, uv {buildpack.UV_VERSION}, Poetry {buildpack.POETRY_VERSION}, "
                         f"Pipenv {buildpack.PIPENV_VERSION}; default Python {buildpack.DEFAULT_MAJOR}")
        for suite in stack_mod.SUITES.values():
            pythons = ", ".join(suite.pythons)
            env.printer.data(f"herosim-{suite.name}  Python {pythons}  PostgreSQL {suite.postgres}"
                             + ("  (default)" if suite.name == stack_mod.DEFAULT_SUITE else ""))


@stack_group.command("build")
@click.argument("suites", nargs=-1)
@pass_env
def stack_build(env: Env, suites):
    """Build the offline images for SUITES (default: forky, and Postgres 17) with mmdebstrap and docker/."""
    for ref in stackimages.build_all(env.client, env.printer, list(suites) or None):
        env.printer.data(ref)
