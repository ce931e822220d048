"""herosim's pytest plugin: run the app under test on a local Heroku for the session.

    # pytest.ini
    [pytest]
    herosim_app_path = .
    herosim_options = --boot-timeout 30

    def test_home(herosim_app):
        status, _, body = herosim_app.request("GET", "/")
        assert status == 200

`herosim_app` brings the app at `herosim_app_path` up once per session under a name of its
own (the directory's name and the session's id, e.g. `microblog-t3f9a1c`), labelled with the
session, and destroys it at the end. It never touches an app it did not create: the app you
run day to day under the directory's name keeps its dynos, config and database.
`herosim_factory(path, name=None, options=())` does the same for any app. Each gives `url`,
`https_url` and `ca_bundle` (the router answers HTTPS on the same port), `request()`, `get_json()`, `recycle()`, `run()`, `logs()`, `fs_diff()`, `config_set()` and
`db()` (a psycopg2 connection to its Postgres add-on, over SSL, as the app's credential).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from herosim.platform import names
from herosim.platform.state import AppState

SESSION_ENV = "HEROSIM_TEST_SESSION"


def pytest_addoption(parser):
    parser.addini("herosim_app_path", "the app `herosim_app` brings up (a directory in git)", default="")
    parser.addini("herosim_app_name", "a name for it (default: the directory's name and the session's id); "
                  "it must not be an existing app", default="")
    parser.addini("herosim_options", "extra arguments for `herosim up -d`", type="args", default=[])
    group = parser.getgroup("herosim")
    group.addoption("--herosim-keep", action="store_true", help="leave herosim apps running after the session")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_name(path: Path, session: str) -> str:
    """`<directory>-t<session>`, within Heroku's 30 characters."""
    suffix = f"-t{session}"
    return names.from_dir(path)[:30 - len(suffix)].rstrip("-") + suffix


class HerosimApp:
    def __init__(self, path: Path, name: str, session: str, options: tuple[str, ...] = ()):
        self.path = Path(path).resolve()
        self.name = name
        self.session = session
        self.options = tuple(options)
        self.info: dict = {}
        self.created = False
        self.port: int | None = None

    # -- the herosim command ---------------------------------------------------------------
    def cli(self, *args, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "herosim", args[0], "-a", self.name, *args[1:]]
        result = subprocess.run(command, capture_output=True, text=True, input=input, cwd=self.path,
                                env={**os.environ, SESSION_ENV: self.session})
        if check and result.returncode != 0:
            raise AssertionError(f"herosim {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def up(self) -> "HerosimApp":
        if AppState(self.name).exists:
            raise pytest.UsageError(f"herosim app {self.name} already exists; the plugin only works on apps it "
                                    "creates, and never removes one it did not: choose another herosim_app_name")
        self.created = True
        if "--port" not in self.options and "-p" not in self.options:
            self.port = _free_port()
            self.options += ("--port", str(self.port))
        result = self.cli("up", "-d", "--json", str(self.path), *self.options)
        self.info = json.loads(result.stdout)
        return self

    @property
    def url(self) -> str:
        """The app over plain HTTP, e.g. http://127.0.0.1:5123 (no trailing slash)."""
        return self.info["url"].rstrip("/")

    @property
    def https_url(self) -> str:
        """The same router port over HTTPS, TLS ending at the router as on Heroku; verify it
        against `ca_bundle`."""
        return self.info["https_url"].rstrip("/")

    @property
    def ca_bundle(self) -> str:
        """herosim's local CA (PEM), which signs every router's certificate."""
        return self.info["ca_bundle"]

    # -- what tests do -------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get_json(self, path: str):
        status, _, body = self.request("GET", path)
        assert status == 200, f"GET {path} answered {status}: {body[:500]!r}"
        return json.loads(body)

    def recycle(self, target: str | None = None) -> subprocess.CompletedProcess:
        return self.cli("recycle", *([target] if target else []))

    def run(self, *command: str, input: str | None = None) -> subprocess.CompletedProcess:
        return self.cli("run", *command, input=input, check=False)

    def logs(self, num: int = 100, *filters: str) -> list[str]:
        return self.cli("logs", "-n", str(num), *filters).stdout.splitlines()

    def fs_diff(self, target: str | None = None) -> dict:
        return json.loads(self.cli("fs:diff", "--json", *([target] if target else [])).stdout)

    def config_set(self, **values: str) -> None:
        self.cli("config:set", *(f"{k}={v}" for k, v in values.items()))

    def db(self):
        """A psycopg2 connection to the app's Postgres add-on (DATABASE_URL), from this machine,
        over SSL, as the app's own credential."""
        import psycopg2
        for addon in self.info.get("addons", []):
            if "DATABASE_URL" in addon.get("config_vars", {}) and addon.get("local_url"):
                return psycopg2.connect(addon["local_url"], sslmode="require")
        raise AssertionError(f"{self.name} has no Postgres add-on reachable from this machine")

    def destroy(self) -> None:
        if self.created:
            self.cli("destroy", "--confirm", self.name, check=False)


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
def herosim_app(herosim_factory, pytestconfig):
    """The app at the `herosim_app_path` ini option, up for the whole session under its own name."""
    path = pytestconfig.getini("herosim_app_path")
    if not path:
        pytest.skip("set herosim_app_path in the pytest ini file to use the herosim_app fixture")
    root = Path(pytestconfig.rootpath) / path
    return herosim_factory(root, pytestconfig.getini("herosim_app_name") or None,
                           pytestconfig.getini("herosim_options"))
