"""Postgres as apps meet it in production, on one Standard-0 database shared by every test: the
server-side pooler (a real PgBouncer) with a Django app whose `.iterator()` breaks under
transaction pooling and a psycopg 3 script whose prepared statements do, the diagnostics of
heroku-pg-extras on a database with something to report, and a real streaming follower."""

import re
import statistics
import time

import psycopg2
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
