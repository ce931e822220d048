"""The dyno manager's control channel, server side: JSON lines over loopback TCP.

A request is one line `{"token": …, "op": …, "args": {…}}`; `op` must be one of the
protocol's operations (protocol.py) and `args` its arguments, with which the service's
method of that name is called; the reply is one line `{"ok": true, "result": …}` (the
method's answer as the protocol encodes it) or `{"ok": false, "error": …, "hint": …}`. The address and
token live in the app's folder (`manager.json`, mode 0600). Lines are bounded, reads time
out, the token is compared in constant time, and at most MAX_CONNECTIONS are served at once
(one thread each): a connection past that is closed at once, so idle connections that never
send a token cannot pile up threads.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import socketserver
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from herosim import paths
from herosim.errors import HerosimError
from herosim.platform import jsonfile
from herosim.runtime import protocol

MAX_REQUEST = 64 * 1024
READ_TIMEOUT = 10.0
MAX_CONNECTIONS = 32
VERSIONS_DIFFER = "herosim and its dyno manager differ in version: `herosim down`, then `herosim up`"


class Server:
    """Serves `service` (an object with a method per operation, see protocol.unfit) on a thread
    per connection."""

    def __init__(self, state_dir: Path, service,
                 operations: Mapping[str, protocol.Operation[Any]] = protocol.OPERATIONS):
        problems = protocol.unfit(service, operations)
        if problems:
            raise TypeError(f"{type(service).__name__} does not implement the protocol: " + "; ".join(problems))
        self.state_dir = state_dir
        self.token = secrets.token_hex(16)
        self.operations = operations
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = READ_TIMEOUT

            def handle(self):
                try:
                    line = self.rfile.readline(MAX_REQUEST + 1)
                except OSError:
                    return
                if len(line) > MAX_REQUEST or not line.endswith(b"\n"):
                    return
                self._reply(outer.answer(line, service))

            def _reply(self, reply):
                try:
                    self.wfile.write((json.dumps(reply) + "\n").encode())
                except OSError:
                    pass

        class TCPServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            block_on_close = False
            slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

            def process_request(self, request, client_address):
                if not self.slots.acquire(blocking=False):
                    self.shutdown_request(request)   # full: refused, no thread
                    return
                try:
                    super().process_request(request, client_address)
                except BaseException:
                    self.slots.release()
                    raise

            def process_request_thread(self, request, client_address):
                try:
                    super().process_request_thread(request, client_address)
                finally:
                    self.slots.release()

        self.server = TCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def answer(self, line: bytes, service) -> dict:
        try:
            request = json.loads(line)
            token, op, args = request["token"], request["op"], request.get("args") or {}
        except (ValueError, KeyError, TypeError):
            return {"ok": False, "error": "malformed request"}
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), self.token.encode()):
            return {"ok": False, "error": "bad token"}
        operation = self.operations.get(op) if isinstance(op, str) else None
        if operation is None or not isinstance(args, dict):
            return {"ok": False, "error": f"unknown request {op!r}", "hint": VERSIONS_DIFFER}
        wrong = operation.bad_arguments(args)
        if wrong is not None:
            return {"ok": False, "error": f"{wrong} in {op!r}", "hint": VERSIONS_DIFFER}
        try:
            return {"ok": True, "result": operation.encode(getattr(service, operation.name)(**args))}
        except HerosimError as exc:
            return {"ok": False, "error": exc.message, "hint": exc.hint, "details": exc.details}
        except Exception as exc:  # noqa: BLE001 - reported to the caller; the manager keeps running
            traceback.print_exc()
            return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}",
                    "hint": f"this is a herosim bug; the traceback is in {self.state_dir / paths.MANAGER_LOG}"}

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, name="control", daemon=True).start()
        jsonfile.write(self.state_dir / paths.MANAGER_ADDRESS,
                       {"port": self.port, "token": self.token, "pid": os.getpid()})

    def stop(self) -> None:
        path = self.state_dir / paths.MANAGER_ADDRESS
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        self.server.shutdown()
