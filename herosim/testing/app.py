"""One app a test session runs on herosim, driven through the herosim command (so its objects
carry the session's label) and, for SQL on its add-ons, herosim's own objects."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from herosim.const import ENV_TEST_SESSION
from herosim.platform import names
from herosim.platform.state import AppState
from herosim.testing.clients import AppSession, httpx_client

SESSION_ENV = ENV_TEST_SESSION


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
        self.database: str | None = None        # its working database (None: its add-on's own)
        self.owner: HerosimApp | None = None    # the app whose Postgres holds it (a fork's source)
        self.has_template = False

    # -- the herosim command ---------------------------------------------------------------
    def cli(self, *args, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "herosim", args[0], "-a", self.name, *args[1:]]
        result = subprocess.run(command, capture_output=True, text=True, input=input, cwd=self.path, check=False,
                                env={**os.environ, SESSION_ENV: self.session})
        if check and result.returncode != 0:
            raise AssertionError(f"herosim {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def up(self) -> HerosimApp:
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

    def fork(self, name: str, database: str | None) -> HerosimApp:
        """An app on this one's slug and add-ons (no build), its DATABASE_URL on `database`."""
        forked = HerosimApp(self.path, name, self.session, self.options)
        if AppState(name).exists:
            raise pytest.UsageError(f"herosim app {name} already exists; the plugin only works on apps it creates")
        forked.created, forked.port, forked.owner, forked.database = True, _free_port(), self, database
        timeouts = [o for o in self.options if o != "--port"]
        result = forked.cli("fork", self.name, "--json", "--port", str(forked.port),
                            *(["--database", database] if database else []), *_timeout_options(timeouts))
        forked.info = json.loads(result.stdout)
        forked.has_template = self.has_template
        return forked

    # -- databases ------------------------------------------------------------------------------
    def _databases(self):
        from herosim.testing.databases import AppDatabases
        return AppDatabases(_api((self.owner or self).name))

    @property
    def has_postgres(self) -> bool:
        source = self.owner or self
        return any("DATABASE_URL" in a.get("config_vars", {}) for a in source.info.get("addons", []))

    def make_template(self) -> None:
        """Copy the migrated database as the template of every later copy; dynos whose
        connections had to end restart (a pool would keep the dead ones)."""
        if self.has_postgres:
            if self._databases().make_template():
                self.cli("restart")
            self.has_template = True

    def fresh_database(self) -> float:
        """The working database made afresh from the template, the dynos restarted on it (same
        DATABASE_URL); the seconds the copy took."""
        if not self.has_template:
            raise AssertionError(f"{self.name} has no Postgres database to copy")
        databases = self._databases()
        took = databases.clone(self.database or databases.primary)
        self.cli("restart")
        return took

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
    def client(self, https: bool = False) -> AppSession:
        """A requests.Session bound to the app: `session.get("/")`; https verifies against
        herosim's CA, whatever REQUESTS_CA_BUNDLE says; redirects as requests does them
        (`allow_redirects=False` to see one)."""
        return AppSession(self.https_url if https else self.url, self.ca_bundle)

    def httpx_client(self, https: bool = False, **kwargs):
        """An httpx.Client bound to the app (redirects not followed unless asked), verifying
        against herosim's CA."""
        return httpx_client(self.https_url if https else self.url, self.ca_bundle, **kwargs)

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
        """A psycopg2 connection to the app's database (what its DATABASE_URL names: under
        xdist, this worker's), from this machine, over SSL, as the app's own credential."""
        import psycopg2
        for addon in (self.owner or self).info.get("addons", []):
            if "DATABASE_URL" in addon.get("config_vars", {}) and addon.get("local_url"):
                url = addon["local_url"]
                return psycopg2.connect(url.rsplit("/", 1)[0] + "/" + self.database if self.database else url,
                                        sslmode="require")
        raise AssertionError(f"{self.name} has no Postgres add-on reachable from this machine")

    def destroy(self) -> None:
        if self.created:
            self.cli("destroy", "--confirm", self.name, check=False)
            if self.owner is not None and self.database:
                self.owner._databases().drop(self.database)


def _api(name: str):
    """herosim's own objects on an app, in this process (SQL on its add-ons)."""
    from herosim.app import App
    from herosim.engine import client
    from herosim.progress import Recorder
    return App(client.connect(), Recorder(), name, AppState(name))


def _timeout_options(options) -> list[str]:
    """The timeouts and size of `herosim_options`, for a fork (its other options are up's)."""
    keep = ("--boot-timeout", "--stop-timeout", "--router-timeout", "--time-scale", "--size")
    out, items = [], list(options)
    for index, item in enumerate(items):
        if item in keep and index + 1 < len(items):
            out += [item, items[index + 1]]
        elif item.split("=", 1)[0] in keep and "=" in item:
            out.append(item)
    return out
