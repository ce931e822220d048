"""Workers and the Key-Value Store, as the tutorial's background-jobs chapter meets Heroku:
the worker waits for ps:scale, then crash-loops on the Key-Value Store's certificate; Heroku's
documented fix (ssl_cert_reqs=None) makes the job run, and its result survives a recycle.
Then the store's plan limits, enforced by the server: memory (noeviction) and connections."""

import json
import socket
import ssl
import time
from urllib.parse import urlsplit

import pytest
import requests

from herosim.addons import resp
from tests.support import RunningApp, app_name, commit_all, free_port, git_app, herosim

CERT_ERROR = "certificate verify failed: self-signed certificate in certificate chain"
WORKER = '''import os

from redis import Redis
from rq import Queue, Worker

redis = Redis.from_url(os.environ["REDIS_URL"], ssl_cert_reqs=None)
Worker([Queue("microblog-tasks", connection=redis)], connection=redis).work()
'''


@pytest.fixture(scope="module")
def rq_app(herosim_home, tmp_path_factory):
    path = git_app("rq_tasks", tmp_path_factory.mktemp("rq"))
    app = RunningApp(app_name("rq"), path, free_port())
    result = herosim("up", "-d", path, "-a", app.name, "--port", app.port)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    app.up_output = result.stdout + result.stderr
    yield app
    herosim("destroy", "-a", app.name, "--confirm", app.name)


def enqueue(app, numbers):
    return requests.post(app.url + "/tasks", json={"numbers": numbers}, timeout=30)


def test_the_tutorials_worker_as_heroku_runs_it_then_fixed(client, rq_app):
    app = rq_app
    # add-ons from the requirements; the first deploy starts web only
    assert "Creating heroku-redis:mini on ⬢ " in app.up_output
    assert "Creating heroku-postgresql:essential-0 on ⬢ " in app.up_output
    assert "       Formation: web=1:Basic worker=0:Basic" in app.up_output
    assert [d["name"] for d in json.loads(app.cli("ps", "--json", check=True).stdout)] == ["web.1"]
    url = app.cli("config:get", "REDIS_URL", check=True).stdout.strip()
    assert urlsplit(url).scheme == "rediss" and urlsplit(url).username == "" and urlsplit(url).password

    # redis-py verifies certificates by default: the web dyno's enqueue fails...
    assert enqueue(app, [1, 2]).status_code == 500
    assert any(CERT_ERROR in line for line in app.wait_for_log(CERT_ERROR, 30, "-d", "web.1"))
    # ...and, once scaled, the worker crash-loops on the same error
    app.cli("ps:scale", "worker=1", check=True)
    lines = app.wait_for_log("State changed from up to crashed", 60, "-d", "worker.1")
    assert any(CERT_ERROR in line for line in lines), lines[-10:]

    # Heroku's documented fix: ssl_cert_reqs=None for redis-py, a worker built on it
    (app.path / "app.py").write_text((app.path / "app.py").read_text().replace(
        'Redis.from_url(os.environ["REDIS_URL"])', 'Redis.from_url(os.environ["REDIS_URL"], ssl_cert_reqs=None)'))
    (app.path / "worker.py").write_text(WORKER)
    (app.path / "Procfile").write_text("web: gunicorn app:app\nworker: python worker.py\n")
    commit_all(app.path, "Heroku's fix for the Key-Value Store's certificate")
    fixed = herosim("up", "-d", app.path, "-a", app.name, "--port", app.port)
    assert fixed.returncode == 0, fixed.stdout[-3000:] + fixed.stderr[-3000:]
    assert "       Formation: web=1:Basic worker=1:Basic" in fixed.stdout   # later deploys keep the formation
    job = enqueue(app, [1, 2, 3, 4])
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]
    lines = app.wait_for_log(f"Job OK ({job_id})", 60, "-d", "worker.1")
    assert any(line.endswith("total of 4 numbers: 10") for line in lines)
    assert app.get(f"/tasks/{job_id}").json() == {"id": job_id, "value": 10}

    # the result is in Postgres: a recycle (fresh dyno filesystems) keeps it
    assert app.cli("recycle").returncode == 0
    assert app.get(f"/tasks/{job_id}").json() == {"id": job_id, "value": 10}


def test_redis_commands(rq_app):
    app = rq_app
    info = app.cli("redis:info", check=True).stdout.splitlines()
    name = info[0].removeprefix("=== ").split(" ")[0]
    assert info[0] == f"=== {name} (REDIS_URL)"
    assert info[1:] == ["Plan:             Mini", "Status:           available", info[3], "Timeout:          300",
                        "Maxmemory:        25 MB", "Maxmemory Policy: noeviction", "Connection Limit: 20"]
    assert info[3].startswith("Version:          8.1.")
    policy = app.cli("redis:maxmemory", "--policy", "allkeys-lru", check=True)
    assert policy.stdout == (f"Maxmemory policy for {name} (REDIS_URL) set to allkeys-lru.\n"
                             "allkeys-lru removes less recently used keys first.\n")
    timeout = app.cli("redis:timeout", "--seconds", "0", check=True)
    assert timeout.stdout == (f"Timeout for {name} (REDIS_URL) set to 0 seconds.\n"
                              "Connections to the Redis instance can idle indefinitely.\n")
    prompt = herosim("redis:cli", "-a", app.name, input="SET greeting hello\nGET greeting\n")
    assert prompt.returncode == 0
    assert prompt.stdout == f"Connecting to {name} (REDIS_URL):\nOK\nhello\n\nDisconnected from instance.\n"
    app.cli("down", check=True)   # settings are the server's own: a restart keeps them, and the data
    herosim("up", "-d", app.path, "-a", app.name, "--port", app.port, check=True)
    kept = app.cli("redis", check=True).stdout
    assert "Maxmemory Policy: allkeys-lru" in kept and "Timeout:          0" in kept
    assert herosim("redis:cli", "-a", app.name, input="GET greeting\n").stdout.splitlines()[1] == "hello"
    app.cli("redis:maxmemory", "--policy", "noeviction", check=True)
    missing = app.cli("redis:info", "redis-nope")
    assert missing.returncode == 1 and "No Redis instances found." in missing.stderr


def local(client, app) -> tuple[int, str]:
    """The store's published port on this machine and its password."""
    url = urlsplit(app.cli("config:get", "REDIS_URL", check=True).stdout.strip())
    container = next(c for c in client.containers.list(
        filters={"label": [f"io.herosim.app={app.name}", "io.herosim.role=addon"]}) if "redis" in c.name)
    published = container.attrs["NetworkSettings"]["Ports"][f"{url.port}/tcp"][0]["HostPort"]
    return int(published), url.password


def test_the_plans_connection_limit(client, rq_app):
    """mini: 20 connections. Valkey checks the limit before the TLS handshake, so the 21st
    connection is closed during it (a client sees an EOF in the handshake, as against any
    Valkey with native TLS); the server counts it in rejected_connections."""
    port, password = local(client, rq_app)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    held, refused = [], None
    try:
        for _ in range(40):
            try:
                sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5))
                sock.sendall(resp.encode("AUTH", password))
                answer = sock.recv(200)
            except (ssl.SSLError, ConnectionError) as exc:
                refused = exc
                break
            held.append(sock)
            if not answer.startswith(b"+OK"):
                refused = answer
                break
        assert refused is not None and held, "the 21st connection was accepted"
        held[0].sendall(resp.encode("INFO", "clients") + resp.encode("INFO", "stats"))
        time.sleep(0.3)
        stats = held[0].recv(65536).decode()
        assert "connected_clients:20\r\n" in stats, stats   # the app's dynos hold some of the 20
        assert "rejected_connections:0\r\n" not in stats
    finally:
        for sock in held:
            sock.close()


def test_the_plans_memory_with_noeviction(client, rq_app):
    port, password = local(client, rq_app)
    block = "x" * 1_000_000
    error = None
    for index in range(60):
        try:
            resp.call("127.0.0.1", port, password, "SET", f"filler:{index}", block)
        except resp.RespError as exc:
            error = str(exc)
            break
    assert error == "OOM command not allowed when used memory > 'maxmemory'.", error
    time.sleep(0.1)
    assert resp.call("127.0.0.1", port, password, "GET", "filler:0") is not None   # nothing was evicted
    resp.call("127.0.0.1", port, password, "FLUSHALL")


def test_rotated_credentials_restart_the_dynos_on_new_urls(client, rq_app):
    app = rq_app
    old_db = app.cli("config:get", "DATABASE_URL", check=True).stdout.strip()
    old_redis = app.cli("redis:credentials", check=True).stdout.strip()
    assert old_redis == app.cli("config:get", "REDIS_URL", check=True).stdout.strip()
    rotated = app.cli("pg:credentials:rotate", "--confirm", app.name, check=True)
    assert rotated.stderr.splitlines()[-1].startswith("Rotating default on ⛁ postgresql-")
    reset = app.cli("redis:credentials", "--reset", check=True)
    assert reset.stdout.startswith("Resetting credentials for redis-")
    new_db = app.cli("config:get", "DATABASE_URL", check=True).stdout.strip()
    new_redis = app.cli("config:get", "REDIS_URL", check=True).stdout.strip()
    assert new_db != old_db and new_redis != old_redis
    assert urlsplit(new_db).username == urlsplit(old_db).username   # the same role, a new password
    releases = app.cli("releases", check=True).stdout.splitlines()
    assert "Update REDIS by redis-" in releases[1] and "Update DATABASE by postgresql-" in releases[2]
    # the old password no longer opens either
    port, _ = local(client, app)
    with pytest.raises(resp.RespError):
        resp.call("127.0.0.1", port, urlsplit(old_redis).password, "PING")
    # the restarted dynos read the new URLs at boot: a job still goes through
    job = enqueue(app, [20, 22])
    assert job.status_code == 202, job.text
    app.wait_for_log(f"Job OK ({job.json()['id']})", 60, "-d", "worker.1")
    assert app.get(f"/tasks/{job.json()['id']}").json()["value"] == 42


# Ctrl-C at the worst moment of a reset: the store has the new password, herosim has not
# recorded it yet (whatever records it is interrupted, in this herosim or an older one).
INTERRUPTED = """
import sys
import herosim.addons.attachment as attachment, herosim.app.keyvalue as keyvalue
def interrupted(*args, **kwargs):
    raise KeyboardInterrupt
for module, name in ((keyvalue, "record_rotation"), (attachment, "confirm_rotation")):
    if hasattr(module, name):
        setattr(module, name, interrupted)
from herosim.cli.base import main
sys.argv = ["herosim", *sys.argv[1:]]
main()
"""


def test_a_reset_interrupted_after_the_store_changed_survives_a_restart_and_is_finished(client, rq_app):
    import subprocess
    import sys
    app = rq_app
    before = app.cli("config:get", "REDIS_URL", check=True).stdout.strip()
    killed = subprocess.run([sys.executable, "-c", INTERRUPTED, "redis:credentials", "--reset", "-a", app.name],
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == 130, killed.stderr[-2000:]
    app.cli("down", check=True)          # the store restarts with the password it was given
    up = herosim("up", "-d", app.path, "-a", app.name, "--port", app.port)
    assert up.returncode == 0, up.stderr[-3000:]
    port, password = local(client, app)
    assert password != urlsplit(before).password
    assert resp.call("127.0.0.1", port, password, "PING") == "PONG"
    app.cli("redis:info", check=True)    # a later command makes the release the reset still owed
    assert "Update REDIS by redis-" in app.cli("releases", check=True).stdout.splitlines()[1]
    job = enqueue(app, [1, 2])           # the dynos run on the new URL
    assert job.status_code == 202, job.text
    app.wait_for_log(f"Job OK ({job.json()['id']})", 60, "-d", "worker.1")
