"""What each add-on's sidecar runs (image, environment, command, port, files), and each
service's new attachment as recorded and read back. Pure, with a fake engine's volumes."""

import pytest

from herosim.addons import attachment as records
from herosim.addons.attachment import Attachment
from herosim.addons.registry import SERVICES
from herosim.engine import stack
from herosim.engine.recipes import Pulled
from tests.unit.addons.fakes import Engine

ONLINE = stack.official("3.14")
FORKY = stack.offline(stack.SUITES["forky"])
PG_SECRET = {"user": "uabc", "password": "pSECRET", "database": "dxyz", "superuser_password": "SUPER",
             "version": "15"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path))
    return tmp_path


def attached(plan: str, secret: dict[str, str]) -> Attachment:
    return Attachment("demo", plan, "addon-round-1", "herosim-demo-addon-round-1", secret=secret)


def test_postgres_runs_the_recorded_version_with_ssl_and_the_apps_role_made_at_init():
    spec = SERVICES["heroku-postgresql"].sidecar(attached("heroku-postgresql:essential-0", PG_SECRET), FORKY)
    assert spec.image.ref == "herosim/postgres:bookworm"
    assert (spec.port, spec.data_path) == (5432, "/var/lib/postgresql/data")
    assert spec.environment == {"POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "SUPER", "POSTGRES_DB": "dxyz",
                                "HEROSIM_DB_USER": "uabc", "HEROSIM_DB_PASSWORD": "pSECRET",
                                "PGDATA": "/var/lib/postgresql/data/pgdata", "HEROSIM_SSL_OPTIONAL": "0"}
    assert spec.command[:3] == ["postgres", "-c", "ssl=on"] and "ssl_min_protocol_version=TLSv1.2" in spec.command
    assert list(spec.files) == ["/docker-entrypoint-initdb.d/herosim.sh"]
    assert spec.entrypoint[:2] == ["bash", "-c"]


def test_postgres_in_dyno_takes_connections_without_ssl_and_an_older_record_gets_the_default_version():
    secret = {k: v for k, v in PG_SECRET.items() if k != "version"}
    spec = SERVICES["heroku-postgresql"].sidecar(attached("heroku-postgresql:in-dyno", secret), ONLINE)
    assert spec.environment["HEROSIM_SSL_OPTIONAL"] == "1" and spec.image == Pulled("postgres:17")


def test_the_key_value_store_serves_tls_only_with_its_password_in_a_private_file():
    secret = {"password": "pKV", "port": "12345"}
    spec = SERVICES["heroku-redis"].sidecar(attached("heroku-redis:mini", secret), ONLINE)
    assert (spec.image, spec.port, spec.environment) == (Pulled("valkey/valkey:8.1"), 12345, {})
    config, mode = spec.files["/data/herosim/valkey.conf"]
    assert mode == 0o600 and spec.files["/data/herosim/tls/server.key"][1] == 0o600
    lines = config.decode().splitlines()
    assert {"port 0", "tls-port 12345", "requirepass pKV", "maxmemory 25mb", "maxclients 20"} <= set(lines)
    assert "pKV" not in " ".join(spec.command + spec.entrypoint)


def test_the_key_value_store_in_dyno_is_plain_and_without_a_password():
    spec = SERVICES["heroku-redis"].sidecar(attached("heroku-redis:in-dyno", {"password": "", "port": "12345"}), FORKY)
    lines = spec.files["/data/herosim/valkey.conf"][0].decode().splitlines()
    assert "port 12345" in lines and not [line for line in lines if line.startswith(("tls-port", "requirepass"))]
    assert spec.image.ref == "herosim/keyvalue:trixie"


def test_search_engines_get_their_credentials_only_when_the_plan_has_some():
    lite = SERVICES["searchbox"].sidecar(attached("searchbox:starter", {"engine": "lite", "user": "paas",
                                                                        "password": "pS"}), FORKY)
    assert (lite.image.ref, lite.environment, lite.data_path) == (
        "herosim/search-lite:forky", {"HEROSIM_SEARCH_USER": "paas", "HEROSIM_SEARCH_PASSWORD": "pS"}, "/data")
    open_lite = SERVICES["elasticsearch"].sidecar(attached("elasticsearch:single-node", {"engine": "lite"}), FORKY)
    assert open_lite.environment == {}
    elastic = SERVICES["bonsai"].sidecar(attached("bonsai:starter", {"engine": "elasticsearch", "user": "elastic",
                                                                    "password": "pE"}), ONLINE)
    assert elastic.environment["xpack.security.enabled"] == "true" and elastic.environment["ELASTIC_PASSWORD"] == "pE"
    opensearch = SERVICES["searchbox"].sidecar(attached("searchbox:starter", {"engine": "opensearch"}), ONLINE)
    assert opensearch.environment["DISABLE_SECURITY_PLUGIN"] == "true"
    assert opensearch.data_path == "/usr/share/opensearch/data"


@pytest.mark.parametrize("service, plan, options, first_var", [
    ("heroku-postgresql", "heroku-postgresql:essential-0", {"version": "15"}, "HEROKU_POSTGRESQL_"),
    ("heroku-redis", "heroku-redis:mini", {}, "REDIS_URL"),
    ("searchbox", "searchbox:starter", {"engine": "lite"}, "SEARCHBOX_URL"),
    ("scheduler", "scheduler:standard", {}, None),
])
def test_a_new_add_on_is_read_back_as_it_was_provisioned(home, service, plan, options, first_var):
    engine = Engine()
    made = SERVICES[service].provision(engine, "demo", plan, options)
    assert records.attachments(engine, "demo") == [made]
    assert made.plan == plan and made.volume == f"herosim-demo-{made.name}"
    assert (next(iter(made.config)).startswith(first_var)) if first_var else made.config == {}


def test_a_second_database_gets_another_color_and_leaves_database_url_alone(home):
    engine = Engine()
    first = SERVICES["heroku-postgresql"].provision(engine, "demo", "heroku-postgresql:essential-0")
    second = SERVICES["heroku-postgresql"].provision(engine, "demo", "heroku-postgresql:essential-0")
    assert "DATABASE_URL" in first.config and "DATABASE_URL" not in second.config
    assert set(first.config).isdisjoint(second.config)
    assert records.attachments(engine, "demo") == sorted([first, second], key=lambda a: a.name)
