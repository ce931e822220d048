"""Config vars and releases."""

from __future__ import annotations

import datetime as dt

import click

from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.const import HEXAGON
from herosim.errors import HerosimError
from herosim.platform.config_vars import check_key, describe_keys, parse_assignments


# -- config vars ------------------------------------------------------------------------------
@cli.command("config")
@app_option
@click.option("-s", "--shell", is_flag=True, help="output config vars in shell format")
@click.option("-j", "--json", "as_json", is_flag=True, help="output config vars in json format")
@pass_env
def config_(env: Env, app_name, shell, as_json):
    """Display the config vars for an app."""
    app = env.app(app_name)
    values = app.config.all()
    if as_json:
        env.printer.json(values, sort_keys=True)
    elif shell:
        env.printer.data("\n".join(render.shell(values)))
    else:
        env.printer.data("\n".join(render.config(values, app.name)))


@cli.command("config:get")
@click.argument("key")
@app_option
@pass_env
def config_get(env: Env, key, app_name):
    """Display a single config value."""
    value = env.app(app_name).config.all().get(key)
    env.printer.data("" if value is None else value)


@cli.command("config:set")
@click.argument("assignments", nargs=-1)
@app_option
@pass_env
def config_set(env: Env, assignments, app_name):
    """Set one or more config vars (KEY=value …) and restart the dynos."""
    values = parse_assignments(assignments)
    app = env.app(app_name, create=True)
    release = app.config.change(values)
    env.printer.info(f"Setting {describe_keys(values)} and restarting {HEXAGON} {app.name}... "
                     f"done, v{release.version}")
    width = max(len(k) for k in values) + 1
    for key, value in values.items():
        env.printer.data(f"{(key + ':').ljust(width)} {value}")


@cli.command("config:unset")
@click.argument("keys", nargs=-1, required=True)
@app_option
@pass_env
def config_unset(env: Env, keys, app_name):
    """Unset one or more config vars and restart the dynos."""
    for key in keys:
        check_key(key)
    app = env.app(app_name)
    release = app.config.change({}, list(keys))
    env.printer.info(f"Unsetting {describe_keys(keys)} and restarting {HEXAGON} {app.name}... "
                     f"done, v{release.version}")


@cli.command()
@app_option
@click.option("-n", "--num", type=int, default=15, show_default=True, help="how many releases to list")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def releases(env: Env, app_name, num, as_json):
    """List the app's releases."""
    state = env.state(app_name)
    if as_json:
        env.printer.json([{"version": r.version, "description": r.description, "status": r.status,
                           "user": r.user, "created_at": r.created_at, "commit": r.commit}
                          for r in reversed(state.releases())][:num])
        return
    for line in render.releases(state.releases(), state.app, dt.datetime.now(dt.timezone.utc), num):
        env.printer.data(line)


@cli.command("releases:info")
@click.argument("release", required=False)
@app_option
@click.option("-s", "--shell", is_flag=True, help="config vars as KEY=value")
@pass_env
def releases_info(env: Env, release, app_name, shell):
    """A release: its change, who, when, whether it can be rolled back to, its config vars."""
    app = env.app(app_name)
    found = app.state.release(_version(release)) if release else app.state.current_release()
    if found is None:
        raise HerosimError(f"Release {release or 'current'} not found.", hint="see `herosim releases`")
    status = f" ({render.RELEASE_STATUS.get(found.status, found.status)})" if found.status != "succeeded" else ""
    rows = [("Add-ons", "\n".join(sorted(a.plan for a in app.addons.attached()))), ("By", found.user),
            ("Change", found.description + status),
            ("Eligible for Rollback?", "Yes" if app.releases.eligible(found) else "No"), ("When", found.created_at)]
    env.printer.data(f"=== Release v{found.version}")
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        first, *rest = value.split("\n") if value else [""]
        env.printer.data(f"{(key + ':').ljust(width)}{first}".rstrip())
        for line in rest:
            env.printer.data(" " * width + line)
    env.printer.data()
    env.printer.data(f"=== v{found.version} Config vars")
    values = {**app.addons.config_vars(), **found.config_vars}
    for line in (render.shell(values) if shell else render.config(values, app.name)[1:]):
        env.printer.data(line)


@cli.command("releases:rollback")
@click.argument("release", required=False)
@app_option
@pass_env
def releases_rollback(env: Env, release, app_name):
    """Roll back to a release's code and config vars (the one before the current by default)."""
    app = env.app(app_name)
    new, previous = app.releases.rollback(_version(release) if release else None)
    target = new.description.removeprefix("Rollback to ")
    env.printer.info(f"Rolling back {HEXAGON} {app.name} to {target}... done, v{new.version}")
    env.printer.info("Rollback affects code and config vars; it doesn't add or remove addons.")
    if previous is not None:
        env.printer.info(f"To undo, run: herosim rollback v{previous.version}")


cli.add_command(releases_rollback, "rollback")


def _version(text: str) -> int:
    try:
        return int(text.lower().removeprefix("v"))
    except ValueError:
        raise HerosimError(f"{text} is not a release (v12 or 12)", hint="see `herosim releases`") from None
