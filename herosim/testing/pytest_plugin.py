"""herosim's pytest plugin: run the app under test on a local Heroku for the session.

    # pytest.ini
    [pytest]
    herosim_app_path = .
    herosim_options = --boot-timeout 30

    def test_home(herosim_app):
        assert herosim_app.client().get("/").status_code == 200   # a requests.Session on the app

`herosim_app` brings the app at `herosim_app_path` up once per session under a name of its
own (the directory's name and the session's id, e.g. `microblog-t3f9a1c`), labelled with the
session, and destroys it at the end. It never touches an app it did not create: the app you
run day to day under the directory's name keeps its dynos, config and database.
`herosim_factory(path, name=None, options=())` does the same for any app. Each gives `url`,
`https_url` and `ca_bundle` (the router answers HTTPS on the same port), `client()` (a
requests.Session bound to the app, verifying against herosim's CA), `httpx_client()`,
`request()` (a bare (status, headers, body)), `get_json()`, `recycle()`, `run()`, `logs()`,
`fs_diff()`, `config_set()` and `db()` (a psycopg2 connection to its database, over SSL, as
the app's credential).

Databases: once the release phase has migrated the app's database, the plugin copies it as a
template. Under pytest-xdist every worker gets its own app (a fork of the session's one build:
same slug, add-ons, config vars) whose DATABASE_URL names its own copy; `herosim_fresh_db`
gives one test a fresh copy (the app's dynos restart on it). Copies are owned by the app's
credential, so they share the plan's connection limit, and are dropped at the end.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from herosim.testing import xdist
from herosim.testing.app import SESSION_ENV, HerosimApp, _api, session_name  # noqa: F401 - SESSION_ENV: public name


def pytest_addoption(parser):
    parser.addini("herosim_app_path", "the app `herosim_app` brings up (a directory in git)", default="")
    parser.addini("herosim_app_name", "a name for it (default: the directory's name and the session's id); "
                  "it must not be an existing app", default="")
    parser.addini("herosim_options", "extra arguments for `herosim up -d`", type="args", default=[])
    group = parser.getgroup("herosim")
    group.addoption("--herosim-keep", action="store_true", help="leave herosim apps running after the session")


_SHOWN = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Where each app of the session was served: both URLs (the router answers HTTPS too)."""
    shown = [app for app in config.stash.get(_SHOWN, []) if app.info]
    if shown:
        terminalreporter.section("herosim")
        for app in shown:
            terminalreporter.write_line(f"{app.name}: {app.url}/ | {app.https_url}/ (CA: {app.ca_bundle})")


@pytest.fixture(scope="session")
def herosim_session() -> str:
    """This test session's id: in its apps' names and on everything they create."""
    return uuid.uuid4().hex[:6]


@pytest.fixture(scope="session")
def herosim_factory(request, herosim_session):
    """Bring up apps for the session: herosim_factory(path, name=None, options=())."""
    apps: list[HerosimApp] = []

    def make(path, name: str | None = None, options=()) -> HerosimApp:
        app = HerosimApp(path, name or session_name(Path(path), herosim_session), herosim_session, tuple(options))
        apps.append(app)
        request.config.stash.setdefault(_SHOWN, []).append(app)
        return app.up()

    yield make
    if not request.config.getoption("--herosim-keep"):
        for app in apps:
            app.destroy()


@pytest.fixture(scope="session")
def herosim_app(herosim_factory, pytestconfig, request):
    """The app at the `herosim_app_path` ini option, up for the whole session under its own
    name; under pytest-xdist, this worker's fork of the run's one build, on a database of its own."""
    path = pytestconfig.getini("herosim_app_path")
    if not path:
        pytest.skip("set herosim_app_path in the pytest ini file to use the herosim_app fixture")
    root = Path(pytestconfig.rootpath) / path
    name, options = pytestconfig.getini("herosim_app_name") or None, pytestconfig.getini("herosim_options")
    distributed = xdist.worker(pytestconfig)
    if distributed is None:
        app = herosim_factory(root, name, options)
        app.make_template()
        return app
    run, worker = distributed
    main = _shared_build(root, name, options, run)
    database = None
    if main.has_postgres:
        database = main._databases().name_for(worker)
        main._databases().clone(database)
    app = main.fork(session_name(root, f"{run[:6]}-{worker}"), database)
    request.config.stash.setdefault(_SHOWN, []).append(app)
    if not request.config.getoption("--herosim-keep"):
        request.addfinalizer(app.destroy)
    return app


def _shared_build(root: Path, name: str | None, options, run: str) -> HerosimApp:
    """The run's app, brought up by the first worker; its dynos stopped (each worker runs a
    fork), its migrated database copied as the template."""
    shared = xdist.SharedRun(run)
    with shared.lock():
        found = shared.read()
        main = HerosimApp(root, (found or {}).get("name") or name or session_name(root, run[:6]), run[:6], options)
        if found is not None:
            if not found.get("info"):
                raise RuntimeError(f"the run's app {main.name} did not come up in another worker: "
                                   f"{found.get('error') or 'that worker stopped while building it'}")
            main.info, main.has_template = found["info"], found["template"]
            return main
        shared.write({"name": main.name, "info": {}, "template": False})   # the controller removes it, whatever happens
        try:
            main.up()
        except BaseException as exc:
            shared.write({"name": main.name, "info": {}, "template": False, "error": str(exc)[-3000:]})
            raise
        _api(main.name).dynos.down(30)
        if main.has_postgres:
            main._databases().make_template()
            main.has_template = True
        shared.write({"name": main.name, "info": main.info, "template": main.has_template})
        return main


@pytest.fixture
def herosim_fresh_db(herosim_app):
    """This test's own copy of the migrated database, as the app's DATABASE_URL (its dynos
    restart on it): the app under test as it is right after its release phase."""
    herosim_app.fresh_database()
    return herosim_app


@pytest.fixture
def herosim_client(herosim_app):
    """A requests.Session bound to the app under test (closed after the test)."""
    with herosim_app.client() as session:
        yield session


def pytest_configure(config):
    xdist.controller_run(config)   # fixes the run id before the workers start


def pytest_sessionfinish(session, exitstatus):
    """An xdist controller removes the run's shared app once every worker is done."""
    run = xdist.controller_run(session.config)
    if run is None or session.config.getoption("--herosim-keep"):
        return
    shared = xdist.SharedRun(run)
    found = shared.read() if shared.path.exists() else None
    if found is not None:
        HerosimApp(Path.cwd(), found["name"], run[:6]).cli("destroy", "--confirm", found["name"], check=False)
    shared.remove()
