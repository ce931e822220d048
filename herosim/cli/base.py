"""The command group, the shared options and the error edge: the only place herosim's CLI exits.

The dyno manager (`python -m herosim.runtime`), the router (`python -m herosim.runtime.router`)
and the pre-receive hook (`python -m herosim.git.receive`) are programs of their own, with
their own exits and their own output."""

from __future__ import annotations

import copy
import importlib
import os
import sys
import webbrowser
from pathlib import Path

import click
import docker.errors
import requests.exceptions

from herosim import __version__
from herosim.app import App
from herosim.cli import commands
from herosim.cli.output import Printer
from herosim.engine import client as engine_client
from herosim.errors import HerosimError
from herosim.git import remotes
from herosim.platform import names
from herosim.platform.state import AppState
from herosim.slug import buildpack


class Env:
    """What every command needs: the printer, and a Docker client made on first use."""

    def __init__(self, client=None, printer: Printer | None = None):
        self.printer = printer or Printer()
        self._client = client

    @property
    def client(self):
        if self._client is None:
            self._client = engine_client.connect()
        return self._client

    def app(self, name: str | None, path: Path | None = None, *, create: bool = False) -> App:
        """The app a command acts on. Only the commands that stand in for `heroku create`
        (`up`, `build`, `config:set`, `addons:create`, `labs:enable`) and those that clean up
        (`down`, `destroy`) take an app herosim has never seen; the others answer as Heroku's
        CLI does."""
        state = self.state(name, path, create=create)
        return App(self.client, self.printer, state.app, state)

    def state(self, name: str | None, path: Path | None = None, *, create: bool = False) -> AppState:
        state = AppState(resolve_app(name, path))
        if not create:
            _must_exist(state)
        return state


def resolve_app(name: str | None, path: Path | None = None) -> str:
    """-a/--app, $HEROSIM_APP or $HEROKU_APP, the herosim app of the git remotes of PATH (or
    of the current directory), else the directory's name."""
    where = path or Path.cwd()
    if name or names.from_environment():
        return names.pick(name, dict(os.environ), [], None, "")
    ctx = click.get_current_context(silent=True)
    remote = (ctx.meta.get(REMOTE_KEY) if ctx else None) or remotes.configured_remote(where)
    found = [(r.remote, r.app) for r in remotes.apps(remotes.listed(where))]
    return names.pick(None, {}, found, remote, names.from_dir(where))


def _must_exist(state: AppState) -> None:
    if not state.exists:
        raise HerosimError("Couldn't find that app.",
                           hint=f"`herosim up -a {state.app}` in the app's directory creates it")


pass_env = click.make_pass_decorator(Env, ensure=True)
REMOTE_KEY = "herosim.remote"


def _keep_remote(ctx: click.Context, _param, value: str | None) -> None:
    if value:
        ctx.meta[REMOTE_KEY] = value


def app_option(f):
    """-a/--app and -r/--remote, as on every command of Heroku's CLI that acts on an app."""
    f = click.option("-r", "--remote", metavar="REMOTE", expose_value=False, callback=_keep_remote,
                     help="git remote of app to use")(f)
    return click.option("-a", "--app", "app_name", metavar="APP",
                        help="app to run command against (default: $HEROSIM_APP or $HEROKU_APP, the app "
                             "of the `heroku` git remote, else the current directory's name)")(f)


def timeout_options(f):
    f = click.option("--time-scale", type=float,
                     help="multiply crash cool-offs (20, 40, 60, 180, 320 min) by this; e.g. 0.001")(f)
    f = click.option("--router-timeout", type=float, help="H12 after this many seconds (Heroku: 30)")(f)
    f = click.option("--stop-timeout", type=float, help="SIGKILL after this many seconds (Heroku: 30)")(f)
    f = click.option("--boot-timeout", type=float, help="R10 after this many seconds (Heroku: 60)")(f)
    return f


class ExitStatus(Exception):
    """A command ends with this status, having printed all it had to say (a one-off dyno's,
    the tests' of `herosim ci`, doctor's verdict). Raised up to the edge, which exits with it."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class HerosimGroup(click.Group):
    """The error edge: a HerosimError (or a Docker failure nobody translated) becomes one line
    and a hint on stderr and an exit status, never a traceback; an ExitStatus, its status.
    A command's module is imported when the command is looked up (importing it registers it)."""

    def get_command(self, ctx, cmd_name):
        module = commands.OWNER.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"herosim.cli.{module}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx):
        load_all()
        return super().list_commands(ctx)

    def invoke(self, ctx):
        printer = ctx.ensure_object(Env).printer   # made here, so that every command shares it
        try:
            return super().invoke(ctx)
        except ExitStatus as exc:
            ctx.exit(exc.code)
        except HerosimError as exc:
            show(exc, printer)
            ctx.exit(exc.exit_code)
        except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
            show(HerosimError(f"Docker failed: {_first_line(exc)}",
                              hint="check `docker info`; if the engine is healthy, this is a herosim bug"), printer)
            ctx.exit(1)


def show(exc: HerosimError, printer: Printer) -> None:
    say = printer.info
    block = getattr(exc, "block", None)
    if block:  # the buildpack's error, in its words, and Heroku's verdict on the push
        detect = getattr(exc, "reason", "") == "detect"   # bin/detect failed: the platform frames it
        if detect:
            say(f"-----> App not compatible with buildpack: {buildpack.REGISTRY_URL}")
        say("")
        for line in block:
            say(f" ▸    {line}".rstrip() if line else " ▸")
        say("")
        if detect:
            say("\n       More info: https://devcenter.heroku.com/articles/buildpacks#buildpack-auto-detection\n")
            say(" ▸    Push failed")
            return
        say(" ▸    Push rejected, failed to compile Python app.")
        for line in getattr(exc, "diagnosis", []):
            say(f" ▸    {line}")
        return
    say(f" ▸    {exc.message}")
    if exc.hint:
        say(f" ▸    Hint: {exc.hint}")
    if exc.details:
        say(exc.details)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "explanation", None) or exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


@click.group(cls=HerosimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="herosim")
def cli():
    """A local Heroku: slug builds, dynos, add-ons, router and logs in Docker."""


def load_all() -> None:
    """Every command's module: for the help, and for whatever needs the whole group."""
    for module in commands.MODULES:
        importlib.import_module(f"herosim.cli.{module}")


def aliases(command: click.Command, *names: str, hidden: bool = True) -> None:
    """Heroku's (hidden) aliases: the same command under other names."""
    for name in names:
        twin = copy.copy(command)
        twin.hidden = hidden
        cli.add_command(twin, name)


def open_url(url: str) -> None:
    """A browser, only when there is a display to show it on (else the printed URL is all)."""
    if sys.platform in ("darwin", "win32") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        webbrowser.open(url)


def confirm_app(env: Env, app: App, warning: str, confirm: str | None) -> None:
    """Heroku's guard for destructive commands: type the app's name, or pass --confirm APP."""
    if confirm is None:
        env.printer.info(f" !    {warning}")
        env.printer.info(f" !    To proceed, type {app.name} or re-run this command with --confirm {app.name}")
        confirm = click.prompt("", prompt_suffix="> ", default="", show_default=False)
    if confirm != app.name:
        raise HerosimError("Confirmation did not match app. Aborted.", hint=f"re-run with --confirm {app.name}")


def on_terminal(env: Env) -> bool:
    """Whether stdin and stdout are a terminal: a dyno, psql or valkey-cli then gets a TTY."""
    return sys.stdin.isatty() and env.printer.out.isatty()


def report_losses(env: Env, app: App, heading: str, target: str | None = None) -> int:
    """Print what restarting the dynos would lose; the number of files."""
    lost, lines = app.fs.losses(target)
    if lost:
        env.printer.info(heading)
        for line in lines:
            env.printer.info(line)
    return lost


def main() -> None:
    """The console script: the only place herosim exits (click's own usage errors are shown
    as click shows them)."""
    env = Env()
    try:
        code = cli.main(standalone_mode=False, obj=env)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Abort:
        env.printer.info("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except HerosimError as exc:  # raised outside a command (while parsing options)
        show(exc, env.printer)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
