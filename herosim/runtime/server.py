"""The dyno manager's control channel: JSON lines over loopback TCP, with a token.

The address and token live in the app's state dir (`manager.json`, mode 0600);
a stale file is harmless: a failed connect means no manager is running.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import socketserver
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from herosim.errors import HerosimError

FILE = "manager.json"


class NotRunning(Exception):
    pass


def read_address(state_dir: Path) -> dict | None:
    try:
        return json.loads((state_dir / FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def call(state_dir: Path, op: str, timeout: float = 30.0, **args) -> dict:
    """Send one request; the manager's reply, or HerosimError with its message."""
    address = read_address(state_dir)
    if not address:
        raise NotRunning()
    try:
        with socket.create_connection(("127.0.0.1", address["port"]), timeout=5) as sock:
            sock.settimeout(timeout)
            sock.sendall((json.dumps({"token": address["token"], "op": op, **args}) + "\n").encode())
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except (ConnectionRefusedError, FileNotFoundError):
        raise NotRunning() from None
    except socket.timeout as exc:
        raise HerosimError(f"The dyno manager did not answer `{op}` within {timeout:.0f} s",
                           hint="see its log with `herosim logs`; `herosim down` stops it") from exc
    except OSError as exc:
        raise NotRunning() from exc
    if not data:
        raise NotRunning()
    reply = json.loads(data)
    if not reply.get("ok"):
        raise HerosimError(reply.get("error", "the dyno manager failed"), hint=reply.get("hint", ""),
                           details=reply.get("details", ""))
    return reply


def is_running(state_dir: Path) -> bool:
    try:
        call(state_dir, "ping", timeout=5)
        return True
    except (NotRunning, HerosimError):
        return False


class Server:
    """Serves requests on a thread per connection; `handle(op, args) -> dict`."""

    def __init__(self, state_dir: Path, handle: Callable[[str, dict], dict]):
        self.state_dir = state_dir
        self.token = secrets.token_hex(16)
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline()
                try:
                    request = json.loads(line)
                except json.JSONDecodeError:
                    return
                if request.pop("token", None) != outer.token:
                    self._reply({"ok": False, "error": "bad token"})
                    return
                try:
                    reply = {"ok": True, **handle(request.pop("op", ""), request)}
                except HerosimError as exc:
                    reply = {"ok": False, "error": exc.message, "hint": exc.hint, "details": exc.details}
                except Exception as exc:  # reported to the caller, the manager keeps running
                    reply = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}",
                             "hint": "this is a herosim bug; the manager log has the traceback"}
                    traceback.print_exc()
                self._reply(reply)

            def _reply(self, reply):
                try:
                    self.wfile.write((json.dumps(reply) + "\n").encode())
                except OSError:
                    pass

        class TCPServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = TCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, name="control", daemon=True).start()
        path = self.state_dir / FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"port": self.port, "token": self.token, "pid": os.getpid()}, handle)
        os.replace(tmp, path)

    def stop(self) -> None:
        path = self.state_dir / FILE
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        self.server.shutdown()
