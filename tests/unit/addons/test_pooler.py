"""The pooler's pure parts: Heroku's pool for a plan, the buildpack's PGBOUNCER_* settings,
pgbouncer.ini and its user list, the pooled URL, the plans that offer pooling."""

import pytest

from herosim.addons import pgbouncer, pooler
from herosim.addons.attachment import Attachment

URL = "postgres://uabc:pSECRET1@postgresql-round-1:5432/dxyz"


def attachment(plan="heroku-postgresql:standard-0") -> Attachment:
    return Attachment("demo", plan, "postgresql-round-1", "herosim-demo-pg",
                      config={"DATABASE_URL": URL}, secret={"user": "uabc", "password": 'p"SECRET1',
                                                            "database": "dxyz", "version": "17"})


@pytest.mark.parametrize("plan, offered", [
    ("heroku-postgresql:standard-0", True), ("heroku-postgresql:premium-0", True),
    ("heroku-postgresql:essential-0", False), ("heroku-postgresql:essential-2", False),
    ("heroku-postgresql", False), ("heroku-postgresql:in-dyno", False)])
def test_pooling_on_standard_tier_and_up_only(plan, offered):
    assert pooler.offers_pooling(plan) is offered


def test_server_side_pool_is_three_quarters_of_the_plans_connections():
    settings = pgbouncer.server_side(120)
    assert (settings.pool_mode, settings.default_pool_size, settings.max_client_conn) == ("transaction", 90, 10_000)
    assert settings.max_prepared_statements == 0 and settings.reserve_pool_size == 0
    assert pgbouncer.server_side(1).default_pool_size == 1


def test_on_dyno_defaults_are_the_buildpacks_and_its_settings_apply():
    assert pgbouncer.on_dyno({}) == pgbouncer.PoolSettings()
    assert pgbouncer.on_dyno({}).default_pool_size == 1 and pgbouncer.on_dyno({}).max_client_conn == 100
    chosen = pgbouncer.on_dyno({"PGBOUNCER_DEFAULT_POOL_SIZE": "5", "PGBOUNCER_POOL_MODE": "session",
                                "PGBOUNCER_RESERVE_POOL_TIMEOUT": "2.5", "PGBOUNCER_MAX_CLIENT_CONN": ""})
    assert (chosen.default_pool_size, chosen.pool_mode, chosen.reserve_pool_timeout) == (5, "session", 2.5)
    assert chosen.server_reset_query == "DISCARD ALL;" and chosen.max_client_conn == 100


def test_on_dyno_refuses_a_setting_that_is_not_a_number():
    with pytest.raises(ValueError, match="PGBOUNCER_DEFAULT_POOL_SIZE='many' is not an integer"):
        pgbouncer.on_dyno({"PGBOUNCER_DEFAULT_POOL_SIZE": "many"})


def test_ini_of_the_server_side_pooler():
    ini = pgbouncer.render_ini(pgbouncer.server_side(120), [pgbouncer.Target("dxyz", "pg-1", 5432, "dxyz")],
                               pgbouncer.Listener("0.0.0.0", 5432, "/c.pem", "/k.key"), "/etc/p/users.txt")
    lines = ini.splitlines()
    assert lines[0] == "[pgbouncer]" and lines[-1] == "dxyz = host=pg-1 port=5432 dbname=dxyz"
    for line in ("listen_addr = 0.0.0.0", "auth_type = scram-sha-256", "auth_file = /etc/p/users.txt",
                 "server_tls_sslmode = require", "client_tls_sslmode = require", "client_tls_cert_file = /c.pem",
                 "pool_mode = transaction", "default_pool_size = 90", "max_client_conn = 10000",
                 "max_prepared_statements = 0", "[databases]"):
        assert line in lines, line


def test_ini_on_a_dynos_loopback_has_no_client_tls():
    ini = pgbouncer.render_ini(pgbouncer.PoolSettings(), [], pgbouncer.Listener("127.0.0.1", 6000), "/u.txt")
    assert "client_tls_sslmode" not in ini and "listen_port = 6000" in ini.splitlines()


def test_user_list_quotes_as_pgbouncer_reads_it():
    assert pgbouncer.render_users({"uabc": 'p"SECRET1'}) == '"uabc" "p""SECRET1"\n'


def test_pooled_url_is_the_addons_with_the_pooler_as_host():
    a = attachment()
    assert pooler.pooled_url(URL, a) == "postgres://uabc:pSECRET1@postgresql-round-1-pool:5432/dxyz"
    with_pool = Attachment(a.app, a.plan, a.name, a.volume, secret=a.secret,
                           config={**a.config, "DATABASE_CONNECTION_POOL_URL": pooler.pooled_url(URL, a)})
    assert pooler.pooled_vars(with_pool) == ["DATABASE_CONNECTION_POOL_URL"] and pooler.pooled_vars(a) == []


def test_the_pooler_files_hold_the_credential_privately():
    files = pooler.files(attachment())
    ini, mode = files["/etc/herosim-pooler/pgbouncer.ini"]
    users, users_mode = files["/etc/herosim-pooler/users.txt"]
    assert mode == users_mode == 0o600
    assert b"SECRET1" not in ini and users == b'"uabc" "p""SECRET1"\n'
    assert b"dxyz = host=postgresql-round-1 port=5432 dbname=dxyz" in ini
