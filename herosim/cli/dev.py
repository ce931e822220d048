"""The edit-reload loop: `herosim dev` (Heroku's platform, every save on the running dynos)
and `herosim local` (exactly `heroku local`: the Procfile on this machine)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import click

from herosim.app import local as local_mod
from herosim.app.deploy import UpOptions
from herosim.app.dev import DevSession, Reload
from herosim.app.devchanges import describe
from herosim.cli.apps import _down, _LogFollower
from herosim.cli.base import Env, ExitStatus, app_option, cli, pass_env, report_losses, show, timeout_options
from herosim.errors import HerosimError
from herosim.platform.sizes import SIZES
from herosim.platform.timeouts import Timeouts

PREFIX = "herosim dev: "


@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@app_option
@click.option("-p", "--port", type=int, help="router port on 127.0.0.1 (default 5006)")
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="PEM bundle to trust at build time")
@click.option("--no-cache", is_flag=True, help="rebuild the dependency layer from scratch (first build)")
@click.option("--size", type=click.Choice(sorted(SIZES)), default="basic", help="dyno size (memory quota)")
@timeout_options
@pass_env
def dev(env: Env, path, app_name, port, ca_bundle, no_cache, size, boot_timeout, stop_timeout, router_timeout,
        time_scale):
    """Run PATH as `up` does, then bring every saved change to the running dynos: code is
    synced and the dynos restart (or their server reloads); a change to what the build reads
    (dependencies, versions, Procfile, app.json, hooks) is a full build. Ctrl-C stops the dynos."""
    timeouts = Timeouts.resolve(boot=boot_timeout, stop=stop_timeout, router=router_timeout, time_scale=time_scale)
    options = UpOptions(port=port, timeouts=timeouts, size=size, ca_bundle=ca_bundle, no_cache=no_cache)
    app = env.app(app_name, path, create=True)
    session = DevSession(app, path, options)
    follower = _LogFollower(app.logs, env.printer)
    follower.start()
    signal.signal(signal.SIGTERM, _interrupt)  # a terminal closing, or `kill`: stop as Ctrl-C does
    try:
        session.start()
        env.printer.info(f"{PREFIX}{app.name} runs at {app.url()} and {app.https_url()}; watching {path.resolve()} "
                         "(what git tracks or would track, less .slugignore). Ctrl-C stops its dynos.")
        session.watch(report=lambda r: _report(env, app, r), announce=lambda r: _announce(env, r))
    except KeyboardInterrupt:
        env.printer.info(f"\nSIGINT received: stopping dynos (SIGTERM, then SIGKILL after {timeouts.stop:g} s); "
                         "add-on data is kept")
        lost = report_losses(env, app, "Lost with the dynos' filesystems:")
        _down(env, app, timeouts.stop)
        app.fs.check_strict(lost)
    finally:
        follower.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _announce(env: Env, reload: Reload) -> None:
    env.printer.info(f"{PREFIX}{'; '.join(reload.rebuilt)}: a full build and a new release, as a push")


def _report(env: Env, app, reload: Reload) -> None:
    env.printer.info(PREFIX + reload_line(reload, app.state.current_release()))
    if reload.error is not None:
        show(reload.error, env.printer)


def reload_line(reload: Reload, current=None) -> str:
    """The one line a round prints."""
    what = describe(reload.changes) if reload.changes else "the tree"
    took = f" ({reload.seconds:.1f} s)"
    if reload.error is not None:
        keeps = f"; v{current.version} keeps running" if current is not None else ""
        return f"{what}: not deployed{keeps}; the next save tries again"
    if reload.rebuilt:
        line = f"v{reload.version} built and released{took}"
    else:
        parts = []
        if reload.synced:
            parts.append(f"copied into {', '.join(reload.synced)} ({', '.join(reload.reloaders)} reloads it)")
        restarted = [d for d in reload.restarted if d not in reload.crashed]
        if restarted:
            parts.append(f"{', '.join(restarted)} restarted")
        line = f"{what} -> v{reload.version}" + (f": {'; '.join(parts)}" if parts else "") + took
    if reload.crashed:
        line += f"; {', '.join(reload.crashed)} crashed (its lines are above; the next save deploys again)"
    if reload.untracked:
        line += f" [not tracked by git: {', '.join(reload.untracked)}; a push leaves it out until `git add`]"
    return line


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("processname", required=False)
@click.option("-f", "--procfile", help="use a different Procfile")
@click.option("-e", "--env", "env_file", help="location of env file (defaults to .env)")
@click.option("-p", "--port", help="port to listen on (default: the env file's PORT, $PORT, else 5006)")
@click.option("--start-cmd", help="command to run as a web process when there's no Procfile")
@click.option("-r", "--restart", is_flag=True, hidden=True)
@click.option("-c", "--concurrency", hidden=True)
@pass_env
def local(env: Env, processname, procfile, env_file, port, start_cmd, restart, concurrency):
    """Run the app on this machine exactly as `heroku local` does (honcho, .env, PORT 5006)."""
    if restart or concurrency:
        flag = "--restart" if restart else "--concurrency"
        raise HerosimError(f"{flag} is no longer available", hint="Use forego instead: https://github.com/ddollar/forego")
    root = Path.cwd()
    name = procfile or "Procfile"
    envs = local_mod.load_envs(_env_file(env, root, env_file), root, os.environ)
    if (root / name).is_file():
        if start_cmd and not processname:
            env.printer.info(f" ▸    Using the --procfile flag ignores the specified start command, {start_cmd}.")
        types = local_mod.read_procfile(root / name)
        wanted = local_mod.requirements(processname, list(types))
    elif start_cmd and not processname:
        if port:
            env.printer.info(f" ▸    Using the --start-cmd flag ignores the specified port, {port}.")
        env.printer.info(local_mod.NOTE)
        # foreman's `run`: no PORT
        raise ExitStatus(local_mod.run(root, [local_mod.LocalProcess("web.1", start_cmd, envs)]))
    else:
        raise local_mod.no_procfile(name)
    procs, missing = local_mod.processes(types, wanted, envs, local_mod.base_port(port, envs, os.environ))
    for kind in missing:
        env.printer.info(f"Required Key '{kind}' Does Not Exist in Procfile Definition")
    env.printer.info(local_mod.NOTE)
    raise ExitStatus(local_mod.run(root, procs))


def _env_file(env: Env, root: Path, given: str | None) -> str:
    name = given or ".env"
    if (root / name).exists() and not (root / name).is_file():
        env.printer.info(f" ▸    The specified location for the env file, {name}, is not a file, ignoring.")
        return ""
    return name
