"""Heroku Scheduler's jobs (the dashboard's, as commands): scheduler, scheduler:add,
scheduler:remove, scheduler:run."""

from __future__ import annotations

import click

from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.const import HEXAGON
from herosim.platform.sizes import SIZES


@cli.command("scheduler")
@app_option
@pass_env
def scheduler_list(env: Env, app_name):
    """The app's scheduled jobs."""
    app = env.app(app_name)
    jobs = app.jobs.all()
    if not jobs:
        env.printer.info(f"No scheduled jobs on {HEXAGON} {app.name}.")
        return
    due = app.jobs.next_runs()
    rows = [("ID", "Command", "Frequency", "Dyno", "Next run")]
    for job in jobs:
        seconds = due.get(job.id)
        rows.append((str(job.id), job.command, job.frequency(), SIZES[job.size].name,
                     "-" if seconds is None else f"in {seconds:.0f}s"))
    env.printer.data(f"=== Scheduled jobs on {HEXAGON} {app.name}")
    env.printer.data("\n".join(render.table(rows)))


@cli.command("scheduler:add")
@click.argument("command")
@app_option
@click.option("--every", required=True, type=click.Choice(["10m", "1h", "1d"]), help="10m, 1h or 1d")
@click.option("--at", default=None, help="hourly: :00 … :50; daily: HH:MM on the half hour (UTC)")
@click.option("--size", default="basic", type=click.Choice(sorted(SIZES)), help="the job's dyno size")
@pass_env
def scheduler_add(env: Env, command, app_name, every, at, size):
    """Schedule COMMAND as Heroku Scheduler would run it."""
    app = env.app(app_name)
    job = app.jobs.add(command, every, at, size)
    env.printer.info(f"Scheduling `{job.command}` on {HEXAGON} {app.name}... done, job {job.id} "
                     f"({job.frequency().lower()})")


@cli.command("scheduler:remove")
@click.argument("job_id", type=int)
@app_option
@pass_env
def scheduler_remove(env: Env, job_id, app_name):
    """Remove a scheduled job."""
    app = env.app(app_name)
    job = app.jobs.remove(job_id)
    env.printer.info(f"Removing job {job.id} (`{job.command}`) from {HEXAGON} {app.name}... done")


@cli.command("scheduler:run")
@click.argument("job_id", type=int)
@app_option
@pass_env
def scheduler_run(env: Env, job_id, app_name):
    """Run a scheduled job now, in a scheduler.N dyno."""
    app = env.app(app_name)
    name = app.jobs.run(job_id)
    env.printer.info(f"Running job {job_id} on {HEXAGON} {app.name}... done, {name}")
    env.printer.info(f"Use 'herosim logs -a {app.name} --dyno={name}' to view the output.")
