"""herosim's command line: parse, call one verb, render. The only place that exits."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

from herosim import __version__, daemon, docker_client, formation, fsaudit, logline, render
from herosim import doctor as doctor_mod
from herosim import stack as stack_mod
from herosim.addons.base import attachments, find_container
from herosim.app import App
from herosim.appstate import AppState, app_name_from_dir, check_app_name
from herosim.config_vars import check_key, describe_keys, parse_assignments
from herosim.const import HEXAGON, LOG_LINES_DEFAULT, LOG_LINES_KEPT
from herosim.dyno import SIZES
from herosim.errors import HerosimError
from herosim.logplex import Logplex
from herosim.output import Printer
from herosim.timeouts import Timeouts, parse_duration


class Env:
    """What every command needs: the printer, and a Docker client made on first use."""

    def __init__(self):
        self.printer = Printer()
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = docker_client.connect()
        return self._client

    def app(self, name: str | None, path: Path | None = None) -> App:
        name = check_app_name(name) if name else app_name_from_dir(path or Path.cwd())
        return App(self.client, self.printer, name, AppState(name))

    def state(self, name: str | None) -> AppState:
        return AppState(check_app_name(name) if name else app_name_from_dir(Path.cwd()))


pass_env = click.make_pass_decorator(Env, ensure=True)
app_option = click.option("-a", "--app", "app_name", metavar="APP",
                          help="app to run command against (default: the current directory's name)")


def timeout_options(f):
    f = click.option("--time-scale", type=float,
                     help="multiply crash cool-offs (20, 40, 60, 180, 320 min) by this; e.g. 0.001")(f)
    f = click.option("--router-timeout", type=float, help="H12 after this many seconds (Heroku: 30)")(f)
    f = click.option("--stop-timeout", type=float, help="SIGKILL after this many seconds (Heroku: 30)")(f)
    f = click.option("--boot-timeout", type=float, help="R10 after this many seconds (Heroku: 60)")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="herosim")
def cli():
    """A local Heroku: slug builds, dynos, add-ons, router and logs in Docker."""


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
    cycle = parse_duration(cycle_every) if cycle_every else None
    if as_json:  # stdout carries the JSON alone; the build's transcript goes to stderr
        env.printer.out = sys.stderr
    app = env.app(app_name, path)
    app.state.update_settings(strict_fs=strict_fs, fs_allow=list(fs_allow))
    follower = None
    try:
        if detach:
            app.up(path, port=port, timeouts=timeouts, size=size, ca_bundle=ca_bundle, no_cache=no_cache,
                   cycle_every=cycle)
            _wait_healthy(app, timeouts.boot + 15)
            click.echo(json.dumps(app.describe(), indent=2) if as_json else app.url())
            return
        follower = _LogFollower(app.logs, env.printer)
        follower.start()
        app.up(path, port=port, timeouts=timeouts, size=size, ca_bundle=ca_bundle, no_cache=no_cache,
               cycle_every=cycle)
        env.printer.info(f"{app.name} is running at {app.url()} — Ctrl-C stops its dynos")
        while True:
            time.sleep(2)
            if strict_fs and app.report_losses(heading="--strict-fs: dynos wrote files Heroku would lose:"):
                app.down(timeouts.stop)
                app.check_strict(1)
    except KeyboardInterrupt:
        env.printer.info("\nSIGINT received: stopping dynos (SIGTERM, then SIGKILL after "
                         f"{timeouts.stop:g} s); add-on data is kept")
        lost = app.report_losses(heading="Lost with the dynos' filesystems:")
        app.down(timeouts.stop)
        app.check_strict(lost)
    finally:
        if follower:
            follower.stop()


def _wait_healthy(app: App, timeout: float) -> None:
    ok, seen = app.wait_until_answering(timeout)
    if not ok:
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
    app.wait_addons(timeout)
    _wait_healthy(app, timeout)
    click.echo(app.url())


@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@app_option
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="PEM bundle to trust at build time")
@click.option("--no-cache", is_flag=True, help="rebuild the dependency layer from scratch")
@pass_env
def build(env: Env, path, app_name, ca_bundle, no_cache):
    """Build PATH's slug only (no release, dynos untouched); prints the slug image id."""
    app = env.app(app_name, path)
    result = app.build(path, ca_bundle=ca_bundle, no_cache=no_cache)
    click.echo(result.slug_image)


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
    app = env.app(app_name)
    lost = app.report_losses(heading="Lost with the dynos' filesystems:")
    app.down(Timeouts.resolve(stop=stop_timeout).stop)
    app.check_strict(lost)


@cli.command()
@app_option
@click.option("--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def destroy(env: Env, app_name, confirm):
    """Remove the app: containers, add-ons and their data, network, images, config, releases."""
    app = env.app(app_name)
    if confirm is None:
        env.printer.info(f" !    WARNING: This will delete {HEXAGON} {app.name} including all add-ons.")
        env.printer.info(f" !    To proceed, type {app.name} or re-run this command with --confirm {app.name}")
        confirm = click.prompt("", prompt_suffix="> ", default="", show_default=False)
    if confirm != app.name:
        raise HerosimError("Confirmation did not match app. Aborted.",
                           hint=f"re-run with --confirm {app.name}")
    app.destroy()
    env.printer.info(f"Destroying {HEXAGON} {app.name} (including all add-ons)... done")


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
    lost = app.report_losses(target, heading="About to be lost (each dyno restarts from the slug):")
    restarted = app.restart(dyno, kind)
    if not restarted:
        raise HerosimError(f"No {kind} dynos on {app.name}", hint="see `herosim ps`")
    env.printer.info(f"Recycling {what} on {HEXAGON} {app.name}... done ({', '.join(restarted)})")
    app.check_strict(lost)


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
    lost = app.report_losses(dyno or process_type, heading="About to be lost (each dyno restarts from the slug):")
    restarted = app.restart(dyno, process_type)
    if not restarted:
        raise HerosimError(f"No {process_type} dynos on {app.name}", hint="see `herosim ps`")
    env.printer.info(f"Restarting {what} on {HEXAGON} {app.name}... done")
    app.check_strict(lost)


@cli.command("ps:scale")
@click.argument("changes", nargs=-1)
@app_option
@pass_env
def ps_scale(env: Env, changes, app_name):
    """Scale dyno quantity (and size) by process type: web=2 worker+1 clock=0 web=1:standard-2x."""
    app = env.app(app_name)
    counts, types, sizes = app.scale(list(changes))
    if not changes:
        click.echo(formation.listing(counts, types, sizes))
        return
    env.printer.info(f"Scaling dynos... done, now running {formation.describe(counts, types, sizes)}")


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@app_option
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@pass_env
def run(env: Env, app_name, command):
    """Run a one-off dyno attached to this terminal: herosim run bash, herosim run web."""
    app = env.app(app_name)
    _, status = app.run(list(command))
    sys.exit(status)


@cli.command("run:detached", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@app_option
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@pass_env
def run_detached(env: Env, app_name, command):
    """Run a one-off dyno whose output goes to the app's log."""
    app = env.app(app_name)
    name, _ = app.run(list(command), detached=True)
    env.printer.info(f"Running {' '.join(command)} on {HEXAGON} {app.name}... done, {name} (Basic)")
    env.printer.info(f"Use 'herosim logs -a {app.name} --dyno={name}' to view the output.")


@cli.command()
@app_option
@click.option("--json", "as_json", is_flag=True)
@pass_env
def ps(env: Env, app_name, as_json):
    """List the app's dynos and their states."""
    app = env.app(app_name)
    dynos = app.status()
    if as_json:
        click.echo(json.dumps(dynos, indent=2))
        return
    if not dynos:
        env.printer.info(f"No dynos on {HEXAGON} {app.name}")
        return
    for line in render.ps(dynos, dt.datetime.now(dt.timezone.utc)):
        click.echo(line)


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
    plex = Logplex(state.path("logplex.log"))

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


# -- config vars ------------------------------------------------------------------------------
@cli.command("config")
@app_option
@click.option("-s", "--shell", is_flag=True, help="output config vars in shell format")
@click.option("-j", "--json", "as_json", is_flag=True, help="output config vars in json format")
@pass_env
def config_(env: Env, app_name, shell, as_json):
    """Display the config vars for an app."""
    app = env.app(app_name)
    values = app.config()
    if as_json:
        click.echo(json.dumps(values, indent=2, sort_keys=True))
    elif shell:
        click.echo("\n".join(render.shell(values)))
    else:
        click.echo("\n".join(render.config(values, app.name)))


@cli.command("config:get")
@click.argument("key")
@app_option
@pass_env
def config_get(env: Env, key, app_name):
    """Display a single config value."""
    value = env.app(app_name).config().get(key)
    click.echo("" if value is None else value)


@cli.command("config:set")
@click.argument("assignments", nargs=-1)
@app_option
@pass_env
def config_set(env: Env, assignments, app_name):
    """Set one or more config vars (KEY=value …) and restart the dynos."""
    values = parse_assignments(assignments)
    app = env.app(app_name)
    release = app.set_config(values)
    env.printer.info(f"Setting {describe_keys(values)} and restarting {HEXAGON} {app.name}... "
                     f"done, v{release.version}")
    width = max(len(k) for k in values) + 1
    for key, value in values.items():
        click.echo(f"{(key + ':').ljust(width)} {value}")


@cli.command("config:unset")
@click.argument("keys", nargs=-1, required=True)
@app_option
@pass_env
def config_unset(env: Env, keys, app_name):
    """Unset one or more config vars and restart the dynos."""
    for key in keys:
        check_key(key)
    app = env.app(app_name)
    release = app.set_config({}, list(keys))
    env.printer.info(f"Unsetting {describe_keys(keys)} and restarting {HEXAGON} {app.name}... "
                     f"done, v{release.version}")


@cli.command()
@app_option
@pass_env
def releases(env: Env, app_name):
    """List the app's releases."""
    state = env.state(app_name)
    for line in render.releases(state.releases(), state.app, dt.datetime.now(dt.timezone.utc)):
        click.echo(line)


# -- audits ---------------------------------------------------------------------------------------
@cli.command("fs:diff")
@click.argument("target", required=False)
@app_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--strict", is_flag=True, help="exit 1 when anything would be lost")
@pass_env
def fs_diff(env: Env, target, app_name, as_json, strict):
    """What each dyno wrote since it started, and why Heroku would lose it (TARGET: web.1 or web)."""
    app = env.app(app_name)
    changes = app.fs_changes(target)
    if as_json:
        click.echo(json.dumps({d: [{"category": f.key, "title": f.title, "fix": f.fix, "paths": f.paths}
                                   for f in findings] for d, findings in changes.items()}, indent=2))
    else:
        if not changes:
            env.printer.info(f"No running dynos on {HEXAGON} {app.name}")
        for dyno, findings in changes.items():
            for line in fsaudit.render(dyno, findings):
                click.echo(line)
    lost = sum(len(f.paths) for findings in changes.values() for f in findings)
    if lost and (strict or app.state.settings().get("strict_fs")):
        sys.exit(1)


@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@app_option
@pass_env
def doctor(env: Env, path, app_name):
    """Check an app for what breaks on Heroku, before any build; exit 1 on errors."""
    from herosim.build.source import collect, ignored
    source = collect(path)
    files = set(source.files)

    def read(name: str):
        if name not in files:
            return None
        try:
            return (source.root / name).read_text(errors="replace")
        except OSError:
            return None
    state = env.state(app_name or app_name_from_dir(path))
    config = dict(state.config_vars())
    findings = doctor_mod.check(files, read, config, untracked=source.untracked, ignored=ignored(path))
    for finding in findings:
        for line in finding.render():
            click.echo(line)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s)" if findings else "No problems found.")
    if errors:
        sys.exit(1)


# -- add-ons ----------------------------------------------------------------------------------
@cli.command("addons")
@app_option
@pass_env
def addons_list(env: Env, app_name):
    """List the app's add-ons."""
    app = env.app(app_name)
    found = attachments(app.client, app.name)
    if not found:
        env.printer.info(f"No add-ons for app {app.name}.")
        return
    rows = [("Add-on", "Plan", "Price", "State")]
    for attachment in found:
        container = find_container(app.client, attachment)
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
    attachment = app.add_addon(plan, engine=engine)
    env.printer.info(f"Created {attachment.name} as {', '.join(attachment.config)}")


@cli.command("addons:destroy")
@click.argument("name")
@app_option
@click.option("--confirm", metavar="APP", help="skip the prompt by naming the app")
@pass_env
def addons_destroy(env: Env, name, app_name, confirm):
    """Remove an add-on and its data."""
    app = env.app(app_name)
    if confirm is None:
        env.printer.info(f" !    WARNING: Destructive Action. This command will affect the app {app.name}")
        env.printer.info(f" !    To proceed, type {app.name} or re-run this command with --confirm {app.name}")
        confirm = click.prompt("", prompt_suffix="> ", default="", show_default=False)
    if confirm != app.name:
        raise HerosimError("Confirmation did not match app. Aborted.", hint=f"re-run with --confirm {app.name}")
    removed = app.remove_addon(name)
    env.printer.info(f"Destroying {', '.join(removed)} on {HEXAGON} {app.name}... done")


@cli.command("pg:psql")
@click.argument("database", required=False)
@app_option
@click.option("-c", "--command", "command", help="SQL command to run")
@pass_env
def pg_psql(env: Env, database, app_name, command):
    """Open a psql shell to the app's database (runs psql inside the add-on's container)."""
    app = env.app(app_name)
    found = [a for a in attachments(app.client, app.name) if a.service == "heroku-postgresql"]
    if database:
        found = [a for a in found if database in (a.name, *[k.removesuffix("_URL") for k in a.config])]
    if not found:
        raise HerosimError(f"No Postgres database on {app.name}" + (f" matching {database}" if database else ""),
                           hint=f"herosim addons:create heroku-postgresql -a {app.name}")
    attachment = sorted(found, key=lambda a: "DATABASE_URL" not in a.config)[0]
    container = app.addon_container(attachment)
    env.printer.info(f"--> Connecting to {attachment.name}")
    s = attachment.secret
    url = f"postgresql://{s['user']}:{s['password']}@127.0.0.1:5432/{s['database']}?sslmode=require"
    label = next((k.removesuffix("_URL") for k in attachment.config if k == "DATABASE_URL"),
                 next(iter(attachment.config), "DATABASE").removesuffix("_URL"))
    args = ["psql", url, f"--set=PROMPT1={app.name}::{label}%R%# ", f"--set=PROMPT2={app.name}::{label}%R%# "]
    if command:
        result = container.exec_run(args + ["-c", command], user="postgres", demux=True)
        out, err = result.output
        sys.stdout.write((out or b"").decode(errors="replace"))
        sys.stderr.write((err or b"").decode(errors="replace"))
        sys.exit(result.exit_code)
    docker_cli = shutil.which("docker")
    if not docker_cli:
        raise HerosimError("An interactive psql needs the docker command-line client",
                           hint="install it, or pass a query with -c")
    tty = ["-it"] if sys.stdin.isatty() else ["-i"]
    sys.exit(subprocess.call([docker_cli, "exec", *tty, "-u", "postgres", container.id, *args]))


# -- stack ------------------------------------------------------------------------------------
@cli.group("stack", invoke_without_command=True)
@click.pass_context
def stack_group(ctx):
    """herosim's offline stack images (Debian-built python and postgres)."""
    if ctx.invoked_subcommand is None:
        for suite in stack_mod.SUITES.values():
            click.echo(f"herosim-{suite.name}  Python {suite.python}  PostgreSQL {suite.postgres}"
                       + ("  (default)" if suite.name == stack_mod.DEFAULT_SUITE else ""))


@stack_group.command("build")
@click.argument("suites", nargs=-1)
@pass_env
def stack_build(env: Env, suites):
    """Build the offline images for SUITES (default: trixie) with mmdebstrap and docker/."""
    refs = stack_mod.build_all(env.client, env.printer, list(suites) or [stack_mod.DEFAULT_SUITE])
    for ref in refs:
        click.echo(ref)


# -- internal -----------------------------------------------------------------------------------
@cli.command("_manager", hidden=True)
@click.option("--app", "app_name", required=True)
@click.option("--port", type=int, required=True)
@click.option("--size", default="basic")
@click.option("--timeouts", "timeouts_json", required=True)
@click.option("--cycle-every", type=float)
def manager_cmd(app_name, port, size, timeouts_json, cycle_every):
    from herosim.manager import Manager
    client = docker_client.connect()
    Manager(client, app_name, AppState(app_name), Timeouts(**json.loads(timeouts_json)), port, size,
            cycle_every=cycle_every).run()


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except HerosimError as exc:
        click.echo(f" ▸    {exc.message}", err=True)
        if exc.hint:
            click.echo(f" ▸    Hint: {exc.hint}", err=True)
        if exc.details:
            click.echo(exc.details, err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
