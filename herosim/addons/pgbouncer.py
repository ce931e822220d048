"""PgBouncer's configuration, as Heroku runs it: pure text from typed settings.

Two callers: the server-side pooler of `pg:connection-pooling:attach` (addons/pooler.py), whose
pool is sized from the plan (Dev Center "Server-Side Connection Pooling for Heroku Postgres":
transaction mode, up to 10,000 client connections, the pool at most 75% of the plan's
connection limit), and the on-dyno pooler of Heroku's pgbouncer buildpack, whose defaults are
its `PGBOUNCER_*` settings (bin/gen-pgbouncer-conf.sh of heroku-buildpack-pgbouncer v0.18.0).

Both run PgBouncer 1.24.1 (the buildpack's release; Debian trixie carries the same). Protocol-
level prepared statements in transaction mode need `max_prepared_statements` > 0 (PgBouncer
1.21 and later); the buildpack's PGBOUNCER_MAX_PREPARED_STATEMENTS defaults to 0 (its v0.17.0,
bin/gen-pgbouncer-conf.sh), and Heroku does not document another value for its
server-side pooler, so herosim runs both with 0: psycopg 3's automatic prepared statements
break through either, until `prepare_threshold=None`."""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "1.24.1"
POOL_SHARE = 0.75           # of the plan's connection limit, for the server-side pool
MAX_CLIENT_CONN = 10_000    # server-side: "up to 10,000 client connections"


@dataclass(frozen=True)
class PoolSettings:
    pool_mode: str = "transaction"
    default_pool_size: int = 1
    max_client_conn: int = 100
    max_prepared_statements: int = 0
    min_pool_size: int = 0
    reserve_pool_size: int = 1
    reserve_pool_timeout: float = 5.0
    server_lifetime: int = 3600
    server_idle_timeout: int = 600
    query_wait_timeout: int = 120
    server_reset_query: str = ""


@dataclass(frozen=True)
class Target:
    """One database behind the pooler: the name clients ask for, and the server it is on."""
    alias: str
    host: str
    port: int
    dbname: str


@dataclass(frozen=True)
class Listener:
    """Where the pooler listens, and the TLS it serves (None: plain, as on a dyno's loopback)."""
    address: str
    port: int
    tls_cert: str | None = None
    tls_key: str | None = None


def server_side(connection_limit: int) -> PoolSettings:
    """Heroku's server-side pooler for a plan allowing `connection_limit` connections."""
    return PoolSettings(default_pool_size=max(1, int(connection_limit * POOL_SHARE)),
                        max_client_conn=MAX_CLIENT_CONN, reserve_pool_size=0)


BUILDPACK_DEFAULTS = {   # PGBOUNCER_* setting -> (PoolSettings field, type)
    "PGBOUNCER_POOL_MODE": ("pool_mode", str),
    "PGBOUNCER_DEFAULT_POOL_SIZE": ("default_pool_size", int),
    "PGBOUNCER_MAX_CLIENT_CONN": ("max_client_conn", int),
    "PGBOUNCER_MAX_PREPARED_STATEMENTS": ("max_prepared_statements", int),
    "PGBOUNCER_MIN_POOL_SIZE": ("min_pool_size", int),
    "PGBOUNCER_RESERVE_POOL_SIZE": ("reserve_pool_size", int),
    "PGBOUNCER_RESERVE_POOL_TIMEOUT": ("reserve_pool_timeout", float),
    "PGBOUNCER_SERVER_LIFETIME": ("server_lifetime", int),
    "PGBOUNCER_SERVER_IDLE_TIMEOUT": ("server_idle_timeout", int),
    "PGBOUNCER_QUERY_WAIT_TIMEOUT": ("query_wait_timeout", int),
    "PGBOUNCER_SERVER_RESET_QUERY": ("server_reset_query", str),
}


def on_dyno(env: dict[str, str]) -> PoolSettings:
    """The buildpack's settings from the dyno's config vars (its defaults where unset; session
    mode gets `DISCARD ALL;` as its reset query, as the buildpack does)."""
    values = {}
    for var, (name, kind) in BUILDPACK_DEFAULTS.items():
        if env.get(var, "") != "":
            try:
                values[name] = kind(env[var])
            except ValueError:
                raise ValueError(f"{var}={env[var]!r} is not a{'n integer' if kind is int else ' number'}") from None
    settings = PoolSettings(**values)
    if settings.pool_mode == "session" and not settings.server_reset_query:
        settings = PoolSettings(**{**settings.__dict__, "server_reset_query": "DISCARD ALL;"})
    return settings


def render_ini(settings: PoolSettings, targets: list[Target], listener: Listener, auth_file: str) -> str:
    """pgbouncer.ini: SCRAM against the user list, TLS to the server required."""
    lines = ["[pgbouncer]", f"listen_addr = {listener.address}", f"listen_port = {listener.port}",
             "auth_type = scram-sha-256", f"auth_file = {auth_file}",
             "server_tls_sslmode = require", "server_tls_protocols = secure",
             "server_tls_ciphers = HIGH:!ADH:!AECDH:!LOW:!EXP:!MD5:!3DES:!SRP:!PSK:@STRENGTH"]
    if listener.tls_cert and listener.tls_key:
        lines += ["client_tls_sslmode = require", f"client_tls_cert_file = {listener.tls_cert}",
                  f"client_tls_key_file = {listener.tls_key}", "client_tls_protocols = tlsv1.2,tlsv1.3"]
    lines += [f"pool_mode = {settings.pool_mode}", f"server_reset_query = {settings.server_reset_query}",
              f"max_prepared_statements = {settings.max_prepared_statements}",
              f"max_client_conn = {settings.max_client_conn}", f"default_pool_size = {settings.default_pool_size}",
              f"min_pool_size = {settings.min_pool_size}", f"reserve_pool_size = {settings.reserve_pool_size}",
              f"reserve_pool_timeout = {settings.reserve_pool_timeout}",
              f"server_lifetime = {settings.server_lifetime}", f"server_idle_timeout = {settings.server_idle_timeout}",
              f"query_wait_timeout = {settings.query_wait_timeout}",
              "log_connections = 1", "log_disconnections = 1", "log_pooler_errors = 1", "stats_period = 60",
              "ignore_startup_parameters = ", "", "[databases]"]
    lines += [f"{t.alias} = host={t.host} port={t.port} dbname={t.dbname}" for t in targets]
    return "\n".join(lines) + "\n"


def render_users(users: dict[str, str]) -> str:
    """The auth_file: `"user" "password"` a line, a double quote doubled (PgBouncer's quoting).
    Plain passwords, so PgBouncer can answer the server's SCRAM exchange as the user."""
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'
    return "".join(f"{quoted(user)} {quoted(password)}\n" for user, password in users.items())
