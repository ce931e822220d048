"""Postgres as apps meet it in production, on one Standard-0 database shared by every test: the
server-side pooler (a real PgBouncer) with a Django app whose `.iterator()` breaks under
transaction pooling and a psycopg 3 script whose prepared statements do, the diagnostics of
heroku-pg-extras on a database with something to report, and a real streaming follower."""

import json
import re
import statistics
import threading
import time

import psycopg2
import psycopg2.errors
import pytest

from tests.support import RunningApp, app_name, free_port, git_app, herosim, transcript


@pytest.fixture(scope="module")
def pooled(herosim_home, tmp_path_factory):
    path = git_app("pg_pooling", tmp_path_factory.mktemp("pooling"))
    app = RunningApp(app_name("pooling"), path, free_port())
    herosim("apps:create", app.name, "--no-remote", check=True)
    created = app.cli("addons:create", "heroku-postgresql:standard-0", check=True)
    addon = re.search(r"Created (postgresql-\S+) as DATABASE_URL", created.stdout).group(1)
    attached = transcript("pg:connection-pooling:attach", "-a", app.name)
    up = herosim("up", "-d", path, "-a", app.name, "--port", app.port)
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    yield app, addon, attached
    herosim("destroy", "-a", app.name, "--confirm", app.name)


def published(client, app_name_, addon, part=None) -> int:
    found = [c for c in client.containers.list(filters={"label": f"io.herosim.addon.name={addon}"})
             if c.labels.get("io.herosim.app") == app_name_ and c.labels.get("io.herosim.addon.part") == part]
    return int(found[0].attrs["NetworkSettings"]["Ports"]["5432/tcp"][0]["HostPort"])


def local_dsn(app, var, port) -> str:
    url = app.cli("config:get", var, check=True).stdout.strip()
    return re.sub(r"@[^/]+/", f"@127.0.0.1:{port}/", url).replace("postgres://", "postgresql://") + "?sslmode=require"


def test_attach_transcript_and_info(pooled, client):
    app, addon, attached = pooled
    assert attached.returncode == 0, attached.stdout
    assert attached.stdout == (f"Enabling Connection Pooling on ⛁ {addon} to ⬢ {app.name}... done\n"
                               f"Setting DATABASE_CONNECTION_POOL config vars and restarting ⬢ {app.name}... done, v2\n")
    url = app.cli("config:get", "DATABASE_CONNECTION_POOL_URL", check=True).stdout.strip()
    direct = app.cli("config:get", "DATABASE_URL", check=True).stdout.strip()
    assert url == direct.replace(f"@{addon}:5432/", f"@{addon}-pool:5432/")
    info = app.cli("pg:info", check=True).stdout.splitlines()
    assert info[0].startswith("=== DATABASE_URL, ") and "DATABASE_CONNECTION_POOL_URL" in info[0]
    rows = dict((k, v.strip()) for k, v in (line.split(":", 1) for line in info[1:]))
    assert rows["Plan"] == "Standard 0" and rows["Connection Pooling"] == "Available"
    assert list(rows)[:4] == ["Plan", "Status", "Connections", "Connection Pooling"]
    assert rows["Fork/Follow"] == "Available"
    # the pooler: PgBouncer 1.24.1, transaction mode, 75% of standard-0's 120 connections, TLS required
    pool = client.containers.get(f"herosim.{app.name}.{addon}-pool")
    ini = pool.exec_run(["cat", "/etc/herosim-pooler/pgbouncer.ini"]).output.decode()
    assert "pool_mode = transaction" in ini and "default_pool_size = 90" in ini and "max_client_conn = 10000" in ini
    assert "client_tls_sslmode = require" in ini and "server_tls_sslmode = require" in ini
    assert pool.exec_run(["pgbouncer", "-V"]).output.decode().startswith("PgBouncer 1.24.1")
    port = published(client, app.name, addon, "pooler")
    with pytest.raises(psycopg2.OperationalError):   # no TLS, no connection
        psycopg2.connect(local_dsn(app, "DATABASE_CONNECTION_POOL_URL", port).replace("require", "disable"))


def test_refused_on_essential(pooled):
    app, _, _ = pooled
    created = app.cli("addons:create", "heroku-postgresql:essential-0", check=True)
    essential = re.search(r"Created (postgresql-\S+)", created.stdout).group(1)
    refused = transcript("pg:connection-pooling:attach", essential, "-a", app.name)
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[0] == " ▸    You can't perform this operation on Essential-tier databases."
    app.cli("addons:destroy", essential, "--confirm", app.name, check=True)


def test_django_iterator_breaks_under_transaction_pooling_until_cursors_are_off(pooled):
    app, _, _ = pooled
    assert app.get("/").json() == {"entries": 20}
    broken = app.get("/export")
    assert broken.status_code == 500
    lines = app.wait_for_log("does not exist", 20)
    error = next(line for line in lines if "InvalidCursorName" in line)
    assert re.search(r'psycopg\.errors\.InvalidCursorName: cursor "_django_curs_\d+_sync_\d+" does not exist', error)
    app.cli("config:set", "DISABLE_SERVER_SIDE_CURSORS=1", check=True)   # Heroku's documented fix
    assert app.get("/export").json() == {"exported": 20}


def test_psycopg3_prepared_statements_break_until_threshold_none(pooled):
    app, _, _ = pooled
    broken = app.cli("run", "python prepared.py")
    assert broken.returncode != 0
    assert 'psycopg.errors.InvalidSqlStatementName: prepared statement "_pg3_0" does not exist' in broken.stderr
    fixed = app.cli("run", "python prepared.py --prepare-threshold none")
    assert fixed.returncode == 0 and fixed.stdout.strip().endswith("prepared statements ok: 36")
    direct = app.cli("run", "python prepared.py --url DATABASE_URL")   # no pooler: nothing to fix
    assert direct.returncode == 0, direct.stdout


def test_first_query_latency_pooled_against_direct(pooled, client):
    """The figure for the note: a new connection's first query through the pooler against one
    straight to the server (median of 15 each, alternating, in one run)."""
    app, addon, _ = pooled
    dsns = {"pooled": local_dsn(app, "DATABASE_CONNECTION_POOL_URL", published(client, app.name, addon, "pooler")),
            "direct": local_dsn(app, "DATABASE_URL", published(client, app.name, addon))}
    times = {"pooled": [], "direct": []}
    for _ in range(15):
        for kind, dsn in dsns.items():
            started = time.perf_counter()
            conn = psycopg2.connect(dsn)
            conn.cursor().execute("SELECT 1")
            times[kind].append(time.perf_counter() - started)
            conn.close()
    pooled_ms, direct_ms = (statistics.median(times[k]) * 1000 for k in ("pooled", "direct"))
    print(f"\nfirst query: pooled {pooled_ms:.1f} ms, direct {direct_ms:.1f} ms, ratio {pooled_ms / direct_ms:.2f}")
    assert pooled_ms > 0 and direct_ms > 0


def direct_dsn(app, client, addon) -> str:
    return local_dsn(app, "DATABASE_URL", published(client, app.name, addon))


@pytest.fixture(scope="module")
def troubled(pooled, client):
    """The database with something for every diagnostic: a bloated table with dead rows and no
    autovacuum, an index never used, sequential scans, a row lock held and an UPDATE waiting on it."""
    app, addon, _ = pooled
    dsn = direct_dsn(app, client, addon)
    setup = psycopg2.connect(dsn)
    setup.autocommit = True
    cur = setup.cursor()
    cur.execute("CREATE TABLE churn (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = false)")
    cur.execute("CREATE INDEX churn_note ON churn (note)")
    cur.execute("INSERT INTO churn SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g")
    for _ in range(3):   # before the DELETE: a scan after it would prune the dead rows it leaves
        cur.execute("SELECT count(*) FROM churn")
    cur.execute("DELETE FROM churn WHERE id % 20 <> 0")
    cur.execute("ANALYZE churn")
    deadline = time.monotonic() + 20   # the statistics reach the views when each backend flushes them (~1 s)
    while time.monotonic() < deadline:
        cur.execute("SELECT n_live_tup > 0 AND n_dead_tup > 0 AND seq_scan >= 3 FROM pg_stat_user_tables "
                    "WHERE relname = 'churn'")
        if cur.fetchone()[0]:
            break
        time.sleep(0.2)
    holder = psycopg2.connect(dsn)
    holder.cursor().execute("UPDATE churn SET note = 'held' WHERE id = 20")   # its transaction stays open
    holder_pid = holder.get_backend_pid()
    waiter = psycopg2.connect(dsn)
    waiter_pid = waiter.get_backend_pid()
    blocked = threading.Thread(target=lambda: waiter.cursor().execute("UPDATE churn SET note = 'waits' WHERE id = 20"))
    blocked.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        cur.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (waiter_pid,))
        if cur.fetchone()[0]:
            break
        time.sleep(0.1)
    yield app, holder_pid, waiter_pid
    holder.rollback()
    blocked.join(10)
    waiter.rollback()
    for conn in (holder, waiter):
        conn.close()
    cur.execute("DROP TABLE churn")
    setup.close()


def table(output: str) -> tuple[list[str], list[list[str]]]:
    """psql's aligned table: its column names and its rows' cells."""
    lines = output.rstrip("\n").splitlines()
    assert re.fullmatch(r"-+(\+-+)*", lines[1]), output
    assert re.fullmatch(r"\(\d+ rows?\)", lines[-1]), output
    rows: list[str] = []
    for line in lines[2:-1]:   # a cell with a newline goes on under a `+` that ends its line
        if rows and rows[-1].endswith("+"):
            rows[-1] = rows[-1][:-1].rstrip() + " " + line.split("|")[-1].strip()
        else:
            rows.append(line)
    cells = [[cell.strip() for cell in row.split("|")] for row in rows]
    assert len(cells) == int(lines[-1].strip("()").split()[0]), output
    return [name.strip() for name in lines[0].split("|")], cells


def test_locks_and_blocking_name_the_holder_and_the_waiter(troubled):
    app, holder, waiter = troubled
    names, rows = table(app.cli("pg:locks", "-t", check=True).stdout)
    assert names == ["pid", "relname", "transactionid", "granted", "query_snippet", "age"]
    held = [r for r in rows if r[0] == str(holder)]   # its virtualxid and its transactionid, as on Heroku
    assert {r[4] for r in held} == {"UPDATE churn SET note = 'held' WHERE i…"} and any(r[2] for r in held)
    names, rows = table(app.cli("pg:blocking", check=True).stdout)
    assert names == ["blocked_pid", "blocking_statement", "blocking_duration", "blocking_pid", "blocked_statement",
                     "blocked_duration"]
    assert [(r[0], r[3], r[4]) for r in rows] == [
        (str(waiter), str(holder), "UPDATE churn SET note = 'waits' WHERE id = 20")]


def test_bloat_vacuum_stats_index_usage_seq_scans_and_cache_hit(troubled):
    app, _, _ = troubled
    names, rows = table(app.cli("pg:bloat", check=True).stdout)
    assert names == ["type", "schemaname", "object_name", "bloat", "waste"]
    churn = next(r for r in rows if r[2] == "churn")
    assert churn[0] == "table" and float(churn[3]) > 10 and churn[4].endswith(("kB", "MB"))
    names, rows = table(app.cli("pg:vacuum-stats", check=True).stdout)
    assert names == ["schema", "table", "last_vacuum", "last_autovacuum", "rowcount", "dead_rowcount",
                     "autovacuum_threshold", "expect_autovacuum"]
    dead, threshold, expected = next(r for r in rows if r[1] == "churn")[5:]
    assert int(dead.replace(",", "")) >= 18_000 and (threshold, expected) == ("250", "yes")
    names, rows = table(app.cli("pg:index-usage", check=True).stdout)
    assert names == ["relname", "percent_of_times_index_used", "rows_in_table"]
    used = next(r for r in rows if r[0] == "churn")
    assert used[2].isdigit() and (used[1].isdigit() or used[1] == "Insufficient data")   # n_live_tup: an estimate
    names, rows = table(app.cli("pg:seq-scans", check=True).stdout)
    assert names == ["name", "count"] and int(dict(rows)["churn"]) >= 3
    names, rows = table(app.cli("pg:cache-hit", check=True).stdout)
    assert names == ["name", "ratio"] and [r[0] for r in rows] == ["index hit rate", "table hit rate"]


def test_outliers_and_long_running_queries(troubled):
    app, _, _ = troubled
    names, rows = table(app.cli("pg:outliers", "-n", "3", "-t", check=True).stdout)
    assert names == ["total_exec_time", "prop_exec_time", "ncalls", "sync_io_time", "query"] and len(rows) == 3
    assert all(r[1].endswith("%") and len(r[4]) <= 40 for r in rows), rows
    assert app.cli("pg:long-running-queries", check=True).stdout == (   # none past 5 minutes: the whole output
        " pid | duration | query \n-----+----------+-------\n(0 rows)\n\n\n")
    refused = app.cli("pg:outliers", "-n", "many")
    assert refused.returncode == 1 and 'Cannot parse num param value "many" to a number' in refused.stderr


def test_diagnose_reports_the_blocking_query_the_bloat_and_the_unused_index(troubled):
    app, holder, waiter = troubled
    lines = app.cli("pg:diagnose", check=True).stdout.splitlines()
    assert re.fullmatch(rf"Report [0-9a-f-]{{36}} for {app.name}::DATABASE_URL", lines[0])
    assert lines[1].startswith("available for one month after creation on ") and lines[2] == ""
    statuses = [line for line in lines if re.match(r"(RED|YELLOW|GREEN): ", line)]
    assert {"RED: Blocking Queries", "RED: Bloat", "YELLOW: Indexes", "GREEN: Connection Count"} <= set(statuses)
    assert statuses == sorted(statuses, key=lambda s: ("RED", "YELLOW", "GREEN").index(s.split(":")[0]))
    blocking = lines[lines.index("RED: Blocking Queries") + 1:][:3]
    assert blocking[0].split()[:2] == ["Blocked_pid", "Blocking_statement"] and blocking[2].startswith(str(waiter))
    report = json.loads(app.cli("pg:diagnose", "--json", check=True).stdout)
    assert {c["name"]: c["status"] for c in report["checks"]}["Blocking Queries"] == "red"


# -- followers ------------------------------------------------------------------------------------
LAG = 2.0


@pytest.fixture(scope="module")
def follower(pooled, client):
    app, addon, _ = pooled
    created = transcript("addons:create", "heroku-postgresql:standard-0", "--follow", "DATABASE_URL",
                         "--replication-lag", f"{LAG:g}s", "-a", app.name)
    assert created.returncode == 0, created.stdout
    name, var = re.search(r"Created (postgresql-\S+) as (HEROKU_POSTGRESQL_\w+_URL)", created.stdout).groups()
    yield app, addon, name, var, created.stdout
    app.cli("addons:destroy", name, "--confirm", app.name)


def test_follower_transcript_and_its_read_only_errors(follower, client):
    app, addon, name, var, out = follower
    lines = out.splitlines()   # the release phase's lines (the app runs) come first, as herosim shows them
    assert f"Creating heroku-postgresql:standard-0 on ⬢ {app.name}... free" in lines
    assert lines[-3:] == ["Follower will become available for read-only queries when up-to-date",
                                    f"Created {name} as {var}",
                                    "Run herosim addons:docs heroku-postgresql to view documentation."]
    url = app.cli("config:get", var, check=True).stdout.strip()
    assert url == app.cli("config:get", "DATABASE_URL", check=True).stdout.strip().replace(f"@{addon}:", f"@{name}:")
    conn = psycopg2.connect(local_dsn(app, var, published(client, app.name, name)))
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction, match="cannot execute INSERT in a read-only transaction"):
        conn.cursor().execute("INSERT INTO ledger_entry (name) VALUES ('on the follower')")
    conn.close()


def test_a_read_right_after_a_write_misses_it_for_the_configured_lag(follower, client):
    """The figure for the note: how late a committed row shows on the follower, against --replication-lag."""
    app, addon, name, var, _ = follower
    leader = psycopg2.connect(direct_dsn(app, client, addon))
    leader.autocommit = True
    replica = psycopg2.connect(local_dsn(app, var, published(client, app.name, name)))
    replica.autocommit = True
    measured = []
    for n in range(3):
        leader.cursor().execute("INSERT INTO ledger_entry (name) VALUES (%s)", (f"lagged-{n}",))
        written = time.perf_counter()
        seen = replica.cursor()
        while True:
            seen.execute("SELECT count(*) FROM ledger_entry WHERE name = %s", (f"lagged-{n}",))
            if seen.fetchone()[0]:
                break
            assert time.perf_counter() - written < LAG + 10, "the row never reached the follower"
            time.sleep(0.01)
        measured.append(time.perf_counter() - written)
    info = dict(line.split(":", 1) for line in app.cli("pg:info", var, check=True).stdout.splitlines()[1:])
    print(f"\nfollower lag: configured {LAG:.1f} s, measured {', '.join(f'{m:.2f}' for m in measured)} s")
    assert all(LAG - 0.05 <= m < LAG + 3 for m in measured), measured
    config = json.loads(app.cli("config", "--json", check=True).stdout)
    leader_color = next(k for k, v in config.items() if k.startswith("HEROKU_POSTGRESQL_") and v == config["DATABASE_URL"])
    assert info["Following"].strip() == leader_color.removesuffix("_URL")
    assert re.fullmatch(r"\d+ commits?", info["Behind By"].strip())
    assert info["Fork/Follow"].strip() == "Unavailable"
    leader.close()
    replica.close()


def test_unfollow_makes_it_writeable(follower, client):
    app, _, name, var, _ = follower
    out = transcript("pg:unfollow", var, "-a", app.name, "--confirm", app.name)
    assert out.returncode == 0 and out.stdout == f"{name} unfollowing... done\n", out.stdout
    conn = psycopg2.connect(local_dsn(app, var, published(client, app.name, name)))
    conn.cursor().execute("INSERT INTO ledger_entry (name) VALUES ('on the former follower')")
    conn.commit()
    conn.close()
    again = transcript("pg:unfollow", var, "-a", app.name, "--confirm", app.name)
    assert again.returncode == 1 and f"{name} is not a follower" in again.stdout


def test_fork_is_a_writeable_copy_and_essential_is_refused(pooled, client):
    app, _, _ = pooled
    refused = transcript("addons:create", "heroku-postgresql:essential-0", "--follow", "DATABASE_URL", "-a", app.name)
    assert refused.returncode == 1
    assert " ▸    Followers and forks are not supported on essential-0 databases." in refused.stdout
    created = app.cli("addons:create", "heroku-postgresql:standard-0", "--fork", "DATABASE_URL", check=True)
    name, var = re.search(r"Created (postgresql-\S+) as (HEROKU_POSTGRESQL_\w+_URL)", created.stdout).groups()
    try:
        conn = psycopg2.connect(local_dsn(app, var, published(client, app.name, name)))
        cur = conn.cursor()
        cur.execute("INSERT INTO ledger_entry (name) VALUES ('on the fork') RETURNING id")
        cur.execute("SELECT count(*) FROM ledger_entry")
        assert cur.fetchone()[0] >= 21   # the leader's rows, and its own
        conn.commit()
        conn.close()
    finally:
        app.cli("addons:destroy", name, "--confirm", app.name)
