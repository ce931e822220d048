"""`herosim dashboard`: the local Heroku Dashboard on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import webbrowser

import click

from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.dashboard import launcher


@cli.command("dashboard")
@app_option
@click.option("-p", "--port", type=int, default=launcher.DEFAULT_PORT, show_default=True,
              help="port on 127.0.0.1")
@click.option("--open", "open_browser", is_flag=True, help="open it in a browser")
@click.option("-d", "--detach", is_flag=True, help="run it in the background (or find the one that runs)")
@pass_env
def dashboard(env: Env, app_name, port, open_browser, detach):
    """Serve the dashboard: every app's Overview, Resources, Activity, Metrics, Logs and Settings."""
    app = env.state(app_name).app if app_name else None
    if detach:
        url = launcher.url_for(launcher.ensure(port), app)
        env.printer.data(url)
        if open_browser:
            webbrowser.open(url)
        return

    def ready(url: str) -> None:
        target = url + (f"apps/{app}" if app else "")
        env.printer.info(f"Dashboard on {target} (Ctrl-C stops it)")
        if open_browser:
            webbrowser.open(target)
    launcher.serve(lambda: env.client, port, ready)
