"""Followers' pure parts: the lag option (herosim's own), Behind By, Heroku's rules on who may
follow, and the follower's attachment and sidecar: the leader's credentials, no DATABASE_URL,
its base backup's script, no password in an argument."""

import pytest

from herosim.addons import follower
from herosim.addons.attachment import Attachment
from herosim.addons.postgres import Postgres
from herosim.engine import stack
from herosim.errors import HerosimError

SECRET = {"user": "uabc", "password": "pSECRET1", "database": "dxyz", "superuser_password": "SUPERsecret2",
          "version": "17"}
LEADER = Attachment("demo", "heroku-postgresql:standard-0", "postgresql-round-1", "herosim-demo-postgresql-round-1",
                    config={"DATABASE_URL": "postgres://uabc:pSECRET1@postgresql-round-1:5432/dxyz"}, secret=SECRET)


@pytest.mark.parametrize("text, ms", [("2s", 2000), ("500ms", 500), ("1.5s", 1500), ("3", 3000), ("1m", 60_000),
                                      (None, 0), ("0", 0)])
def test_lag(text, ms):
    assert follower.lag_ms(text) == ms


@pytest.mark.parametrize("text", ["soon", "-1s", "2h", "61m"])
def test_a_lag_that_is_not_one_is_refused(text):
    with pytest.raises(HerosimError):
        follower.lag_ms(text)


def test_behind_by_counts_commits():
    assert follower.behind_by(1000, 1000) == "0 commits"
    assert follower.behind_by(1001, 1000) == "1 commit"
    assert follower.behind_by(1125, 1000) == "125 commits"
    assert follower.behind_by(999, 1000) == "0 commits"


def test_followers_need_standard_tier_and_no_chains():
    follower.check_can_follow("heroku-postgresql:standard-0", "heroku-postgresql:standard-0", SECRET, "follow")
    with pytest.raises(HerosimError, match="not supported on essential-0 databases"):
        follower.check_can_follow("heroku-postgresql:essential-0", "heroku-postgresql:standard-0", SECRET, "follow")
    with pytest.raises(HerosimError, match="not supported on essential-1"):
        follower.check_can_follow("heroku-postgresql:standard-0", "heroku-postgresql:essential-1", SECRET, "fork")
    chained = {**SECRET, follower.FOLLOWS: "postgresql-round-1"}
    with pytest.raises(HerosimError, match="can't be chained"):
        follower.check_can_follow("heroku-postgresql:standard-0", "heroku-postgresql:standard-0", chained, "follow")
    follower.check_can_follow("heroku-postgresql:standard-0", "heroku-postgresql:standard-0", chained, "fork")


def follower_of(mode="follow", lag=2000) -> Attachment:
    return Postgres().new_attachment("demo", "heroku-postgresql:standard-0", "postgresql-flat-2", "vol",
                                     {"DATABASE_URL", "HEROKU_POSTGRESQL_RED_URL"},
                                     {"leader": LEADER, "mode": mode, "lag_ms": lag})


def test_a_follower_has_the_leaders_credentials_and_a_color_only():
    made = follower_of()
    (var, url), = made.config.items()
    assert var.startswith("HEROKU_POSTGRESQL_") and var != "HEROKU_POSTGRESQL_RED_URL"
    assert url == "postgres://uabc:pSECRET1@postgresql-flat-2:5432/dxyz"
    assert made.secret == {**SECRET, "follows": "postgresql-round-1", "lag_ms": "2000"}
    assert follower_of("fork", 0).secret == {**SECRET, "forked_from": "postgresql-round-1", "lag_ms": "0"}


def test_the_followers_sidecar_starts_from_the_leaders_base_backup():
    spec = Postgres().sidecar(follower_of(), stack.offline(stack.SUITES["forky"]))
    assert spec.entrypoint[:2] == ["bash", "-c"] and "pg_basebackup -h \"$HEROSIM_LEADER\"" in spec.entrypoint[2]
    assert spec.environment["HEROSIM_LEADER"] == "postgresql-round-1"
    assert spec.command[-2:] == ["-c", "recovery_min_apply_delay=2000ms"]
    assert not any("SECRET" in part for part in spec.command + spec.entrypoint)
    assert "password" not in follower.PREFLIGHT.split("primary_conninfo")[1].split("\n")[0]


def test_a_database_of_its_own_is_unchanged():
    made = Postgres().new_attachment("demo", "heroku-postgresql:standard-0", "postgresql-flat-3", "vol", set(), {})
    assert "DATABASE_URL" in made.config and set(made.secret) == set(SECRET)
    spec = Postgres().sidecar(made, stack.offline(stack.SUITES["forky"]))
    assert "HEROSIM_LEADER" not in spec.environment and "herosim-postgres" in spec.entrypoint
