"""The dashboard's HTTP server: the page and its assets, a JSON API per tab, the log tail as
an EventSource stream, and the two actions that have a CLI verb (restart, ps:scale), each
behind the app's lock as the CLI takes it.

It listens on 127.0.0.1 only. Requests must name this server in `Host` (a DNS-rebinding page
cannot reach it), actions and the config-var reveal are POSTs that need a custom header and
this origin (a page of another site cannot send them: no CORS is ever granted), and no
secret is ever in a URL or an asset."""

from __future__ import annotations

import json
import re
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from herosim.app import App
from herosim.dashboard import data
from herosim.errors import HerosimError
from herosim.metrics import view
from herosim.platform import names
from herosim.platform.state import AppState
from herosim.progress import Recorder

ASSETS = {"app.js": "text/javascript", "charts.js": "text/javascript", "app.css": "text/css",
          "index.html": "text/html"}
MAX_STREAMS = 8
MAX_BODY = 4096
ACTION_HEADER = "X-Herosim-Dashboard"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
API = re.compile(r"^/api/apps/(?P<app>[a-z][a-z0-9-]{0,29})/(?P<what>[a-z/]+)$")


def asset(name: str) -> bytes:
    return resources.files("herosim.dashboard").joinpath("assets", name).read_bytes()


class Dashboard:
    """What the handlers share: the Docker client, the port (for the Host check), the streams."""

    def __init__(self, client_factory, port: int):
        self._client_factory = client_factory
        self._client = None
        self.port = port
        self.streams = threading.BoundedSemaphore(MAX_STREAMS)
        self.stopping = threading.Event()

    @property
    def client(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def app(self, name: str) -> App:
        state = AppState(names.check(name))
        if not state.exists:
            raise HerosimError("Couldn't find that app.")
        return App(self.client, Recorder(), state.app, state)

    def hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}


class Handler(BaseHTTPRequestHandler):
    server_version = "herosim-dashboard"
    dashboard: Dashboard

    def log_message(self, *args) -> None:  # quiet: the terminal shows the URL, not every request
        pass

    # -- routing ---------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        if url.path == "/" or re.fullmatch(r"/apps/[a-z][a-z0-9-]{0,29}/?", url.path):
            return self._send(200, asset("index.html"), ASSETS["index.html"])
        if url.path.startswith("/assets/") and url.path[8:] in ASSETS:
            return self._send(200, asset(url.path[8:]), ASSETS[url.path[8:]])
        if url.path == "/api/apps":
            return self._json(200, {"apps": data.app_names()})
        match = API.match(url.path)
        if not match:
            return self._json(404, {"error": "not found"})
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self._api_get(match["app"], match["what"], query)

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        if (self.headers.get(ACTION_HEADER) != "1"
                or self.headers.get("Origin") not in {f"http://{h}" for h in self.dashboard.hosts()}):
            return self._json(403, {"error": "actions come from the dashboard's own page"})
        match = API.match(urlsplit(self.path).path)
        if not match:
            return self._json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._json(413, {"error": "too large"})
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._json(400, {"error": "not JSON"})
        self._guarded(lambda: self._api_post(match["app"], match["what"], body if isinstance(body, dict) else {}))

    def _api_get(self, name: str, what: str, query: dict) -> None:
        if what == "logs/stream":
            return self._guarded(lambda: self._stream(self.dashboard.app(name)))

        def answer():
            app = self.dashboard.app(name)
            if what == "overview":
                return data.overview(app)
            if what == "activity":
                return data.activity(app.state)
            if what == "settings":
                return data.settings(app)
            if what == "metrics":
                window = query.get("window", "2h")
                if window not in view.WINDOWS:
                    raise HerosimError(f"No window {window}", hint=", ".join(view.WINDOWS))
                return data.metrics(app.state, window, query.get("type", "web"))
            if what == "logs":
                return {"lines": data.logs(app, min(int(query.get("n", "100") or 100), 1500))}
            return None

        def reply():
            result = answer()
            self._json(200, result) if result is not None else self._json(404, {"error": "not found"})
        self._guarded(reply)

    def _api_post(self, name: str, what: str, body: dict) -> None:
        app = self.dashboard.app(name)
        if what == "config/reveal":
            return self._json(200, {"config_vars": data.config_values(app)})
        if what == "restart":
            dyno = body.get("dyno") or None
            with app.ctx.changing():
                restarted = app.dynos.restart(dyno if isinstance(dyno, str) else None, None)
            return self._json(200, {"restarted": restarted})
        if what == "scale":
            changes = body.get("changes")
            if not isinstance(changes, list) or not all(isinstance(c, str) for c in changes) or len(changes) > 16:
                return self._json(400, {"error": "changes: a list like [\"web=2\"]"})
            scaled = app.dynos.scale(changes)   # holds the app's lock, as ps:scale does
            return self._json(200, {"formation": scaled.counts})
        return self._json(404, {"error": "not found"})

    # -- the log tail -----------------------------------------------------------------------------
    def _stream(self, app: App) -> None:
        if not self.dashboard.streams.acquire(blocking=False):
            return self._json(503, {"error": "too many log streams open"})
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            for key, value in HEADERS.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(b": tail\n\n")
            self.wfile.flush()
            for line in app.logs.follow(stop=self._gone, poll=0.25):
                self.wfile.write(b"data: " + json.dumps(line.render()).encode() + b"\n\n")
                self.wfile.flush()
        except OSError:
            pass
        finally:
            self.dashboard.streams.release()

    def _gone(self) -> bool:
        """The page went away (its socket reads EOF), or the server stops."""
        if self.dashboard.stopping.is_set():
            return True
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

    # -- answers ----------------------------------------------------------------------------------
    def _host_ok(self) -> bool:
        if self.headers.get("Host") in self.dashboard.hosts():
            return True
        self._json(421, {"error": "wrong Host"})
        return False

    def _guarded(self, work) -> None:
        try:
            work()
        except HerosimError as exc:
            self._json(404 if exc.message.startswith("Couldn't find") else 400,
                       {"error": exc.message, "hint": exc.hint})
        except (ValueError, OSError) as exc:
            self._json(400, {"error": str(exc)})
        except Exception as exc:  # noqa: BLE001 - the engine went away, say so and keep serving
            self._json(500, {"error": f"{type(exc).__name__}: {exc}"})

    def _json(self, status: int, value) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type + ("; charset=utf-8" if content_type.startswith("text/") else ""))
        self.send_header("Content-Length", str(len(body)))
        for key, value in HEADERS.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def make_server(dashboard: Dashboard, port: int) -> ThreadingHTTPServer:
    """Bound to 127.0.0.1 only (`port` 0: any free one)."""
    handler = type("BoundHandler", (Handler,), {"dashboard": dashboard})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    dashboard.port = server.server_address[1]
    return server
