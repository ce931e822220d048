"""Data and releases: Postgres versions and plan limits, the pg tools (info, backups round
trip, reset, pull/push against a second local database), rollback of config and code,
app.json on a first deploy, and `herosim ci` green and red."""

import json
import re
import subprocess
import sys
import time

import psycopg2
import pytest

from tests.support import RunningApp, app_name, commit_all, free_port, git_app, herosim, transcript


@pytest.fixture(scope="module")
def app(herosim_home, tmp_path_factory):
    path = git_app("hello", tmp_path_factory.mktemp("data"))
    running = RunningApp(app_name("data"), path, free_port())
    result = herosim("up", "-d", path, "-a", running.name, "--port", running.port)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield running
    herosim("destroy", "-a", running.name, "--confirm", running.name)


def local_url(client, app, var="DATABASE_URL") -> str:
    """The add-on's URL through its published port on this machine."""
    url = app.cli("config:get", var, check=True).stdout.strip()
    name = url.rsplit("@", 1)[1].split(":")[0]
    container = next(c for c in client.containers.list(filters={"label": f"io.herosim.app={app.name}"})
                     if c.labels.get("io.herosim.addon.name") == name)
    port = container.attrs["NetworkSettings"]["Ports"]["5432/tcp"][0]["HostPort"]
    return url.replace(f"@{name}:5432", f"@127.0.0.1:{port}").replace("postgres://", "postgresql://")


def test_postgres_versions_are_the_add_ons(app):
    eol = app.cli("addons:create", "heroku-postgresql:essential-0", "--version", "13")
    assert eol.returncode == 1 and "Postgres 13 is not a version Heroku Postgres offers" in eol.stderr
    offline = app.cli("addons:create", "heroku-postgresql:essential-0", "--version", "16")
    assert offline.returncode == 1 and "Postgres 16 is not available offline" in offline.stderr
    assert "herosim's offline stacks carry Postgres 15 and 17" in offline.stderr
    assert "No add-ons for app" in app.cli("addons").stderr   # nothing was created
    created = app.cli("addons:create", "heroku-postgresql:essential-0", "--version", "15", check=True)
    assert f"Creating heroku-postgresql:essential-0 on ⬢ {app.name}... ~$0.007/hour (max $5/month)" in created.stderr
    info = app.cli("pg:info", check=True).stdout.splitlines()
    assert info[0] == "=== DATABASE_URL, " + info[0].split(", ")[1] and info[0].split(", ")[1].startswith(
        "HEROKU_POSTGRESQL_")
    rows = dict(line.split(":", 1) for line in info[1:])
    assert rows["Plan"].strip() == "Essential 0" and rows["Status"].strip() == "Available"
    assert rows["PG Version"].strip().startswith("15.")
    assert rows["Connections"].strip().endswith("/20") and rows["Tables"].strip() == "0/4000 (In compliance)"
    assert " / 1 GB (" in rows["Data Size"] and rows["Data Size"].endswith("(In compliance)")
    release = app.cli("releases", check=True).stdout.splitlines()[1]
    assert "Attach DATABASE (@ref:postgresql-" in release
    # back to Heroku's default version for the tests below (the local server they copy to is a 17)
    name = rows["Add-on"].strip()
    app.cli("addons:destroy", name, "--confirm", app.name, check=True)
    assert f"Detach DATABASE (@ref:{name})" in app.cli("releases", check=True).stdout.splitlines()[1]
    app.cli("addons:create", "heroku-postgresql:essential-0", check=True)
    assert app.cli("pg:info", check=True).stdout.splitlines()[4].split(":", 1)[1].strip().startswith("17.")


def test_the_plans_connection_limit_is_the_roles(client, app):
    url = local_url(client, app)
    held = []
    try:
        with pytest.raises(psycopg2.OperationalError) as refused:
            for _ in range(25):
                held.append(psycopg2.connect(url, sslmode="require", connect_timeout=5))
        user = url.split("//")[1].split(":")[0]
        assert f'too many connections for role "{user}"' in str(refused.value)
        assert len(held) == 20
        rows = dict(l.split(":", 1) for l in app.cli("pg:info", check=True).stdout.splitlines()[1:])
        assert rows["Connections"].strip() == "20/20"
    finally:
        for conn in held:
            conn.close()


def test_backups_round_trip_and_reset(client, app, tmp_path):
    psql = ["pg:psql", "-c"]
    app.cli(*psql, "create table notes (id int primary key, body text); "
                   "insert into notes select n, 'note ' || n from generate_series(1, 500) n", check=True)
    captured = app.cli("pg:backups:capture", check=True)
    assert captured.stderr.splitlines()[-1] == "Backing up ⛁ DATABASE to b001... done"
    listing = app.cli("pg:backups", check=True).stdout.splitlines()
    assert listing[0] == "=== Backups" and listing[1].split() == ["ID", "Created", "at", "Status", "Size", "Database"]
    assert listing[3].startswith("b001  ") and "Completed" in listing[3] and listing[3].endswith("DATABASE")
    wrong = app.cli("pg:reset", "--confirm", "nope")
    assert wrong.returncode == 1 and "Confirmation did not match app. Aborted." in wrong.stderr
    reset = app.cli("pg:reset", "--confirm", app.name, check=True)
    assert reset.stderr.endswith("... done\n") and "Resetting postgresql-" in reset.stderr
    assert app.cli(*psql, "select count(*) from notes").returncode != 0
    restored = app.cli("pg:backups:restore", "--confirm", app.name, check=True)
    assert "Starting restore of b001 to ⛁ postgresql-" in restored.stderr and "Restoring... done" in restored.stderr
    assert app.cli(*psql, "select count(*), sum(id) from notes", check=True).stdout.split("\n")[2].split() == \
        ["500", "|", "125250"]
    downloaded = herosim("pg:backups:download", "-a", app.name, cwd=tmp_path, check=True)
    assert downloaded.stdout == "latest.dump\n" and (tmp_path / "latest.dump").read_bytes()[:5] == b"PGDMP"
    assert "Getting backup from ⬢ " in downloaded.stderr and downloaded.stderr.endswith("done, #1\n")
    assert herosim("pg:backups:download", "-a", app.name, cwd=tmp_path, check=True).stdout == "latest.dump.1\n"
    # a dump file from elsewhere (a production backup) loads the same way
    app.cli(*psql, "drop table notes", check=True)
    herosim("pg:backups:restore", str(tmp_path / "latest.dump"), "-a", app.name, "--confirm", app.name, check=True)
    assert app.cli(*psql, "select count(*) from notes", check=True).stdout.split("\n")[2].strip() == "500"


@pytest.fixture
def local_postgres(client):
    """A second database server on this machine (the developer's own), removed after."""
    port = free_port()
    container = client.containers.run("herosim/postgres:trixie", detach=True, environment={"POSTGRES_PASSWORD": "pw"},
                                      ports={"5432/tcp": ("127.0.0.1", port)},
                                      labels={"io.herosim.app": app_name("localpg"), "io.herosim.role": "test"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            psycopg2.connect(f"postgresql://postgres:pw@127.0.0.1:{port}/postgres", connect_timeout=2).close()
            break
        except psycopg2.OperationalError:
            time.sleep(0.5)
    yield f"postgresql://postgres:pw@127.0.0.1:{port}"
    container.remove(force=True, v=True)


def test_pull_and_push_against_a_local_database(client, app, local_postgres):
    helpers = {"label": [f"io.herosim.app={app.name}", "io.herosim.role=pg-transfer"]}
    # the helper of a pull that was killed (it holds both passwords): the next pull removes it
    client.containers.run("herosim/postgres:trixie", ["sleep", "600"], entrypoint=[], detach=True,
                          labels={"io.herosim.app": app.name, "io.herosim.role": "pg-transfer"})
    pulled = app.cli("pg:pull", "DATABASE_URL", f"{local_postgres}/pulled", check=True)
    assert pulled.stderr.endswith("/pulled... done\n") and ":pw@" not in pulled.stderr   # no password shown
    assert client.containers.list(all=True, filters=helpers) == []
    with psycopg2.connect(f"{local_postgres}/pulled") as conn, conn.cursor() as cur:
        cur.execute("select count(*) from notes")
        assert cur.fetchone()[0] == 500
    again = app.cli("pg:pull", "DATABASE_URL", f"{local_postgres}/pulled")
    assert again.returncode == 1 and "could not be created (pg:pull makes it: it must not exist)" in again.stderr
    full = app.cli("pg:push", f"{local_postgres}/pulled", "DATABASE_URL")
    assert full.returncode == 1
    assert "Remote database is not empty. Please create a new database or use heroku pg:reset" in full.stderr
    app.cli("pg:reset", "--confirm", app.name, check=True)
    app.cli("pg:push", f"{local_postgres}/pulled", "DATABASE_URL", check=True)
    out = app.cli("pg:psql", "-c", "select count(*) from notes", check=True).stdout
    assert out.split("\n")[2].strip() == "500"


def test_pg_ps_killall_and_credentials(client, app):
    url = local_url(client, app)
    conn = psycopg2.connect(url, sslmode="require")
    conn.autocommit = True
    ps = app.cli("pg:ps", "--verbose", check=True).stdout
    assert "username" in ps.splitlines()[0] and "idle" in ps
    killed = app.cli("pg:killall", check=True)
    assert killed.stderr == "Terminating connections for all credentials... done\n"
    with pytest.raises(psycopg2.Error):
        conn.cursor().execute("select 1")
    credentials = app.cli("pg:credentials:url", check=True).stdout.splitlines()
    assert credentials[0] == "Connection information for default credential."
    assert credentials[4].strip() == app.cli("config:get", "DATABASE_URL", check=True).stdout.strip()


# Ctrl-C at the worst moment of a rotation: the server has the new password, herosim has not
# recorded it yet (whatever records it is interrupted, in this herosim or an older one).
INTERRUPTED = """
import sys
import herosim.addons.attachment as attachment, herosim.app.postgres as postgres
def interrupted(*args, **kwargs):
    raise KeyboardInterrupt
for module, name in ((postgres, "record_rotation"), (attachment, "confirm_rotation")):
    if hasattr(module, name):
        setattr(module, name, interrupted)
from herosim.cli.base import main
sys.argv = ["herosim", *sys.argv[1:]]
main()
"""


def test_a_rotation_interrupted_after_the_server_changed_is_finished_by_the_next_command(client, app):
    before = app.cli("config:get", "DATABASE_URL", check=True).stdout.strip()
    killed = subprocess.run([sys.executable, "-c", INTERRUPTED, "pg:credentials:rotate", "--confirm", app.name,
                             "-a", app.name], capture_output=True, text=True, timeout=300)
    assert killed.returncode == 130, killed.stderr[-2000:]
    psql = app.cli("pg:psql", "-c", "select 'still ours'")     # the next command
    assert psql.returncode == 0 and "still ours" in psql.stdout, psql.stderr[-2000:]
    assert "Finishing the credential rotation of postgresql-" in psql.stderr
    after = app.cli("config:get", "DATABASE_URL", check=True).stdout.strip()
    assert after != before
    psycopg2.connect(local_url(client, app), sslmode="require").close()
    assert "Update DATABASE by postgresql-" in app.cli("releases", check=True).stdout.splitlines()[1]
    assert app.get("/").status_code == 200


def test_commands_that_change_the_app_wait_for_its_lock(app):
    """Each of them waits while another command holds the app's lock (a second `up`, a
    rotation), and runs once it is free."""
    from herosim.platform import lock
    commands = [("pg:reset", "--confirm", app.name), ("pg:backups:restore", "b001", "--confirm", app.name),
                ("maintenance:on",), ("build", str(app.path))]
    with lock.held(app.state_dir, app.name):
        started = [subprocess.Popen([sys.executable, "-m", "herosim", *command, "-a", app.name],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for command in commands]
        time.sleep(20)   # long enough for each to start up and reach the lock, on a busy machine too
        waiting = [command[0] for command, process in zip(commands, started, strict=True) if process.poll() is None]
    finished = [process.communicate(timeout=600) for process in started]
    assert waiting == [command[0] for command in commands]
    for command, process, (_out, err) in zip(commands, started, finished, strict=True):
        assert process.returncode == 0, (command, err[-2000:])
        assert f"Waiting for another herosim command on {app.name} to finish..." in err, command
    app.cli("maintenance:off", check=True)


def test_rollback_of_config_and_of_code(app):
    app.cli("config:set", "MODE=first", check=True)
    app.cli("config:set", "MODE=second", check=True)
    listing = app.cli("releases", check=True).stdout.splitlines()
    current = int(listing[0].rsplit("v", 1)[1])
    rolled = app.cli("rollback", check=True)
    assert rolled.stderr == (f"Rolling back ⬢ {app.name} to v{current - 1}... done, v{current + 1}\n"
                             "Rollback affects code and config vars; it doesn't add or remove addons.\n"
                             f"To undo, run: herosim rollback v{current}\n")
    assert app.cli("config:get", "MODE", check=True).stdout == "first\n"
    assert app.cli("run", "printenv MODE", check=True).stdout == "first\n"
    info = app.cli("releases:info", check=True).stdout.splitlines()
    assert info[0] == f"=== Release v{current + 1}" and info[3].split(":", 1)[1].strip() == f"Rollback to v{current - 1}"
    assert info[4].split(":", 1)[1].strip() == "Yes"
    # code: a deploy that answers differently, then back
    before = app.get("/").json()["app"]
    (app.path / "app.py").write_text((app.path / "app.py").read_text().replace('app="hello"', 'app="changed"'))
    commit_all(app.path)
    herosim("up", "-d", app.path, "-a", app.name, "--port", app.port, check=True)
    assert app.get("/").json()["app"] == "changed"
    deployed = int(app.cli("releases", check=True).stdout.splitlines()[0].rsplit("v", 1)[1])
    app.cli("releases:rollback", f"v{deployed - 1}", check=True)
    assert app.get("/").json()["app"] == before
    missing = app.cli("releases:rollback", "v999")
    assert missing.returncode == 1 and "Release v999 not found." in missing.stderr


def test_app_json_on_a_first_deploy(client, herosim_home, tmp_path):
    path = git_app("appjson_ci", tmp_path)
    app = RunningApp(app_name("appjson"), path, free_port())
    try:
        refused = app.cli("up", "-d", str(path), "--port", str(app.port))
        assert refused.returncode == 1
        assert refused.stderr.splitlines()[-2:] == [
            " ▸    app.json requires config vars that are not set: MAIL_SERVER (the SMTP host)",
            " ▸    Hint: herosim config:set MAIL_SERVER=…, then up again"]
        assert app.cli("releases", check=True).stdout == f"⬢ {app.name} has no releases.\n"
        assert not client.containers.list(all=True, filters={"label": f"io.herosim.app={app.name}"})
        app.cli("config:set", "MAIL_SERVER=smtp.example", check=True)
        result = transcript("up", "-d", path, "-a", app.name, "--port", app.port)
        assert result.returncode == 0, result.stdout[-3000:]
        assert "-----> Setting GREETING, SECRET_KEY from app.json" in result.stdout
        assert "       Formation: web=1:Basic worker=1:Basic" in result.stdout   # app.json's, not the default
        assert "-----> Running postdeploy script `python -c \"print('postdeploy ran')\"`\n       postdeploy ran\n" \
            in result.stdout
        assert app.get("/").json() == {"greeting": "hello", "secret_length": 64, "cache": True}
        again = transcript("up", "-d", path, "-a", app.name, "--port", app.port)
        assert again.returncode == 0 and "postdeploy" not in again.stdout and "from app.json" not in again.stdout
    finally:
        herosim("destroy", "-a", app.name, "--confirm", app.name)


def test_herosim_ci_green_then_red(client, herosim_home, tmp_path):
    path = git_app("appjson_ci", tmp_path)
    green = transcript("ci", path, cwd=path)
    assert green.returncode == 0, green.stdout[-3000:]
    out = green.stdout
    assert "-----> Installing dependencies using 'pip install -r requirements.txt -r requirements-test.txt'" in out
    assert "Creating heroku-postgresql:in-dyno on ⬢ " in out and "heroku-redis" not in out   # test add-ons only
    assert out.index("-----> Running test-setup command") < out.index("test-setup ran on node 0 of 1") \
        < out.index("-----> Running test command `pytest -q tests`...") < out.index("2 passed")
    assert "-----> test exited with 0" in out
    ci_app = out.split("Test run app ")[1].split(" ")[0]
    assert not client.containers.list(all=True, filters={"label": f"io.herosim.app={ci_app}"})
    assert not client.volumes.list(filters={"label": f"io.herosim.app={ci_app}"})
    # a failing test, on two test dynos at once (Heroku CI's parallel runs): each told its index
    (path / "tests" / "test_ci.py").write_text((path / "tests" / "test_ci.py").read_text()
                                              .replace("== 42", "== 43"))
    manifest = json.loads((path / "app.json").read_text())
    manifest["environments"]["test"]["formation"] = {"test": {"quantity": 2}}
    (path / "app.json").write_text(json.dumps(manifest))
    commit_all(path, "a failing test")
    red = transcript("ci", path, cwd=path)
    assert red.returncode == 1, red.stdout[-2000:]
    blocks = re.split(r"-----> Test node (\d) of 2 \(CI_NODE_INDEX=\d\):\n", red.stdout)[1:]
    nodes = [block for _, block in sorted(zip(blocks[::2], blocks[1::2], strict=True))]
    assert len(nodes) == 2, red.stdout[-3000:]
    assert "test-setup ran on node 0 of 2" in nodes[0] and "test-setup ran on node 1 of 2" in nodes[1]
    assert all("1 failed, 1 passed" in block and "-----> test exited with 1" in block for block in nodes)
    assert "-----> 0 of 2 test nodes passed" in red.stdout
