"""The control channel without Docker: a typed client against the server and a stand-in service."""

import json
import os
import socket
import stat
import time

import pytest

from herosim import paths
from herosim.errors import HerosimError, ManagerNotRunning
from herosim.platform.state import AppState
from herosim.runtime.client import ManagerClient
from herosim.runtime.server import MAX_REQUEST, Server


class Service:
    OPERATIONS = ("ping", "restart", "status")

    def ping(self):
        return {"app": "demo", "router_port": 5006}

    def restart(self, dyno=None, process_type=None):
        if dyno == "web.9":
            raise HerosimError("No such dyno: web.9", hint="see `herosim ps`")
        return [dyno or "web.1"]

    def status(self):
        raise RuntimeError("boom")

    def secret(self):  # not an operation: never callable from outside
        return "leaked"


@pytest.fixture
def served(tmp_path):
    state = AppState("demo", root=tmp_path)
    paths.private_dir(state.dir)
    server = Server(state.dir, Service())
    server.start()
    yield state, server
    server.stop()


def raw(server, line: bytes) -> dict:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(line)
        return json.loads(sock.makefile().readline() or "null")


def test_typed_calls_and_errors(served):
    state, server = served
    client = ManagerClient.require(state)
    assert client.ping()["router_port"] == 5006
    assert client.restart("web.2") == ["web.2"]
    with pytest.raises(HerosimError, match="No such dyno: web.9"):
        client.restart("web.9")
    with pytest.raises(HerosimError, match="RuntimeError: boom"):
        client.status()


def test_the_address_file_is_private(served):
    state, _ = served
    mode = stat.S_IMODE(os.stat(state.dir / paths.MANAGER_ADDRESS).st_mode)
    assert mode == 0o600


def test_only_listed_operations_with_the_token_are_answered(served):
    state, server = served
    token = json.loads((state.dir / paths.MANAGER_ADDRESS).read_text())["token"]
    assert raw(server, json.dumps({"token": token, "op": "secret"}).encode() + b"\n")["error"] == "unknown request 'secret'"
    assert raw(server, json.dumps({"token": "x" * 32, "op": "ping"}).encode() + b"\n")["error"] == "bad token"
    assert raw(server, b"not json\n")["error"] == "malformed request"
    assert raw(server, b"x" * (MAX_REQUEST + 10) + b"\n") is None  # dropped unread, no reply


def test_no_manager_is_none_or_a_clear_error(tmp_path):
    state = AppState("gone", root=tmp_path)
    assert ManagerClient.find(state) is None
    paths.private_dir(state.dir)
    (state.dir / paths.MANAGER_ADDRESS).write_text(json.dumps({"port": 1, "token": "t", "pid": 1}))
    assert ManagerClient.find(state) is None
    with pytest.raises(ManagerNotRunning, match="No dynos are running for gone"):
        ManagerClient.require(state)


def test_idle_connections_without_a_token_cannot_pile_up_threads(tmp_path, monkeypatch):
    import threading
    from herosim.runtime import server as server_module
    monkeypatch.setattr(server_module, "MAX_CONNECTIONS", 4, raising=False)
    state = AppState("demo", root=tmp_path)
    paths.private_dir(state.dir)
    server = Server(state.dir, Service())
    server.start()
    try:
        before = threading.active_count()
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(14)]
        try:
            time.sleep(0.5)
            assert threading.active_count() <= before + 4
        finally:
            for sock in idle:
                sock.close()
        time.sleep(0.5)   # the slots come back as the idle connections end
        assert ManagerClient(state, json.loads((state.dir / paths.MANAGER_ADDRESS).read_text())).ping()["app"] == "demo"
    finally:
        server.stop()
