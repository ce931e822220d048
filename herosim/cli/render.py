"""Text shapes of Heroku's CLI for tables and listings (pure: data in, lines out)."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Sequence

from herosim.const import HEXAGON
from herosim.platform.state import Release
from herosim.runtime.dyno import DynoView


def ago(when: dt.datetime, now: dt.datetime) -> str:
    seconds = max(int((now - when).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


def fields(rows: list[tuple[str, str]]) -> list[str]:
    """Heroku's `Key:  value` block: every value in one column, two spaces past the longest key."""
    width = max((len(key) for key, _ in rows), default=0) + 2
    return [f"{(key + ':').ljust(width)}{value}" for key, value in rows]


def styled(rows: list[tuple[str, str | list[str]]]) -> list[str]:
    """Heroku's styledObject: `Key:  value` with the values in one column, two spaces past the
    longest key; a list's first item on its key's line, the others under it; empty lists left out."""
    shown = [(key, value) for key, value in rows if value != []]
    width = max((len(key) for key, _ in shown), default=0) + 2
    lines = []
    for key, value in shown:
        items = value if isinstance(value, list) else [value]
        lines.append(f"{(key + ':').ljust(width)}{items[0]}")
        lines += [" " * width + item for item in items[1:]]
    return lines


def table(rows: Sequence[tuple[str, ...]], rule: bool = False) -> list[str]:
    """A header row and its rows in columns two spaces apart; with `rule`, a line of ─ under
    the header, as Heroku's CLI draws its tables."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    if rule:
        lines.insert(1, "  ".join("─" * w for w in widths))
    return lines


def ps(dynos: list[DynoView], now: dt.datetime) -> list[str]:
    """`heroku ps`: a section per process type, a line per dyno."""
    lines: list[str] = []
    by_type: dict[str, list[DynoView]] = {}
    for dyno in dynos:
        by_type.setdefault(dyno.type, []).append(dyno)
    for kind, members in by_type.items():
        if lines:
            lines.append("")
        lines.append(f"=== {kind} ({members[0].size}): {members[0].command} ({len(members)})")
        for dyno in members:
            since = dt.datetime.fromisoformat(dyno.since)
            lines.append(f"{dyno.name}: {dyno.state} {since.strftime('%Y/%m/%d %H:%M:%S %z')} "
                         f"(~ {ago(since, now)})")
    return lines


def config(values: dict[str, str], app: str) -> list[str]:
    lines = [f"=== {app} Config Vars"]
    width = max((len(k) for k in values), default=0) + 1
    for key, value in sorted(values.items()):
        lines.append(f"{(key + ':').ljust(width)} {value}")
    return lines


def shell(values: dict[str, str]) -> list[str]:
    return [f"{k}={shlex.quote(v)}" for k, v in sorted(values.items())]


RELEASE_STATUS = {"failed": "release command failed", "pending": "release command executing"}


def releases(items: list[Release], app: str, now: dt.datetime, limit: int = 15) -> list[str]:
    """`heroku releases`: newest first, 15 by default, a failed release phase said in the row."""
    if not items:
        return [f"{HEXAGON} {app} has no releases."]
    current = [r for r in items if r.status == "succeeded"]
    lines = [f"=== {HEXAGON} {app} Releases" + (f" - Current: v{current[-1].version}" if current else "")]
    for release in list(reversed(items))[:limit]:
        created = dt.datetime.fromisoformat(release.created_at)
        status = f" ({RELEASE_STATUS.get(release.status, release.status)})" if release.status != "succeeded" else ""
        lines.append(f"v{release.version}  {release.description}{status}  {release.user}  {ago(created, now)}")
    return lines

