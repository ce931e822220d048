"""`herosim metrics`: the Metrics tab's figures for one window, for scripts (`--json`) and people."""

from __future__ import annotations

import datetime as dt

import click

from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.const import HEXAGON
from herosim.metrics import view

RESOLUTION = {60: "1-minute", 600: "10-minute", 3600: "1-hour", 7200: "2-hour"}


@cli.command("metrics")
@app_option
@click.option("-w", "--window", type=click.Choice(list(view.WINDOWS)), default="2h", show_default=True,
              help="Heroku's Metrics windows")
@click.option("-t", "--type", "process_type", default="web", show_default=True, metavar="TYPE",
              help="process type")
@click.option("--json", "as_json", is_flag=True, help="every point of the window, as JSON")
@pass_env
def metrics(env: Env, app_name, window, process_type, as_json):
    """Response time, throughput, memory, dyno load, errors and events of the app."""
    state = env.state(app_name)
    data = view.of_app(state, window, process_type)
    if as_json:
        env.printer.json(data)
        return
    for line in text(data, dt.datetime.now(dt.timezone.utc)):
        env.printer.data(line)


def _num(value, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def text(data: dict, now: dt.datetime) -> list[str]:
    s = data["summary"]
    updated = data["updated_at"]
    when = f", updated {render.ago(dt.datetime.fromisoformat(updated.replace('Z', '+00:00')), now)}" if updated \
        else ", nothing collected yet"
    rt, mem, load = s["response_time_ms"], s["memory_mb"], s["load"]
    lines = [f"=== {HEXAGON} {data['app']} Metrics: {data['process_type']}, past {data['window']} "
             f"({RESOLUTION.get(data['resolution_s'], str(data['resolution_s']) + ' s')} resolution){when}"]
    rows = [
        ("Response time", f"median {_num(rt['p50'], ' ms')}, p95 {_num(rt['p95'], ' ms')}, "
                          f"p99 {_num(rt['p99'], ' ms')}, max {_num(rt['max'], ' ms')}"),
        ("Throughput", ", ".join(f"{c} {s['status'][c]}" for c in ("2xx", "3xx", "4xx", "5xx"))
         + f" ({s['requests']} requests)"),
        ("Memory", f"mean {_num(mem['total_mean'], ' MB')}, max {_num(mem['total_max'], ' MB')} "
                   f"of {_num(mem['quota'], ' MB')} quota (RSS {_num(mem['rss_mean'], ' MB')}, "
                   f"swap {_num(mem['swap_mean'], ' MB')})"),
        ("Dyno load", f"mean {_num(load['mean'])}, max {_num(load['max'])}"),
        ("Errors", ", ".join(f"{code} {count}" for code, count in s["errors"].items()) or "none"),
    ]
    lines += render.fields(rows)
    if data["events"]:
        lines.append("Events:")
        lines += [f"  {e['t']}  {e['kind']:<8}  {e['text']}" + (f" ({e['release']})" if e.get("release") else "")
                  for e in data["events"]]
    return lines
