"""Pieces of the plugin's per-worker databases: a fork's config vars, the options it keeps,
the run every xdist worker shares."""

from types import SimpleNamespace

import pytest

from herosim.app.fork import _config_vars, on_database
from herosim.errors import HerosimError
from herosim.testing import xdist
from herosim.testing.app import _timeout_options

URL = "postgres://u1:p1@postgresql-x-1:5432/dmain"


def source(addon_vars, own):
    return SimpleNamespace(name="shop", addons=SimpleNamespace(config_vars=lambda: addon_vars),
                           state=SimpleNamespace(config_vars=lambda: own))


def test_a_fork_reaches_the_same_add_ons_with_its_own_database():
    vars_ = _config_vars(source({"DATABASE_URL": URL, "HEROKU_POSTGRESQL_RED_URL": URL,
                                 "HEROKU_POSTGRESQL_BLUE_URL": "postgres://u2:p2@postgresql-y-2:5432/dother",
                                 "REDIS_URL": "rediss://:pw@redis-x-1:6379"}, {"SECRET_KEY": "s"}), "dmain_gw0")
    assert vars_ == {"DATABASE_URL": "postgres://u1:p1@postgresql-x-1:5432/dmain_gw0",
                     "HEROKU_POSTGRESQL_RED_URL": "postgres://u1:p1@postgresql-x-1:5432/dmain_gw0",
                     "HEROKU_POSTGRESQL_BLUE_URL": "postgres://u2:p2@postgresql-y-2:5432/dother",
                     "REDIS_URL": "rediss://:pw@redis-x-1:6379", "SECRET_KEY": "s"}
    assert on_database(URL, "x") == "postgres://u1:p1@postgresql-x-1:5432/x"
    with pytest.raises(HerosimError, match="no Postgres add-on"):
        _config_vars(source({}, {}), "d_gw0")


def test_a_fork_keeps_the_timeouts_and_size_of_herosim_options_only():
    options = ["--boot-timeout", "30", "--port", "5000", "--size=standard-2x", "--no-cache", "--time-scale", "0.01"]
    assert _timeout_options(options) == ["--boot-timeout", "30", "--size=standard-2x", "--time-scale", "0.01"]


def test_workers_and_controllers_are_told_apart():
    worker = SimpleNamespace(workerinput={"testrunuid": "abc", "workerid": "gw1"})
    assert xdist.worker(worker) == ("abc", "gw1")
    assert xdist.worker(SimpleNamespace()) is None
    assert xdist.controller_run(worker) is None

    class Plain:
        option = SimpleNamespace()

        def getoption(self, name, default=None):
            return {"numprocesses": None, "dist": "no"}.get(name, default)

    assert xdist.controller_run(Plain()) is None


def test_the_shared_run_is_read_by_every_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path))
    run = xdist.SharedRun("abc")
    with run.lock():
        assert run.read() is None
        run.write({"name": "shop-tabc", "template": True})
    assert xdist.SharedRun("abc").read() == {"name": "shop-tabc", "template": True}
    assert oct(run.path.stat().st_mode & 0o777) == "0o700"
    run.remove()
    assert not run.path.exists()
