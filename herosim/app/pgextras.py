"""The diagnostics Heroku users run during incidents (pg:locks, blocking, outliers, bloat,
vacuum-stats, index-usage, long-running-queries, seq-scans, cache-hit): SQL over the pg_stat_*
views with the columns heroku-pg-extras and the Heroku CLI print, run as the app's credential
and printed as psql prints them (the CLI's PsqlService runs psql). The queries are herosim's
own, written to answer with the same columns and the same rows."""

from __future__ import annotations

from herosim.addons.attachment import Attachment
from herosim.errors import HerosimError

LONG_RUNNING = "5 minutes"   # Heroku's pg:long-running-queries threshold


def snippet(column: str, truncate: bool) -> str:
    """The query text, cut to 40 characters with `…` when asked (-t)."""
    if not truncate:
        return column
    return f"CASE WHEN length({column}) <= 40 THEN {column} ELSE substr({column}, 0, 39) || '…' END"


def locks_query(truncate: bool = False) -> str:
    return f"""SELECT a.pid, c.relname, l.transactionid, l.granted,
       {snippet('a.query', truncate)} AS query_snippet, age(now(), a.query_start) AS "age"
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.mode = 'ExclusiveLock' AND a.pid <> pg_backend_pid() AND a.query <> '<insufficient privilege>'
ORDER BY a.query_start"""


BLOCKING = """SELECT waiting.pid AS blocked_pid, holder_activity.query AS blocking_statement,
       now() - holder_activity.query_start AS blocking_duration, holder.pid AS blocking_pid,
       waiting_activity.query AS blocked_statement, now() - waiting_activity.query_start AS blocked_duration
FROM pg_catalog.pg_locks waiting
JOIN pg_catalog.pg_stat_activity waiting_activity ON waiting_activity.pid = waiting.pid
JOIN pg_catalog.pg_locks holder ON holder.transactionid = waiting.transactionid AND holder.pid <> waiting.pid
JOIN pg_catalog.pg_stat_activity holder_activity ON holder_activity.pid = holder.pid
WHERE NOT waiting.granted"""

CACHE_HIT = """SELECT 'index hit rate' AS name,
       sum(idx_blks_hit) / nullif(sum(idx_blks_hit) + sum(idx_blks_read), 0) AS ratio
FROM pg_statio_user_indexes
UNION ALL
SELECT 'table hit rate' AS name,
       sum(heap_blks_hit) / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0) AS ratio
FROM pg_statio_user_tables"""

INDEX_USAGE = """SELECT relname,
       CASE WHEN idx_scan = 0 THEN 'Insufficient data'
            ELSE (100 * idx_scan / (seq_scan + idx_scan))::text END AS percent_of_times_index_used,
       n_live_tup AS rows_in_table
FROM pg_stat_user_tables
ORDER BY n_live_tup DESC"""

SEQ_SCANS = """SELECT relname AS name, seq_scan AS count
FROM pg_stat_user_tables
ORDER BY seq_scan DESC"""


def long_running_query(threshold: str = LONG_RUNNING) -> str:
    return f"""SELECT pid, now() - query_start AS duration, query AS query
FROM pg_stat_activity
WHERE query <> ''::text AND state <> 'idle' AND now() - query_start > interval '{threshold}'
ORDER BY now() - query_start DESC"""


VACUUM_STATS = """WITH settings AS (
  SELECT c.oid,
         coalesce((SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o
                   WHERE o LIKE 'autovacuum_vacuum_threshold=%'),
                  current_setting('autovacuum_vacuum_threshold'))::integer AS base_threshold,
         coalesce((SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o
                   WHERE o LIKE 'autovacuum_vacuum_scale_factor=%'),
                  current_setting('autovacuum_vacuum_scale_factor'))::real AS scale_factor
  FROM pg_class c
)
SELECT s.schemaname AS schema, s.relname AS table,
       to_char(s.last_vacuum, 'YYYY-MM-DD HH24:MI') AS last_vacuum,
       to_char(s.last_autovacuum, 'YYYY-MM-DD HH24:MI') AS last_autovacuum,
       to_char(c.reltuples, '9G999G999G999') AS rowcount,
       to_char(s.n_dead_tup, '9G999G999G999') AS dead_rowcount,
       to_char(v.base_threshold + v.scale_factor::numeric * c.reltuples, '9G999G999G999') AS autovacuum_threshold,
       CASE WHEN v.base_threshold + v.scale_factor::numeric * c.reltuples < s.n_dead_tup THEN 'yes' END
         AS expect_autovacuum
FROM pg_stat_user_tables s
JOIN pg_class c ON c.oid = s.relid
JOIN settings v ON v.oid = s.relid
ORDER BY 1"""

# A table's pages against the pages its live rows would need at their average width (pg_stats),
# and each B-tree index's likewise: the estimate heroku-pg-extras' bloat prints.
BLOAT = """WITH widths AS (
  SELECT s.schemaname, s.tablename, sum((1 - s.null_frac) * s.avg_width) AS row_width,
         max(s.null_frac) AS max_null_frac, count(*) AS columns
  FROM pg_stats s
  WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')
  GROUP BY 1, 2
), tables AS (
  SELECT w.schemaname, w.tablename, c.oid, c.relpages, c.reltuples, w.row_width,
         current_setting('block_size')::numeric AS block,
         23 + CASE WHEN w.max_null_frac > 0 THEN 1 + w.columns / 8 ELSE 0 END AS header
  FROM widths w
  JOIN pg_namespace n ON n.nspname = w.schemaname
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tablename AND c.relkind = 'r'
), estimates AS (
  SELECT 'table' AS type, schemaname, tablename AS object_name, relpages AS pages, block,
         ceil(reltuples * (header + row_width + 4) / (block - 20)) AS needed
  FROM tables
  UNION ALL
  SELECT 'index', t.schemaname, t.tablename || '::' || i.relname, i.relpages, t.block,
         ceil(i.reltuples * greatest(t.row_width - 12, 8) / (t.block - 20))
  FROM tables t
  JOIN pg_index x ON x.indrelid = t.oid
  JOIN pg_class i ON i.oid = x.indexrelid
)
SELECT type, schemaname, object_name,
       round(CASE WHEN needed = 0 OR pages = 0 THEN 0.0 ELSE pages / needed::numeric END, 1) AS bloat,
       pg_size_pretty(CASE WHEN pages < needed THEN 0 ELSE (block * (pages - needed))::bigint END) AS waste
FROM estimates
ORDER BY CASE WHEN pages < needed THEN 0 ELSE block * (pages - needed) END DESC, bloat DESC"""

STATEMENTS_SCHEMA = """SELECT quote_ident(n.nspname) FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'"""


def outliers_query(schema: str, version: int, limit: int = 10, truncate: bool = False) -> str:
    """The statements that took the most time in all, as the CLI's pg:outliers asks for them
    (its column names changed in Postgres 13 and 17)."""
    total = "total_exec_time" if version >= 13 else "total_time"
    io = "shared_blk_read_time + shared_blk_write_time" if version >= 17 else "blk_read_time + blk_write_time"
    return f"""SELECT interval '1 millisecond' * {total} AS total_exec_time,
       to_char(({total} / sum({total}) OVER ()) * 100, 'FM90D0') || '%' AS prop_exec_time,
       to_char(calls, 'FM999G999G999G990') AS ncalls,
       interval '1 millisecond' * ({io}) AS sync_io_time,
       {snippet('query', truncate)} AS query
FROM {schema}.pg_stat_statements
WHERE userid = (SELECT usesysid FROM pg_user WHERE usename = current_user LIMIT 1)
ORDER BY {total} DESC
LIMIT {limit}"""


class Extras:
    """The queries, run on one database as the app's credential."""

    def __init__(self, pg):
        self.pg = pg

    def table(self, attachment: Attachment, query: str) -> str:
        return self.pg.sql(attachment, query + ";", table=True)

    def value(self, attachment: Attachment, query: str) -> str:
        return self.pg.sql(attachment, query).strip()

    def statements_schema(self, attachment: Attachment) -> str:
        schema = self.value(attachment, STATEMENTS_SCHEMA).split("\n")[0].strip()
        if not schema:
            raise HerosimError("The pg_stat_statements extension needs to be installed first.\n"
                               "You can install it by running:\n\n    CREATE EXTENSION pg_stat_statements;",
                               hint="herosim's Standard and Essential databases have it installed")
        return schema

    def outliers(self, attachment: Attachment, limit: int = 10, truncate: bool = False, reset: bool = False) -> str:
        schema = self.statements_schema(attachment)
        if reset:
            self.value(attachment, f"SELECT {schema}.pg_stat_statements_reset()")
            return ""
        version = int(self.value(attachment, "SHOW server_version_num")) // 10000
        return self.table(attachment, outliers_query(schema, version, limit, truncate))
