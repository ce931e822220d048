"""The control channel without Docker: a typed client against the server and a stand-in service."""

import inspect
import json
import os
import socket
import stat
import time

import pytest

from herosim import paths
from herosim.errors import HerosimError, ManagerNotRunning
from herosim.platform.state import AppState
from herosim.platform.timeouts import Timeouts
from herosim.runtime import protocol
from herosim.runtime.client import ManagerClient
from herosim.runtime.manager import Manager
from herosim.runtime.protocol import ManagerInfo
from herosim.runtime.server import MAX_REQUEST, Server
from herosim.runtime.settings import ManagerSettings

SERVED = {name: protocol.OPERATIONS[name] for name in ("ping", "restart", "status")}


class Service:
    def ping(self):
        return ManagerInfo("demo", ManagerSettings(5006, Timeouts(boot=5)), 3)

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
    server = Server(state.dir, Service(), SERVED)
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
    assert client.ping() == ManagerInfo("demo", ManagerSettings(5006, Timeouts(boot=5)), 3)
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
    assert raw(server, json.dumps({"token": token, "op": "run_job", "args": {"job_id": 1}}).encode()
               + b"\n")["error"] == "unknown request 'run_job'"   # declared, but not served here
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
    server = Server(state.dir, Service(), SERVED)
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
        assert ManagerClient(state, json.loads((state.dir / paths.MANAGER_ADDRESS).read_text())).ping().app == "demo"
    finally:
        server.stop()


def test_arguments_are_checked_against_the_protocol_on_both_sides(served):
    state, server = served
    token = json.loads((state.dir / paths.MANAGER_ADDRESS).read_text())["token"]

    def ask(args):
        return raw(server, json.dumps({"token": token, "op": "restart", "args": args}).encode() + b"\n")
    assert ask({"dyno": "web.1", "force": True})["error"] == "unknown argument 'force' in 'restart'"
    assert ask({"dyno": 7})["error"] == "argument 'dyno' has the wrong type in 'restart'"
    assert ask({"dyno": "web.2"}) == {"ok": True, "result": ["web.2"]}
    with pytest.raises(TypeError, match="argument 'dyno' has the wrong type"):
        ManagerClient.require(state).restart(dyno=3)   # never sent


def test_a_service_that_does_not_implement_the_protocol_is_refused(tmp_path):
    class Partial:
        def ping(self):
            return None

        def restart(self, dyno=None):   # process_type missing
            return []

    with pytest.raises(TypeError, match=r"restart: takes \['dyno'\], the protocol declares \['dyno', 'process_type'\]"):
        Server(tmp_path, Partial(), SERVED)
    with pytest.raises(TypeError, match="status: missing"):
        Server(tmp_path, Partial(), SERVED)


def test_the_manager_and_the_client_implement_every_operation():
    assert protocol.unfit(Manager) == []
    for op in protocol.OPERATIONS.values():
        params = set(inspect.signature(getattr(ManagerClient, op.name)).parameters) - {"self", "timeout"}
        assert params == set(op.args), op.name


def test_replies_are_typed_and_serialised_at_the_wire_only():
    from herosim.runtime.dyno import DynoView
    view = DynoView("web.1", "web", "gunicorn app:app", "up", "2026-11-28T04:57:00+00:00", 2, "Basic", 40001, 49153, 0)
    wire = json.loads(json.dumps(protocol.STATUS.encode([view])))
    assert wire == [{"name": "web.1", "type": "web", "command": "gunicorn app:app", "state": "up",
                     "since": "2026-11-28T04:57:00+00:00", "release": 2, "size": "Basic", "port": 40001,
                     "host_port": 49153, "crashes": 0}]
    assert protocol.STATUS.decode(wire) == [view]
    runs = json.loads(json.dumps(protocol.NEXT_RUNS.encode({1: 12.5, 2: None})))
    assert runs == {"1": 12.5, "2": None} and protocol.NEXT_RUNS.decode(runs) == {1: 12.5, 2: None}
    info = ManagerInfo("demo", ManagerSettings(5006, Timeouts(), "standard-2x", 300.0), None)
    assert protocol.PING.decode(json.loads(json.dumps(protocol.PING.encode(info)))) == info
