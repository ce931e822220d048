"""The connection pooler's rules: what breaks once the app talks to Postgres through PgBouncer
in transaction mode (Heroku's `pg:connection-pooling:attach`, DATABASE_CONNECTION_POOL_URL, or
the pgbouncer buildpack's `bin/start-pgbouncer` in the Procfile), where each server
connection is lent for one transaction only.

- Django's server-side cursors (`.iterator()`): DECLARE on one server connection, FETCH on
  another: `InvalidCursorName: cursor "_django_curs_…" does not exist`; the fix is Django's
  own `DISABLE_SERVER_SIDE_CURSORS = True` (Django docs, "Transaction pooling and server-side
  cursors").
- psycopg 3's automatic prepared statements (after 5 runs of a query): `prepared statement
  "_pg3_0" does not exist`; the fix is `prepare_threshold=None`.
- Django's persistent connections (`conn_max_age`): the pooler already pools; a kept
  connection it recycled fails the next request's first query; `conn_max_age=0`, or
  `conn_health_checks=True` if kept."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from herosim.audit.doctor.finding import WARNING, Finding
from herosim.audit.doctor.source import EnvRead, PythonFile, env_reads

PSYCOPG3 = {"psycopg", "psycopg-binary", "psycopg-c"}
CONNECTS = {"connect", "ConnectionPool", "AsyncConnectionPool", "NullConnectionPool", "AsyncNullConnectionPool"}


def pooled_name(name: str) -> bool:
    """A config var that names a pooler: Heroku's DATABASE_CONNECTION_POOL_URL (or another
    `--as …POOL…`), the buildpack's old DATABASE_URL_PGBOUNCER."""
    return name.endswith(("_URL", "_PGBOUNCER")) and ("POOL" in name or "PGBOUNCER" in name)


def on_dyno_pooler(procfile: str) -> int:
    """The Procfile line (1-based) whose command runs the buildpack's bin/start-pgbouncer, or 0."""
    for number, line in enumerate(procfile.splitlines(), 1):
        command = line.partition(":")[2].split()
        if command and command[0].removeprefix("./") in ("bin/start-pgbouncer", "bin/start-pgbouncer-stunnel"):
            return number
    return 0


def check(sources: list[PythonFile], dependencies: frozenset[str], read: Callable[[str], str | None]) -> list[Finding]:
    procfile_line = on_dyno_pooler(read("Procfile") or "")
    reads = [r for s in sources for r in env_reads(s)
             if pooled_name(r.name) or (procfile_line and r.name == "DATABASE_URL")]
    if not reads:
        return []
    via = (f"the Procfile runs bin/start-pgbouncer (Procfile:{procfile_line})" if procfile_line
           else f"{reads[0].name} is PgBouncer in transaction mode")
    return _cursors(reads, sources, via) + _prepared(sources, dependencies, via) + _max_age(reads, via)


def _settings_reads(reads: list[EnvRead]) -> list[EnvRead]:
    return [r for r in reads if "DATABASES" in r.source.text]


def _cursors(reads: list[EnvRead], sources: list[PythonFile], via: str) -> list[Finding]:
    settings = _settings_reads(reads)
    if not settings or any("DISABLE_SERVER_SIDE_CURSORS" in r.source.text for r in settings):
        return []
    iterator = next((f"{s.path}:{s.text[:m.start()].count(chr(10)) + 1}" for s in sources
                     for m in [re.search(r"\.iterator\(", s.text)] if m), "")
    uses = f" (.iterator() at {iterator})" if iterator else ""
    return [Finding(WARNING, "Django's server-side cursors through a transaction pooler", settings[0].where,
                    f"{via}: a queryset's .iterator(){uses} DECLAREs its cursor on one server connection and FETCHes "
                    'on another: InvalidCursorName: cursor "_django_curs_…" does not exist.',
                    'DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True')]


def _prepared(sources: list[PythonFile], dependencies: frozenset[str], via: str) -> list[Finding]:
    if not dependencies & PSYCOPG3:
        return []
    out = []
    for source in sources:
        if source.tree is None or "prepare_threshold" in source.text:
            continue
        for node in ast.walk(source.tree):
            if _psycopg_connect(node) or _server_side_binding(node):
                out.append(Finding(WARNING, "psycopg 3 prepared statements through a transaction pooler",
                                   f"{source.path}:{getattr(node, 'lineno', 0)}",
                                   f"{via}: psycopg prepares a query after its 5th run on one server connection; "
                                   "the next run lands on another: prepared statement \"_pg3_0\" does not exist.",
                                   "prepare_threshold=None (psycopg.connect(url, prepare_threshold=None); "
                                   'Django: "OPTIONS": {"prepare_threshold": None})'))
                break
    return out


def _psycopg_connect(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    module = root.id if isinstance(root, ast.Name) else ""
    return name in CONNECTS and (module.startswith("psycopg") or name != "connect") and module != "psycopg2"


def _server_side_binding(node: ast.AST) -> bool:
    """Django's OPTIONS {"server_side_binding": True}: psycopg 3's server-side cursors, prepared."""
    return isinstance(node, ast.Dict) and any(
        isinstance(k, ast.Constant) and k.value == "server_side_binding" and isinstance(v, ast.Constant) and v.value
        for k, v in zip(node.keys, node.values, strict=True))


def _max_age(reads: list[EnvRead], via: str) -> list[Finding]:
    for read in _settings_reads(reads):
        call = next((a for a in read.source.ancestors(read.node) if isinstance(a, ast.Call)), None)
        age = next((k.value for k in call.keywords if k.arg == "conn_max_age"), None) if call else None
        line = read.node.lineno
        if age is None:
            match = re.search(r"CONN_MAX_AGE[\"']?\]?\s*[:=]\s*(\w+)", read.source.text)
            if not match or match.group(1) == "0":
                continue
            line = read.source.text[:match.start()].count("\n") + 1
        elif isinstance(age, ast.Constant) and age.value == 0:
            continue
        if "conn_health_checks" in read.source.text.lower():
            continue
        return [Finding(WARNING, "Persistent Django connections to a transaction pooler",
                        f"{read.source.path}:{line}",
                        f"{via}, which already pools: a kept connection the pooler closed fails the next "
                        "request's first query (server closed the connection unexpectedly).",
                        "conn_max_age=0 for the pooled URL (PgBouncer pools); to keep it, conn_health_checks=True")]
    return []
