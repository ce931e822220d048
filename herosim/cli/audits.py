"""fs:diff and doctor."""

from __future__ import annotations

from pathlib import Path

import click

from herosim.audit import fsaudit
from herosim.cli.base import Env, ExitStatus, app_option, cli, pass_env
from herosim.const import HEXAGON


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
    changes = app.fs.changes(target)
    if as_json:
        env.printer.json({d: [{"category": f.key, "title": f.title, "fix": f.fix, "paths": f.paths}
                              for f in findings] for d, findings in changes.items()})
    else:
        if not changes:
            env.printer.info(f"No running dynos on {HEXAGON} {app.name}")
        for dyno, findings in changes.items():
            env.printer.lines(fsaudit.render(dyno, findings))
    lost = sum(len(f.paths) for findings in changes.values() for f in findings)
    if lost and (strict or app.state.settings().fs.strict):
        raise ExitStatus(1)


@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@app_option
@click.option("--json", "as_json", is_flag=True, help="the findings as JSON (for CI)")
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA bundle for the package index")
@pass_env
def doctor(env: Env, path, app_name, as_json, ca_bundle):
    """Predict what breaks on Heroku, before any build; exit 1 when something certainly will."""
    from herosim.app import doctor as doctor_mod  # imported when used: every other command starts faster
    found = doctor_mod.diagnose(path, lambda: env.state(app_name, path, create=True), ca_bundle)
    if as_json:
        env.printer.json(found.as_dict())
    else:
        for finding in found.findings:
            env.printer.lines(finding.render())
        env.printer.data(f"{found.errors} error{'s' * (found.errors != 1)}, "
                         f"{found.warnings} warning{'s' * (found.warnings != 1)}"
                         if found.findings else "No problems found.")
    if found.errors:
        raise ExitStatus(1)
