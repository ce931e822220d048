"""The attachment record without Docker (a stand-in for the engine's volumes): no config var
and no password on a label; the private record; older volumes' labels migrated; a rotation's
pending, confirmed and released steps."""

import json
import os
import stat

import pytest

from herosim.addons import attachment as records
from herosim.addons.attachment import Attachment
from herosim.const import (
    LABEL_ADDON_CONFIG,
    LABEL_ADDON_NAME,
    LABEL_ADDON_PLAN,
    LABEL_ADDON_SECRET,
    LABEL_APP,
    LABEL_ROLE,
)
from herosim.platform.state import AppState
from tests.unit.addons.fakes import Engine, Volume

URL = "postgres://uabc:pSECRET1@postgresql-round-1:5432/dxyz"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path))
    return tmp_path


def provisioned(engine) -> Attachment:
    attachment = Attachment("demo", "heroku-postgresql:essential-0", "postgresql-round-1", "herosim-demo-pg",
                            config={"DATABASE_URL": URL, "HEROKU_POSTGRESQL_RED_URL": URL},
                            secret={"user": "uabc", "password": "pSECRET1", "database": "dxyz",
                                    "superuser_password": "SUPERsecret2", "version": "17"})
    records.record(engine, attachment)
    return attachment


def test_no_config_var_or_password_is_written_on_a_label(home):
    engine = Engine()
    provisioned(engine)
    labels = engine.volumes.made[0].attrs["Labels"]
    assert "pSECRET1" not in repr(labels) and "SUPERsecret2" not in repr(labels) and URL not in repr(labels)
    assert labels[LABEL_ADDON_PLAN] == "heroku-postgresql:essential-0"
    assert labels["io.herosim.addon.vars"] == "DATABASE_URL,HEROKU_POSTGRESQL_RED_URL"
    path = AppState("demo").path("addons.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    [found] = records.attachments(engine, "demo")
    assert found.config["DATABASE_URL"] == URL and found.secret["superuser_password"] == "SUPERsecret2"


def test_an_older_volumes_labels_and_rotation_move_into_the_private_record(home):
    engine = Engine()
    labels = {LABEL_APP: "demo", LABEL_ROLE: "addon", LABEL_ADDON_NAME: "postgresql-round-1",
              LABEL_ADDON_PLAN: "heroku-postgresql:essential-0",
              LABEL_ADDON_CONFIG: json.dumps({"DATABASE_URL": URL}),
              LABEL_ADDON_SECRET: json.dumps({"user": "uabc", "password": "pSECRET1", "database": "dxyz"})}
    engine.volumes.made.append(Volume("herosim-demo-pg", labels))
    state = AppState("demo")
    state.dir.mkdir(parents=True)
    rotated = URL.replace("pSECRET1", "pROTATED")
    state.path(records.ROTATED).write_text(json.dumps(
        {"postgresql-round-1": {"config": {"DATABASE_URL": rotated}, "secret": {"password": "pROTATED"}}}))
    [found] = records.attachments(engine, "demo")
    assert found.config == {"DATABASE_URL": rotated}
    assert found.secret == {"user": "uabc", "password": "pROTATED", "database": "dxyz"}
    assert state.addon_records()["postgresql-round-1"]["secret"]["password"] == "pROTATED"
    assert not state.path(records.ROTATED).exists()
    [again] = records.attachments(engine, "demo")   # from the record now
    assert again == found


def test_a_rotation_is_recorded_pending_then_confirmed_then_released(home):
    engine = Engine()
    attachment = provisioned(engine)
    new_url = URL.replace("pSECRET1", "pNEW")
    pending = records.begin_rotation(attachment, {"DATABASE_URL": new_url}, {"password": "pNEW"})
    [found] = records.attachments(engine, "demo")
    assert found.secret["password"] == "pSECRET1"                  # confirmed: what the server has
    assert found.pending["secret"]["password"] == "pNEW" and found.pending["config"]["DATABASE_URL"] == new_url
    assert found.pending["secret"]["user"] == "uabc"                # the rest of the credential is kept
    confirmed = records.confirm_rotation(pending, records.rotation_release(pending))
    [found] = records.attachments(engine, "demo")
    assert found.secret["password"] == "pNEW" and found.pending is None
    assert found.unreleased == "Update DATABASE by postgresql-round-1"
    records.released(confirmed)
    assert records.attachments(engine, "demo")[0].unreleased == ""


def test_two_rotations_of_two_add_ons_at_once_both_stay_recorded(home):
    """One record for every add-on, each change a locked read-modify-write of it."""
    import threading
    engine = Engine()
    first = provisioned(engine)
    second = Attachment("demo", "heroku-redis:mini", "redis-round-2", "herosim-demo-redis",
                        config={"REDIS_URL": "rediss://:pOLD@redis-round-2:6379"}, secret={"password": "pOLD"})
    records.record(engine, second)
    errors = []

    def rotate(attachment, n):
        try:
            for i in range(15):
                records.begin_rotation(attachment, {}, {"password": f"p{n}-{i}"})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=rotate, args=(a, n)) for n, a in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    pending = {a.name: a.pending["secret"]["password"] for a in records.attachments(engine, "demo")}
    assert pending == {"postgresql-round-1": "p0-14", "redis-round-2": "p1-14"}


def test_an_add_on_whose_record_is_gone_says_so_and_how_to_recover(home):
    engine = Engine()
    provisioned(engine)
    AppState("demo").path("addons.json").unlink()
    [found] = records.attachments(engine, "demo")
    assert found.lost and found.secret == {}
    assert "addons.json" not in os.listdir(AppState("demo").dir)   # nothing invented in its place
    with pytest.raises(Exception) as refused:
        records.require_credentials(found)
    assert "The credentials of postgresql-round-1 are not in " in str(refused.value)
    assert "herosim addons:destroy postgresql-round-1" in refused.value.hint


def test_a_new_volume_for_an_older_add_on_carries_none_of_its_secret_labels():
    older = {LABEL_APP: "demo", LABEL_ADDON_NAME: "postgresql-round-1", LABEL_ADDON_PLAN: "heroku-postgresql:essential-0",
             LABEL_ADDON_CONFIG: json.dumps({"DATABASE_URL": URL}), LABEL_ADDON_SECRET: json.dumps({"password": "p"})}
    assert records.public_labels(older) == {LABEL_APP: "demo", LABEL_ADDON_NAME: "postgresql-round-1",
                                            LABEL_ADDON_PLAN: "heroku-postgresql:essential-0"}
