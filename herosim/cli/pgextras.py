"""The diagnostics of heroku-pg-extras, as the Heroku CLI runs them: pg:diagnose, pg:outliers,
pg:locks, pg:blocking, pg:bloat, pg:vacuum-stats, pg:index-usage, pg:long-running-queries,
pg:seq-scans, pg:cache-hit. Each prints psql's table, as the CLI does."""

from __future__ import annotations

import click

from herosim.app import pgdiagnose, pgextras
from herosim.cli import render
from herosim.cli.base import Env, aliases, app_option, cli, pass_env
from herosim.errors import HerosimError


def _simple(name: str, doc: str, query: str, hidden_alias: str | None = None) -> None:
    @click.argument("database", required=False)
    @app_option
    @pass_env
    def command(env: Env, database, app_name):
        app = env.app(app_name)
        env.printer.data(app.pgextras.table(app.pg.find(database), query))   # psql's table, as the CLI prints it

    command.__doc__ = doc
    registered = cli.command(name)(command)
    if hidden_alias:
        aliases(registered, hidden_alias)


_simple("pg:blocking", "Display queries holding locks other queries are waiting to be released.", pgextras.BLOCKING)
_simple("pg:cache-hit", "Show index and table hit rate.", pgextras.CACHE_HIT, "pg:cache_hit")
_simple("pg:index-usage", "Show the percentage of time each table's indexes are used.", pgextras.INDEX_USAGE,
        "pg:index_usage")
_simple("pg:seq-scans", "Show the count of sequential scans by table, descending.", pgextras.SEQ_SCANS, "pg:seq_scans")
_simple("pg:vacuum-stats", "Show dead rows and whether an automatic vacuum is expected to be triggered.",
        pgextras.VACUUM_STATS)
_simple("pg:bloat", "Show table and index bloat in your database ordered by most wasteful.", pgextras.BLOAT)
_simple("pg:long-running-queries", "Show all queries longer than five minutes by descending duration.",
        pgextras.long_running_query(), "pg:long_running_queries")


@cli.command("pg:locks")
@click.argument("database", required=False)
@app_option
@click.option("-t", "--truncate", is_flag=True, help="truncates queries to 40 characters")
@pass_env
def pg_locks(env: Env, database, app_name, truncate):
    """Display queries with active locks."""
    app = env.app(app_name)
    env.printer.data(app.pgextras.table(app.pg.find(database), pgextras.locks_query(truncate)))


@cli.command("pg:outliers")
@click.argument("database", required=False)
@app_option
@click.option("-n", "--num", help="the number of queries to display (default: 10)")
@click.option("--reset", is_flag=True, help="resets statistics gathered by pg_stat_statements")
@click.option("-t", "--truncate", is_flag=True, help="truncate queries to 40 characters")
@pass_env
def pg_outliers(env: Env, database, app_name, num, reset, truncate):
    """Show 10 queries that have the longest execution time in aggregate."""
    app = env.app(app_name)
    if num is not None and not num.isdigit():
        raise HerosimError(f'Cannot parse num param value "{num}" to a number', hint="-n takes a whole number")
    output = app.pgextras.outliers(app.pg.find(database), int(num or 10), truncate, reset)
    if output:
        env.printer.data(output)


@cli.command("pg:diagnose")
@click.argument("database", required=False)
@app_option
@click.option("--json", "as_json", is_flag=True, help="format output as JSON")
@pass_env
def pg_diagnose(env: Env, database, app_name, as_json):
    """Run a diagnostics report on the database: red, then yellow, then green checks."""
    app = env.app(app_name)
    report = pgdiagnose.Diagnose(app.pg, app.pgextras).run(app.pg.find(database))
    if as_json:
        env.printer.data(pgdiagnose.as_json(report))
        return
    for line in render_lines(report):
        env.printer.data(line)


def render_lines(report: pgdiagnose.Report) -> list[str]:
    lines = [f"Report {report.id} for {report.app}::{report.database}",
             f"available for one month after creation on {report.created_at}", ""]
    def rank(check: pgdiagnose.Check) -> int:
        return pgdiagnose.ORDER.index(check.status) if check.status in pgdiagnose.ORDER else len(pgdiagnose.ORDER)

    ranked = sorted(report.checks, key=rank)
    for check in ranked:
        lines.append(f"{check.status.upper()}: {check.name}")
        if check.status == "green" or not check.results:
            continue
        if isinstance(check.results, list):
            keys = list(check.results[0])
            rows = [tuple(k[:1].upper() + k[1:] for k in keys)]
            rows += [tuple(str(r.get(k, "")) for k in keys) for r in check.results]
            lines += render.table(rows, rule=True)
        else:
            key, value = next(iter(check.results.items()))
            lines.append(" ".join(part.capitalize() for part in key.split("_")) + f" {value}")
    return lines
