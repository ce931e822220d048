"""fs:diff and doctor."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from herosim.audit import fsaudit
from herosim.cli.base import Env, app_option, cli, pass_env
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
        click.echo(json.dumps({d: [{"category": f.key, "title": f.title, "fix": f.fix, "paths": f.paths}
                                   for f in findings] for d, findings in changes.items()}, indent=2))
    else:
        if not changes:
            env.printer.info(f"No running dynos on {HEXAGON} {app.name}")
        for dyno, findings in changes.items():
            for line in fsaudit.render(dyno, findings):
                click.echo(line)
    lost = sum(len(f.paths) for findings in changes.values() for f in findings)
    if lost and (strict or app.state.settings().fs.strict):
        sys.exit(1)


@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@app_option
@click.option("--json", "as_json", is_flag=True, help="the findings as JSON (for CI)")
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), help="CA bundle for the package index")
@pass_env
def doctor(env: Env, path, app_name, as_json, ca_bundle):
    """Predict what breaks on Heroku, before any build; exit 1 when something certainly will."""
    from herosim.slug import cabundle, wheels
    from herosim.slug.source import collect, ignored, readable
    source = collect(path)
    files = readable(source)

    def read_bytes(name: str) -> bytes | None:
        if name not in files:
            return None
        try:
            return (source.root / name).read_bytes()
        except OSError:
            return None

    def read(name: str) -> str | None:
        data = read_bytes(name)
        return None if data is None else data.decode(errors="replace")
    from herosim.audit import doctor as doctor_mod  # imported when used: every other command starts faster
    state = env.state(app_name, path, create=True)
    bundle = cabundle.find(ca_bundle)
    findings = doctor_mod.check(files, read, dict(state.config_vars()), untracked=source.untracked,
                                ignored=ignored(path), read_bytes=read_bytes,
                                last_python=state.settings().last_build.python,
                                fetch=wheels.simple_api(verify=str(bundle) if bundle else True, timeout=5.0),
                                formation=state.formation())
    errors = sum(f.severity == doctor_mod.ERROR for f in findings)
    if as_json:
        click.echo(json.dumps({"errors": errors, "warnings": len(findings) - errors,
                               "findings": [f.as_dict() for f in findings]}, indent=2))
    else:
        for finding in findings:
            for line in finding.render():
                click.echo(line)
        warnings = len(findings) - errors
        click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
                   if findings else "No problems found.")
    if errors:
        sys.exit(1)
