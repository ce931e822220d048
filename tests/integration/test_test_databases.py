"""The pytest plugin under pytest-xdist: one build for the run, each worker an app of its own
on its own copy of the migrated database (the same credential, so the plan's connection
limit is shared), a fresh copy per test on request, everything removed at the end."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.integration.conftest import LABEL_APP, git_app

SUITE = '''
import json, os

def record(**values):
    with open(os.environ["HEROSIM_RESULTS"], "a") as handle:
        handle.write(json.dumps(values) + "\\n")

def test_each_worker_has_its_own_database(herosim_app, herosim_client):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert herosim_client.post(f"/hits?who={worker}").status_code == 201
    seen = herosim_client.get("/").json()
    with herosim_app.db() as conn, conn.cursor() as cur:
        cur.execute("select current_database(), current_user, "
                    "(select rolconnlimit from pg_roles where rolname = current_user), "
                    "(select string_agg(who, ',' order by id) from hits)")
        database, user, limit, who = cur.fetchone()
    record(worker=worker, app=herosim_app.name, seen=seen, database=database, user=user, limit=limit, who=who)
    assert seen == {"database": database, "hits": 2}

def test_a_fresh_database_for_one_test(herosim_fresh_db):
    assert herosim_fresh_db.client().get("/").json()["hits"] == 1
'''


def test_two_xdist_workers_get_two_databases(client, herosim_home, tmp_path):
    pytest.importorskip("xdist")
    git_app("pg_counter", tmp_path)
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\nherosim_app_path = ../pg_counter\n")
    (suite / "test_workers.py").write_text(textwrap.dedent(SUITE))
    results = tmp_path / "results.jsonl"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "each"],
                         cwd=suite, capture_output=True, text=True, timeout=900, check=False,
                         env={**os.environ, "HEROSIM_RESULTS": str(results)})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-3000:]
    assert "4 passed" in run.stdout
    seen = sorted((json.loads(line) for line in results.read_text().splitlines()), key=lambda r: r["worker"])
    assert [r["worker"] for r in seen] == ["gw0", "gw1"]
    assert seen[0]["database"] != seen[1]["database"]
    assert [r["database"].rsplit("_", 1)[1] for r in seen] == ["gw0", "gw1"]
    assert seen[0]["user"] == seen[1]["user"] and {r["limit"] for r in seen} == {20}   # one role, the plan's limit
    assert [r["who"] for r in seen] == ["migration,gw0", "migration,gw1"]
    assert all(r["app"].endswith("-" + r["worker"]) for r in seen)
    assert not [p for p in (herosim_home / "apps").iterdir() if p.name.startswith("pg-counter-t")]
    assert not (herosim_home / "test-runs").exists() or not list((herosim_home / "test-runs").iterdir())
    found = [*client.containers.list(all=True, filters={"label": LABEL_APP}),
             *client.volumes.list(filters={"label": LABEL_APP}), *client.networks.list(filters={"label": LABEL_APP})]
    left = [o.name for o in found if _labels(o).get(LABEL_APP, "").startswith("pg-counter-t")]
    assert not left, left


def _labels(thing) -> dict:
    return getattr(thing, "labels", None) or thing.attrs.get("Labels") or {}
