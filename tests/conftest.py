import contextlib
import fcntl
import json
import os
import subprocess
import sys

import pytest

from tests.support import RunningApp, app_name, docker_client, free_port, git_app, herosim, stop_managers, sweep

# The search conformance suite runs once per official client, in its own pytest process
# (tests/search_clients/test_search_clients.py), since two majors of one client cannot share a process.
# Fixture apps carry their own tests, which run inside their dynos (`herosim ci`), never here.
collect_ignore_glob = ["fixtures/*"] + ([] if os.environ.get("HEROSIM_SEARCH_SUITE") else ["search/*"])


@pytest.hookimpl(tryfirst=True)   # before pytest-xdist's worker reads the groups into the node ids
def pytest_collection_modifyitems(config, items):
    """Integration tests are marked; under pytest-xdist (`--dist loadgroup`) each test goes to
    the worker of its group, so what a group builds once (a module's app, the shared microblog)
    is built once: the tests sharing the session's microblog form one group, the others one per
    module, or per value of a module-scoped fixture's parameter (one app each)."""
    for item in items:
        if "/integration/" in str(item.fspath) or "/reliability/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
        group = _group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def _group(item) -> str | None:
    """The microblog's, the module's when the test uses a fixture the module builds once (with
    that fixture's parameter), or none: the test may run on any worker."""
    if "microblog" in item.fixturenames:
        return "microblog"
    callspec = getattr(item, "callspec", None)
    shared, params = False, []
    for name in item.fixturenames:
        definitions = item._fixtureinfo.name2fixturedefs.get(name) or ()
        if definitions and definitions[-1].scope in ("module", "package", "class"):
            shared = True
            if callspec and name in callspec.params:
                params.append(f"{name}={callspec.params[name]}")
    # one group per module (whichever of its shared fixtures a test uses: they are built once
    # per module and its tests may depend on their order), split only by a shared fixture's value
    # no "]" in a group's name: pytest-xdist takes a node id ending in "]" for a parametrized
    # test's own id, and the group would hold one test
    return item.nodeid.split("::")[0] + ("::" + ",".join(sorted(params)) if params else "") if shared else None


# -- one engine, several test workers: the test that restarts it runs alone -------------------
ENGINE_LOCKS = ("/tmp/herosim-tests-engine.turnstile", "/tmp/herosim-tests-engine.lock")


@contextlib.contextmanager
def engine_held(exclusive: bool):
    """A readers-writer lock across pytest-xdist's workers, the writer first: every test holds
    it shared for its whole protocol (fixtures included); a test marked `engine_exclusive`
    (a restart of the Docker engine) holds it alone, so nothing else is mid-way when it runs."""
    turnstile = os.open(ENGINE_LOCKS[0], os.O_RDWR | os.O_CREAT, 0o600)
    lock = os.open(ENGINE_LOCKS[1], os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(turnstile, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        if not exclusive:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        yield
    finally:
        os.close(lock)
        os.close(turnstile)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    with engine_held(item.get_closest_marker("engine_exclusive") is not None):
        yield


# -- fixtures of the suites that drive a real engine (integration, reliability) ----------------


@pytest.fixture(scope="session")
def client():
    return docker_client()


@pytest.fixture(scope="session")
def herosim_home(tmp_path_factory, client):
    home = tmp_path_factory.mktemp("herosim-home")
    old = {k: os.environ.get(k) for k in ("HEROSIM_HOME", "HEROSIM_OFFLINE")}
    os.environ["HEROSIM_HOME"] = str(home)
    os.environ["HEROSIM_OFFLINE"] = "1"
    # Offline stack images: built once per machine, reused afterwards.
    result = subprocess.run([sys.executable, "-m", "herosim", "stack", "build"], capture_output=True,
                            text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield home
    stop_managers(home)
    sweep(client)
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def microblog(herosim_home, tmp_path_factory):
    """One running microblog for the tests whose behaviour allows sharing it."""
    tmp = tmp_path_factory.mktemp("microblog")
    path = git_app("microblog", tmp, untracked={"notes-untracked.txt": "scratch"},
                   extra={".gitignore": ".env\n*.db\nlogs/\nuploads/\n__pycache__/\nmigrations/local_*.py\n"})
    # Ignored by git, so absent after `git push heroku`: they must not reach the slug.
    (path / ".env").write_text("SECRET_KEY=from-dotenv\nLOG_TO_STDOUT=1\n")
    (path / "migrations" / "local_tweak.py").write_text("# ignored by git\n")
    app = RunningApp(app_name("microblog"), path, free_port())
    result = herosim("up", "-d", path, "-a", app.name, "--port", app.port)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    app.build_output = result.stdout + result.stderr
    app.first_dynos = [d["name"] for d in json.loads(app.cli("ps", "--json", check=True).stdout)]
    app.cli("ps:scale", "worker=1", check=True)   # as on Heroku, the worker waits for this
    yield app
    herosim("destroy", "-a", app.name, "--confirm", app.name)
