"""Snapshots round trip an app's whole state: rows in Postgres, keys in the Key-Value Store,
documents in the search index, config vars and the release; the dynos stop meanwhile.
One app with the three add-ons for the module."""

import json
import stat

import pytest
import requests

from tests.integration.conftest import app_name, start_app


@pytest.fixture(scope="module")
def data_app(herosim_home, tmp_path_factory):
    app, result = start_app("addon_data", tmp_path_factory.mktemp("snapshots"), "snap")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield app
    app.cli("destroy", "--confirm", app.name)


def state(app):
    answer = app.get("/state")
    assert answer.status_code == 200, answer.text[-2000:]
    return answer.json()


def test_a_snapshot_round_trip_loses_nothing(data_app, herosim_home):
    for body in ("alpha", "beta"):
        assert requests.post(data_app.url + "/items", json={"body": body}, timeout=30).status_code == 201
    data_app.cli("config:set", "COLOR=blue", check=True)
    saved = state(data_app)
    assert saved == {"rows": [[1, "alpha"], [2, "beta"]], "keys": {"item:1": "alpha", "item:2": "beta"},
                     "docs": [["1", "alpha"], ["2", "beta"]], "color": "blue"}
    release = json.loads(data_app.cli("ps", "--json", check=True).stdout)[0]["release"]

    result = data_app.cli("snapshot:save", "seeded")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Stopping all dynos on ⬢ " + data_app.name in result.stderr
    assert f"Saving snapshot seeded of ⬢ {data_app.name}... done, v{release}" in result.stderr
    assert state(data_app) == saved
    folder = herosim_home / "snapshots" / "seeded"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}

    # the destructive migration, tried once
    assert requests.post(data_app.url + "/wipe", timeout=30).json() == {"wiped": True}
    data_app.cli("config:set", "COLOR=red", "EXTRA=1", check=True)
    assert requests.post(data_app.url + "/items", json={"body": "after"}, timeout=30).status_code == 201
    assert state(data_app)["rows"] == [[1, "after"]]

    loaded = data_app.cli("snapshot:load", "seeded", "--confirm", data_app.name)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert f"Loading snapshot seeded into ⬢ {data_app.name}... done, v" in loaded.stderr
    assert f"runs v{release}'s slug and config vars" in loaded.stderr
    assert state(data_app) == saved
    config = data_app.cli("config", "--json", check=True).stdout
    assert '"COLOR": "blue"' in config and "EXTRA" not in config
    releases = data_app.cli("releases", check=True).stdout.splitlines()
    assert f"Load snapshot seeded (v{release})" in releases[1]

    listed = data_app.cli("snapshots", check=True).stdout
    assert "seeded" in listed and "DATABASE" in listed and "REDIS" in listed and "ELASTICSEARCH" in listed


def test_another_apps_snapshot_is_refused_unless_told_and_removal(data_app, herosim_home):
    meta = herosim_home / "snapshots" / "seeded" / "meta.json"
    saved = json.loads(meta.read_text())
    meta.write_text(json.dumps({**saved, "app": app_name("elsewhere")}))
    refused = data_app.cli("snapshot:load", "seeded", "--confirm", data_app.name)
    assert refused.returncode == 1
    assert f"Snapshot seeded is of ⬢ {app_name('elsewhere')}, not of ⬢ {data_app.name}." in refused.stderr
    assert "--other-app loads it anyway" in refused.stderr
    elsewhere = data_app.cli("snapshot:remove", "seeded")
    assert elsewhere.returncode == 1 and f"herosim snapshot:remove seeded -a {app_name('elsewhere')}" in elsewhere.stderr
    meta.write_text(json.dumps(saved))
    removed = data_app.cli("snapshot:remove", "seeded")
    assert removed.returncode == 0 and f"Removing snapshot seeded of ⬢ {data_app.name}... done" in removed.stderr
    assert not (herosim_home / "snapshots" / "seeded").exists()
    assert data_app.cli("snapshot:load", "seeded", "--confirm", data_app.name).returncode == 1
