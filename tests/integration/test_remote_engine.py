"""herosim on an engine it does not share a network with (issue 24), against this machine's
engine as well: the core scenarios, one app per engine.

The second engine (tests/engines.py) runs in a network namespace of its own, reachable only at
its API (tcp:// with TLS): its containers' addresses and its loopback are not this machine's,
as with Docker Desktop's VM or a bigger machine in DOCKER_HOST. It is started once per session
and removed at the end; it needs root and network namespaces, and is skipped only without them.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import docker
import pytest
from docker.utils import kwargs_from_env

from tests import engines
from tests.support import PREFIX, RunningApp, app_name, free_port, git_app

LABEL_APP = "io.herosim.app"
LABEL_ROLE = "io.herosim.role"
# a forwarder's thread that breaks (a desynchronised stream) fails the test that used it
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


def _say(request, line: str) -> None:
    """A line on the terminal, whatever pytest captures (the session's cost of the engine)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)


@dataclass
class Engine:
    name: str
    env: dict[str, str]      # the process environment herosim runs with on this engine
    client: docker.DockerClient


def _without_docker_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}


def _images_for(client) -> list[str]:
    """The stack images pg_counter's build and add-on take (forky's Python 3.13, trixie's
    Postgres 17), from the main engine; the build's base with pip is cheap beside them."""
    wanted = ["herosim/stack-build:forky", "herosim/stack-run:forky", "herosim/postgres:trixie"]
    bases = sorted((tag for image in client.images.list(name="herosim-base/herosim-forky") for tag in image.tags
                    if tag.split(":", 1)[1].startswith("python3.13-pip-")), reverse=True)
    return wanted + bases[:1]


@pytest.fixture(scope="session")
def second_engine(client, herosim_home, request):
    reason = engines.missing()
    if reason:
        pytest.skip(reason)
    engine = engines.SecondEngine(PREFIX[-6:])
    engine.start(_images_for(client))
    _say(request, f"\nsecond engine: started in {engine.timings['engine']:.1f} s, "
                  f"stack images loaded in {engine.timings['images']:.1f} s")
    yield engine
    began = time.monotonic()
    engine.stop()
    _say(request, f"\nsecond engine: removed in {time.monotonic() - began:.1f} s")


@pytest.fixture(scope="module", params=["local", "remote"])
def engine(request, client, herosim_home):
    if request.param == "local":
        yield Engine("local", _without_docker_env(), client)
        return
    second = request.getfixturevalue("second_engine")
    env = {**_without_docker_env(), **second.environment()}
    remote = docker.DockerClient(**kwargs_from_env(environment=env), version="1.41")
    remote.api.trust_env = False
    yield Engine("remote", env, remote)
    remote.close()


@pytest.fixture(scope="module")
def app(engine, herosim_home, tmp_path_factory):
    path = git_app("pg_counter", tmp_path_factory.mktemp(f"remote-{engine.name}"))
    running = RunningApp(app_name(f"rm-{engine.name}"), path, free_port())
    result = run(engine, "up", "-d", "--json", path, "-a", running.name, "--port", running.port, "--boot-timeout", 90)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    running.info = json.loads(result.stdout)
    yield running
    run(engine, "destroy", "-a", running.name, "--confirm", running.name)


def run(engine: Engine, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "herosim", *map(str, args)], capture_output=True, text=True,
                          timeout=900, env=engine.env, **kwargs)


def get(url: str, method: str = "GET", context: ssl.SSLContext | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=60, context=context) as response:
        return response.status, json.loads(response.read())


def dynos(engine: Engine, app: RunningApp) -> list:
    return engine.client.containers.list(filters={"label": [f"{LABEL_APP}={app.name}", f"{LABEL_ROLE}=dyno"]})


def test_up_prints_urls_of_this_machine_that_answer_over_http_and_https(engine, app):
    assert (app.info["url"], app.info["https_url"]) == (f"http://127.0.0.1:{app.port}/", f"https://127.0.0.1:{app.port}/")
    status, body = get(app.url + "/")
    assert (status, body["hits"]) == (200, 1) and body["database"]
    context = ssl.create_default_context(cafile=app.info["ca_bundle"])
    assert get(f"https://127.0.0.1:{app.port}/", context=context)[0] == 200
    relays = engine.client.containers.list(filters={"label": [f"{LABEL_APP}={app.name}", f"{LABEL_ROLE}=relay"]})
    # the path taken is the engine's, not DOCKER_HOST's: a tunnel through the API only where it must
    assert len(relays) == (1 if engine.name == "remote" else 0)
    if relays:
        assert relays[0].attrs["Config"]["Env"] is None or not any(
            e.startswith("DATABASE_URL") for e in relays[0].attrs["Config"]["Env"])
    log = run(engine, "logs", "-a", app.name, "-n", "200").stdout
    routed = [line for line in log.splitlines() if "heroku[router]: at=info" in line]
    assert any("tls=true" in line for line in routed) and any("tls=false" in line for line in routed)


def test_nothing_is_published_beyond_the_engine_s_loopback(engine, app):
    for container in engine.client.containers.list(filters={"label": f"{LABEL_APP}={app.name}"}):
        for bindings in (container.attrs["NetworkSettings"]["Ports"] or {}).values():
            assert all(b["HostIp"] == "127.0.0.1" for b in bindings or ())


def test_postgres_data_is_kept_across_a_recycle(engine, app):
    assert get(app.url + "/hits?who=before-recycle", method="POST")[0] == 201
    before = [c.id for c in dynos(engine, app)]
    result = run(engine, "recycle", "-a", app.name)
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            status, body = get(app.url + "/")
            if status == 200 and [c.id for c in dynos(engine, app)] != before:
                break
        except OSError:
            pass
        time.sleep(0.5)
    assert [c.id for c in dynos(engine, app)] != before        # a fresh dyno
    assert body["hits"] == 2                                    # the add-on's data is not the dyno's


def test_pg_psql_runs_as_the_app_s_credential(engine, app):
    result = run(engine, "pg:psql", "-a", app.name, "-c", "select who from hits order by id")
    assert result.returncode == 0, result.stderr
    assert [line.strip() for line in result.stdout.splitlines()[2:4]] == ["migration", "before-recycle"]


def test_the_pytest_plugin_reaches_the_app_and_its_database(engine, app, monkeypatch):
    from herosim.testing.app import HerosimApp
    for key in [k for k in os.environ if k.startswith("DOCKER_")]:
        monkeypatch.delenv(key)
    for key, value in engine.env.items():
        if key.startswith("DOCKER_"):
            monkeypatch.setenv(key, value)
    plugin_app = HerosimApp(app.path, app.name, "remote-test")
    plugin_app.info = app.info
    assert plugin_app.client().get("/").json()["hits"] == 2
    assert plugin_app.client(https=True).get("/").status_code == 200
    database_url = next(a["config_vars"]["DATABASE_URL"] for a in app.info["addons"]
                        if "DATABASE_URL" in a["config_vars"])
    conn = plugin_app.db()
    with conn, conn.cursor() as cur:
        cur.execute("select count(*), current_user from hits")
        assert cur.fetchone() == (2, urlsplit(database_url).username)
    conn.close()
    plugin_app.destroy()      # it did not create the app: only its forwarders close
    assert run(engine, "apps:info", "-a", app.name).returncode == 0


def test_destroy_leaves_nothing_on_the_engine(engine, app):
    result = run(engine, "destroy", "-a", app.name, "--confirm", app.name)
    assert result.returncode == 0, result.stderr
    label = {"label": f"{LABEL_APP}={app.name}"}
    left = [*engine.client.containers.list(all=True, filters=label), *engine.client.volumes.list(filters=label),
            *engine.client.networks.list(filters=label), *engine.client.images.list(filters=label)]
    assert not left, left
