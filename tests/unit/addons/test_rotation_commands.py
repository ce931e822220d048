"""A rotation's commands inside the sidecar, on an engine that is not local (no published port
reachable: everything goes through exec): the new password travels in the environment, never
in a process argument (issue 19: `CONFIG SET requirepass <password>` was one)."""

from types import SimpleNamespace

from herosim.addons import keyvalue, postgres
from herosim.addons.attachment import Attachment


class Sidecar:
    def __init__(self):
        self.calls = []

    def exec_run(self, cmd, **kwargs):
        self.calls.append((cmd, kwargs.get("environment") or {}))
        return SimpleNamespace(exit_code=0, output=b"OK")


def test_the_key_value_stores_new_password_is_never_an_argument(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.9:2376")
    store = Attachment("demo", "heroku-redis:mini", "redis-round-1", "v", {"REDIS_URL": "rediss://:pOLD@r:6379"},
                       {"password": "pOLD", "port": "6379"})
    sidecar = Sidecar()
    keyvalue.apply_credential(sidecar, store, {"password": "pNEWsecret", "port": "6379"})
    assert sidecar.calls
    for cmd, _environment in sidecar.calls:
        assert not any("pNEWsecret" in part or "pOLD" in part for part in cmd), cmd
    assert any(env.get("SECRET") == "pNEWsecret" for _, env in sidecar.calls)
    assert any(env.get("REDISCLI_AUTH") == "pOLD" for _, env in sidecar.calls)   # authenticated with the old one


def test_postgres_new_passwords_are_never_an_argument():
    database = Attachment("demo", "heroku-postgresql:essential-0", "postgresql-round-1", "v", {},
                          {"user": "uabc", "password": "pOLD", "database": "dxyz", "superuser_password": "SOLD"})
    sidecar = Sidecar()
    postgres.Postgres().apply_credential(sidecar, database, {**database.secret, "password": "pNEWsecret",
                                                             "superuser_password": "SNEWsecret"})
    [(cmd, environment)] = sidecar.calls
    assert not any("NEWsecret" in part for part in cmd)
    assert environment["SECRET"] == "pNEWsecret" and environment["SUPERSECRET"] == "SNEWsecret"
