"""The router against plain HTTP servers on loopback (no Docker)."""

import http.client
import http.server
import json
import socket
import threading
import time

import pytest

from herosim.router import Backends, Router, router_line
from herosim.timeouts import Timeouts


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        data = self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def backend():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def routed(backend):
    state = {"backends": Backends(1, (("web.1", backend),), False)}
    lines = []
    router = Router(free_port(), lambda: state["backends"], lines.append,
                    Timeouts.resolve(router=1.0, environ={}))
    router.start()
    yield router, state, lines
    router.stop()


def last_line(lines, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not lines and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    return lines[-1]


def get(port, path, headers=None, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def test_forwards_with_herokus_headers_and_logs(routed):
    router, _, lines = routed
    response, body = get(router.port, "/hello?x=1", {"X-Request-Id": "abcdefghij0123456789-keep"})
    assert response.status == 200
    headers = json.loads(body)["headers"]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == str(router.port)
    assert headers["X-Request-Id"] == "abcdefghij0123456789-keep"
    assert abs(int(headers["X-Request-Start"]) - time.time() * 1000) < 5000
    line = last_line(lines)
    assert line.startswith('at=info method=GET path="/hello?x=1" host=127.0.0.1:')
    assert "request_id=abcdefghij0123456789-keep" in line
    assert "dyno=web.1" in line and "status=200" in line and line.endswith("protocol=http")


def test_keep_alive_and_bodies(routed):
    router, _, _ = routed
    conn = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
    for i in range(3):
        conn.request("POST", "/echo", body=b"x" * (100_000 + i))
        response = conn.getresponse()
        assert response.read() == b"x" * (100_000 + i)


@pytest.mark.parametrize("backends, code", [
    (Backends(0, (), False), "H14"),
    (Backends(1, (), False), "H10"),
])
def test_no_dyno_to_route_to(routed, backends, code):
    router, state, lines = routed
    state["backends"] = backends
    response, _ = get(router.port, "/")
    assert response.status == 503
    assert response.getheader("X-Herosim-Error") == code
    line = last_line(lines)
    assert f"at=error code={code}" in line
    assert "dyno= connect= service= status=503 bytes=" in line


def test_h12_when_the_dyno_is_too_slow(routed):
    router, _, lines = routed
    response, _ = get(router.port, "/slow")
    assert response.status == 503
    assert 'code=H12 desc="Request timeout"' in last_line(lines)


def test_h13_when_the_dyno_closes_without_answering(routed):
    router, _, lines = routed
    response, _ = get(router.port, "/close")
    assert response.status == 503
    assert 'code=H13 desc="Connection closed without response"' in last_line(lines)


def test_router_line_has_herokus_field_order():
    line = router_line(method="GET", path="/", host="h", request_id="r", fwd="1.2.3.4", dyno="web.1",
                       connect=1, service=18, status=200, bytes_=13)
    assert line == ('at=info method=GET path="/" host=h request_id=r fwd="1.2.3.4" dyno=web.1 '
                    'connect=1ms service=18ms status=200 bytes=13 protocol=http')
