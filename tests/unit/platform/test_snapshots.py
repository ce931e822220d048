"""The snapshot store under $HEROSIM_HOME: names, privacy, replacing, listing, slugs kept."""

import stat

import pytest

from herosim.errors import HerosimError
from herosim.platform import snapshots
from herosim.platform.snapshots import AddonData, Snapshot


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path))
    return tmp_path


def snapshot(name, app="shop", slug="sha256:abc", created="2026-01-01T00:00:00+00:00"):
    return Snapshot(name=name, app=app, created_at=created, release=3, slug=slug, config_vars={"SECRET": "s"},
                    addons=(AddonData("postgresql-x-1", "heroku-postgresql", "heroku-postgresql:essential-0",
                                      "DATABASE", "17", "postgresql-x-1.tar.gz", 10, "u1", "d1"),))


def save(name, **kwargs):
    staged = snapshots.staging(name)
    (staged / "postgresql-x-1.tar.gz").write_bytes(b"data")
    snapshots.commit(name, staged, snapshot(name, **kwargs))


def test_a_snapshot_round_trips_and_is_private(home):
    save("seeded")
    assert snapshots.read("seeded") == snapshot("seeded")
    folder = home / "snapshots" / "seeded"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "meta.json").stat().st_mode) == 0o600
    assert not list((home / "snapshots").glob(".*"))   # no staging folder left


def test_replacing_keeps_one_and_listing_is_by_time(home):
    save("b", created="2026-01-02T00:00:00+00:00")
    save("a", created="2026-01-03T00:00:00+00:00", slug="sha256:new")
    save("b", created="2026-01-01T00:00:00+00:00", app="other", slug="sha256:other")
    assert [(s.name, s.app) for s in snapshots.all_snapshots()] == [("b", "other"), ("a", "shop")]
    assert snapshots.kept_slugs("shop") == {"sha256:new"}


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", "x" * 64, "with space"])
def test_bad_names_are_refused(home, name):
    with pytest.raises(HerosimError):
        snapshots.check_name(name)


def test_a_missing_snapshot_is_one_clear_error(home):
    with pytest.raises(HerosimError, match="Snapshot nope not found"):
        snapshots.read("nope")
    with pytest.raises(HerosimError):
        snapshots.remove("nope")
