"""The diagnostics' pure parts: pg:diagnose's checks and its report as Heroku's CLI prints it,
the queries' columns (heroku-pg-extras' and the CLI's), the -t truncation, outliers' columns
by Postgres version."""

import json

from herosim.app import pgdiagnose, pgextras
from herosim.cli.pgextras import render_lines


def report(checks) -> pgdiagnose.Report:
    return pgdiagnose.Report("6f1c2a4e-0000-4000-8000-000000000001", "demo", "DATABASE_URL",
                             "2026-12-01T23:00:00.000Z", checks)


def test_diagnose_report_red_then_yellow_then_green_whole_output():
    checks = [pgdiagnose.connection_check(3, 120),
              pgdiagnose.rows_check("Blocking Queries", [{"blocked_pid": 41, "blocking_statement": "UPDATE t",
                                                         "blocking_duration": "00:00:07", "blocking_pid": 40}]),
              pgdiagnose.hit_rate_check([{"name": "table hit rate", "ratio": 0.5},
                                         {"name": "index hit rate", "ratio": 0.999}]),
              pgdiagnose.connection_check(110, 120)]
    assert render_lines(report(checks)) == [
        "Report 6f1c2a4e-0000-4000-8000-000000000001 for demo::DATABASE_URL",
        "available for one month after creation on 2026-12-01T23:00:00.000Z",
        "",
        "RED: Blocking Queries",
        "Blocked_pid  Blocking_statement  Blocking_duration  Blocking_pid",
        "───────────  ──────────────────  ─────────────────  ────────────",
        "41           UPDATE t            00:00:07           40",
        "RED: Connection Count",
        "Count 110",
        "YELLOW: Hit Rate",
        "Name            Ratio",
        "──────────────  ─────",
        "table hit rate  0.5",
        "GREEN: Connection Count",
    ]


def test_checks_thresholds():
    assert pgdiagnose.connection_check(83, 120).status == "green"
    assert pgdiagnose.connection_check(84, 120) == pgdiagnose.Check("Connection Count", "yellow", {"count": 84})
    assert pgdiagnose.rows_check("Indexes", [], "yellow").status == "green"
    assert pgdiagnose.bloat_check([{"bloat": "10.0"}, {"bloat": "12.5", "object_name": "t"}]) == \
        pgdiagnose.Check("Bloat", "red", [{"bloat": "12.5", "object_name": "t"}])
    assert pgdiagnose.hit_rate_check([{"name": "index hit rate", "ratio": None}]).status == "green"


def test_diagnose_json_is_the_reports_fields():
    data = json.loads(pgdiagnose.as_json(report([pgdiagnose.connection_check(1, 20)])))
    assert list(data) == ["id", "app", "database", "created_at", "checks"]
    assert data["checks"] == [{"name": "Connection Count", "status": "green", "results": []}]


def test_truncation_is_the_clis():
    assert pgextras.snippet("query", False) == "query"
    assert pgextras.snippet("a.query", True) == \
        "CASE WHEN length(a.query) <= 40 THEN a.query ELSE substr(a.query, 0, 39) || '…' END"
    assert "AS query_snippet" in pgextras.locks_query(True) and "length(a.query)" in pgextras.locks_query(True)


def test_outliers_columns_follow_the_server_version():
    old, new, newest = (pgextras.outliers_query('"public"', v, 5) for v in (12, 16, 17))
    assert "total_time" in old and "total_exec_time DESC" in new and "blk_read_time" in new
    assert "shared_blk_read_time" in newest and "LIMIT 5" in newest
    for column in ("AS total_exec_time", "AS prop_exec_time", "AS ncalls", "AS sync_io_time", "AS query"):
        assert column in newest


def test_the_columns_heroku_prints():
    assert "AS blocked_pid" in pgextras.BLOCKING and "AS blocked_duration" in pgextras.BLOCKING
    assert "AS percent_of_times_index_used" in pgextras.INDEX_USAGE and "AS rows_in_table" in pgextras.INDEX_USAGE
    assert "AS name" in pgextras.SEQ_SCANS and "AS count" in pgextras.SEQ_SCANS
    for column in ("AS schema", "AS table", "AS last_vacuum", "AS last_autovacuum", "AS rowcount",
                   "AS dead_rowcount", "AS autovacuum_threshold", "AS expect_autovacuum"):
        assert column in pgextras.VACUUM_STATS
    for column in ("type,", "schemaname,", "object_name,", "AS bloat", "AS waste"):
        assert column in pgextras.BLOAT
    assert "interval '5 minutes'" in pgextras.long_running_query()
