"""`pg:diagnose`: the checks of Heroku's diagnostics report, run here on the database (Heroku runs
them in its pgdiagnose service): each check red, yellow or green, with the rows that made it so.
The CLI renders it as Heroku's does (cli/pgextras.py).
The thresholds are herosim's own reading of Dev Center's advice (a cache hit rate under 99%, a
query or an idle transaction past a minute, indexes never used, bloat past 10x)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field

from herosim.addons import postgres
from herosim.addons.attachment import Attachment

ORDER = ("red", "yellow", "green")


@dataclass(frozen=True)
class Check:
    name: str
    status: str                                       # red, yellow, green
    results: list[dict] | dict = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    id: str
    app: str
    database: str
    created_at: str
    checks: list[Check]


QUERIES = {
    "connections": "SELECT count(*) AS count FROM pg_stat_activity WHERE usename = current_user",
    "long": """SELECT pid, (now() - query_start)::text AS duration, query FROM pg_stat_activity
               WHERE state = 'active' AND now() - query_start > interval '1 minute' AND pid <> pg_backend_pid()
               ORDER BY query_start""",
    "idle": """SELECT pid, (now() - state_change)::text AS duration, query FROM pg_stat_activity
               WHERE state LIKE 'idle in transaction%' AND now() - state_change > interval '1 minute'
               ORDER BY state_change""",
    "blocking": None,   # pgextras.BLOCKING
    "indexes": """SELECT 'Never Used Indexes' AS reason, s.relname || '::' || s.indexrelname AS index,
                  pg_size_pretty(pg_relation_size(s.indexrelid)) AS index_size
                  FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
                  WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 2""",
    "bloat": None,      # pgextras.BLOAT
    "hits": None,       # pgextras.CACHE_HIT
}


def connection_check(count: int, limit: int) -> Check:
    status = "red" if count >= 0.9 * limit else "yellow" if count >= 0.7 * limit else "green"
    return Check("Connection Count", status, {"count": count} if status != "green" else [])


def rows_check(name: str, rows: list[dict], status: str = "red") -> Check:
    return Check(name, status if rows else "green", rows)


def bloat_check(rows: list[dict]) -> Check:
    worst = [r for r in rows if float(r.get("bloat") or 0) > 10]
    return Check("Bloat", "red" if worst else "green", worst)


def hit_rate_check(rows: list[dict]) -> Check:
    low = [r for r in rows if r.get("ratio") is not None and float(r["ratio"]) < 0.99]
    return Check("Hit Rate", "yellow" if low else "green", low)


def as_json(report: Report) -> str:
    return json.dumps(asdict(report), indent=2, ensure_ascii=False)


class Diagnose:
    def __init__(self, pg, extras, clock=dt.datetime.now):
        self.pg = pg
        self.extras = extras
        self.clock = clock

    def rows(self, attachment: Attachment, query: str) -> list[dict]:
        out = self.pg.sql(attachment, f"SELECT coalesce(json_agg(t), '[]') FROM ({query}) t").strip()
        return json.loads(out or "[]")

    def run(self, attachment: Attachment) -> Report:
        from herosim.app import pgextras
        _, limit = postgres.limits(attachment.plan)
        count = self.rows(attachment, QUERIES["connections"])[0]["count"]
        checks = [connection_check(count, limit),
                  rows_check("Long Queries", self.rows(attachment, QUERIES["long"])),
                  rows_check("Idle in Transaction", self.rows(attachment, QUERIES["idle"])),
                  rows_check("Blocking Queries", self.rows(attachment, pgextras.BLOCKING)),
                  rows_check("Indexes", self.rows(attachment, QUERIES["indexes"]), "yellow"),
                  bloat_check(self.rows(attachment, pgextras.BLOAT)),
                  hit_rate_check(self.rows(attachment, pgextras.CACHE_HIT))]
        database = next((k for k in attachment.config if k == "DATABASE_URL"), next(iter(attachment.config), ""))
        created = self.clock(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return Report(str(uuid.uuid4()), self.pg.ctx.name, database, created, checks)
