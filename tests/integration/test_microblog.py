"""The core promise on a real Flask + SQLAlchemy + psycopg2 + gunicorn app."""

import json
import re
import time

import requests

from tests.integration.conftest import herosim


def sql(client, app, query: str) -> str:
    """Run SQL in the app's Postgres sidecar as the app's own credential, over SSL."""
    sidecar = client.containers.list(filters={"label": [f"io.herosim.app={app.name}", "io.herosim.role=addon"]})[0]
    url = app.cli("config:get", "DATABASE_URL", check=True).stdout.strip()
    local = re.sub(r"@[^:/]+:5432/", "@127.0.0.1:5432/", url).replace("postgres://", "postgresql://")
    result = sidecar.exec_run(["psql", local + "?sslmode=require", "-tAc", query], user="postgres")
    assert result.exit_code == 0, result.output.decode()
    return result.output.decode().strip()


def test_build_output_has_the_buildpacks_shape(microblog):
    out = microblog.build_output
    assert "-----> Using Python 3.13 specified in .python-version" in out
    assert "-----> Installing dependencies using 'pip install -r requirements.txt'" in out
    assert "       Procfile declares types -> web, worker" in out
    # Heroku's first deploy: one web dyno, the worker at 0 until scaled
    assert "       Formation: web=1:Basic worker=0:Basic" in out
    assert "       Not running: worker (Heroku starts only web on a first deploy; herosim ps:scale worker=1)" in out
    assert microblog.first_dynos == ["web.1"]
    assert "       Released v" in out


def test_answers_through_the_router_backed_by_postgres(microblog):
    response = microblog.get("/")
    assert response.status_code == 200
    assert response.json() == {"app": "microblog", "dyno": "web.1", "database": "postgresql"}
    lines = microblog.wait_for_log('heroku[router]: at=info method=GET path="/"')
    assert any(re.search(r'heroku\[router\]: at=info method=GET path="/" .* dyno=web\.1 connect=\d+ms '
                         r'service=\d+ms status=200 bytes=\d+ protocol=http1.1 tls=false', l) for l in lines)


def test_database_url_has_herokus_postgres_scheme(microblog):
    value = microblog.get("/env/DATABASE_URL").json()["value"]
    assert value.startswith("postgres://")
    assert re.match(r"^postgres://u\w+:p\w+@postgresql-[a-z]+-\d{5}:5432/d\w+$", value)


def test_posts_land_in_postgres_with_ssl_and_a_non_superuser(client, microblog):
    created = requests.post(microblog.url + "/posts", json={"body": "written over http"}, timeout=30)
    assert created.status_code == 201
    assert "written over http" in sql(client, microblog, "select body from post")
    assert sql(client, microblog, "select ssl from pg_stat_ssl where pid = pg_backend_pid()") == "t"
    assert sql(client, microblog, "select rolsuper from pg_roles where rolname = current_user") == "f"


def test_gitignored_and_untracked_files_stay_out_of_the_slug(client, microblog):
    assert "notes-untracked.txt" in microblog.build_output  # warned about
    listing = microblog.dyno_container(client).exec_run(["ls", "-a", "/app", "/app/migrations"]).output.decode()
    assert "env.py" in listing and "Procfile" in listing
    for absent in (".env", "notes-untracked.txt", "local_tweak.py"):
        assert absent not in listing
    assert "SECRET_KEY" in microblog.build_output  # .env keys that are not config vars are named
    assert microblog.get("/env/SECRET_KEY").json()["value"] is None


def test_dyno_environment_is_herokus(client, microblog):
    env = dict(line.split("=", 1) for line in microblog.dyno_container(client).exec_run(
        ["bash", "-c", "for f in /app/.profile.d/*.sh; do . $f; done >/dev/null; env"]).output.decode().splitlines()
        if "=" in line)
    assert env["HOME"] == "/app" and env["DYNO"] == "web.1"
    assert env["PATH"].startswith("/app/.heroku/python/bin")
    assert env["PYTHONUNBUFFERED"] == "true"
    assert 10000 <= int(env["PORT"]) < 60000
    assert env["WEB_CONCURRENCY"] == "2"
    # the CA bundle used at build time never reaches the slug
    assert "herosim-ca" not in microblog.dyno_container(client).exec_run(["ls", "/tmp"]).output.decode()


def test_config_set_and_unset_reach_the_dyno(microblog):
    result = microblog.cli("config:set", "LOG_TO_STDOUT=1", "GREETING=hi there")
    assert result.returncode == 0, result.stderr
    assert re.match(rf"Setting LOG_TO_STDOUT, GREETING and restarting ⬢ {microblog.name}\.\.\. done, v\d+$",
                    result.stderr.strip().splitlines()[-1])
    assert "GREETING:      hi there" in result.stdout
    assert microblog.get("/env/GREETING").json()["value"] == "hi there"
    assert microblog.cli("config:get", "GREETING").stdout.strip() == "hi there"
    unset = microblog.cli("config:unset", "GREETING")
    assert "Unsetting GREETING and restarting" in unset.stderr
    assert microblog.get("/env/GREETING").json()["value"] is None
    bad = microblog.cli("config:set", "DATABASE_URL=sqlite://")
    assert bad.returncode == 1 and "Cannot overwrite attachment values DATABASE_URL." in bad.stderr


def test_recycle_wipes_runtime_files_but_keeps_the_database(client, microblog):
    assert requests.put(microblog.url + "/files/avatar.png", data=b"png", timeout=30).status_code == 201
    assert microblog.get("/files/avatar.png").content == b"png"
    requests.post(microblog.url + "/posts", json={"body": "survives recycle"}, timeout=30)
    old_port = microblog.get("/env/PORT").json()["value"]
    started = time.time()
    result = microblog.cli("recycle")
    assert result.returncode == 0, result.stderr
    assert "Recycling all dynos" in result.stderr
    assert microblog.get("/files/avatar.png").status_code == 404
    assert "survives recycle" in [p["body"] for p in microblog.get("/posts").json()]
    assert microblog.get("/env/PORT").json()["value"] != old_port
    lines = [l.split(": ", 1)[1] for l in microblog.log_lines("-d", "web.1", "-s", "heroku")]
    start = max(i for i, l in enumerate(lines) if l == "Restarting")
    assert lines[start:start + 3] == ["Restarting", "State changed from up to starting",
                                      "Stopping all processes with SIGTERM"], lines[-12:]
    # The old processes exit while the new ones start (they may overlap, as on Heroku).
    after = lines[start + 3:]
    assert sorted(after[:3]) == sorted(["Process exited with status 0",
                                        "Starting process with command `flask db upgrade; gunicorn app:app`",
                                        "State changed from starting to up"]), lines[-12:]
    assert after.index("State changed from starting to up") > after.index(
        "Starting process with command `flask db upgrade; gunicorn app:app`")
    # SIGTERM reached gunicorn behind `flask db upgrade;`, not only bash
    assert any("Handling signal: term" in l for l in microblog.log_lines("-d", "web.1", "-s", "app"))
    assert time.time() - started < 90   # a recycle is one dyno boot: not minutes, even on a busy machine


def test_wait_and_json_for_scripts(microblog):
    waited = microblog.cli("wait", "--timeout", "30")
    https = microblog.url.replace("http://", "https://")
    assert waited.returncode == 0 and waited.stdout == f"{microblog.url}/ | {https}/\n"
    assert waited.stderr == f"{microblog.name} answered: HTTP 200 OK\n"
    dynos = json.loads(microblog.cli("ps", "--json", check=True).stdout)
    assert {d["name"]: d["state"] for d in dynos} == {"web.1": "up", "worker.1": "up"}
    config = json.loads(microblog.cli("config", "--json", check=True).stdout)
    assert config["DATABASE_URL"].startswith("postgres://")


def test_ps_and_logs_filters(microblog):
    ps = microblog.cli("ps", check=True).stdout
    assert "=== web (Basic): flask db upgrade; gunicorn app:app (1)" in ps
    assert re.search(r"^web\.1: up \d{4}/\d\d/\d\d", ps, re.M)
    assert re.search(r"^worker\.1: up ", ps, re.M)
    worker = microblog.log_lines("-p", "worker")
    assert worker and all("[worker." in line for line in worker)
    assert len(microblog.cli("logs", "-n", "3", check=True).stdout.splitlines()) == 3


def test_worker_runs_beside_web_with_its_own_filesystem(client, microblog):
    worker = microblog.dyno_container(client, "worker.1")
    web = microblog.dyno_container(client, "web.1")
    web.exec_run(["touch", "/app/only-on-web"])
    assert worker.exec_run(["ls", "/app/only-on-web"]).exit_code != 0
    assert "PORT" not in worker.exec_run(["env"]).output.decode()


def test_up_of_what_already_runs_makes_no_new_release(microblog):
    """As a `git push` of nothing new: no release (so no release phase, no restart)."""
    before = json.loads(microblog.cli("releases", "--json").stdout)
    web = microblog.get("/").json()
    up = herosim("up", "-d", microblog.path, "-a", microblog.name, "--port", microblog.port)
    assert up.returncode == 0, up.stderr[-3000:]
    assert f"       Everything up-to-date: v{before[0]['version']} stays the current release" in up.stdout
    assert "Released v" not in up.stdout
    assert json.loads(microblog.cli("releases", "--json").stdout) == before
    assert microblog.get("/").json() == web


def test_down_then_up_after_a_code_change_keeps_data_and_reuses_dependencies(client, microblog):
    requests.post(microblog.url + "/posts", json={"body": "before down"}, timeout=30)
    down = microblog.cli("down")
    assert down.returncode == 0, down.stderr
    running = client.containers.list(filters={"label": f"io.herosim.app={microblog.name}"})
    assert running == []
    (microblog.path / "app.py").write_text((microblog.path / "app.py").read_text() + "\n# a code change\n")
    from tests.integration.conftest import commit_all
    commit_all(microblog.path)
    up = herosim("up", "-d", microblog.path, "-a", microblog.name, "--port", microblog.port)
    assert up.returncode == 0, up.stderr[-3000:]
    assert "Restoring cache" in up.stdout and "Successfully installed" not in up.stdout
    assert "before down" in [p["body"] for p in microblog.get("/posts").json()]
