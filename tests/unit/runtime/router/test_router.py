"""The router against plain HTTP servers on loopback (no Docker)."""

import http.client
import http.server
import json
import socket
import threading
import time

import pytest

from herosim.platform.timeouts import Timeouts
from herosim.runtime.router.exchange import Backends
from herosim.runtime.router.lines import router_line
from herosim.runtime.router.router import Router


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


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the router hangs up on slow handlers (H12): their broken pipes are expected


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def backend():
    server = Server(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def routed(backend):
    state = {"backends": Backends(1, (("web.1", "127.0.0.1", backend),), False)}
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
    assert "dyno=web.1" in line and "status=200" in line and line.endswith("protocol=http1.1 tls=false")


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
                    'connect=1ms service=18ms status=200 bytes=13 protocol=http1.1 tls=false')


class Streaming(http.server.BaseHTTPRequestHandler):
    """Chunked responses, uploads and a websocket-style upgrade that echoes bytes."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            while True:
                data = self.connection.recv(1024)
                if not data:
                    break
                self.connection.sendall(data.upper())
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(5):
            chunk = f"part {i}\n".encode()
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
            time.sleep(0.05)
        self.wfile.write(b"0\r\n\r\n")

    def do_POST(self):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            total = 0
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                total += len(self.rfile.read(size))
                self.rfile.readline()
        else:
            total = len(self.rfile.read(int(self.headers["Content-Length"])))
        body = str(total).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def streaming():
    server = Server(("127.0.0.1", 0), Streaming)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = []
    router = Router(free_port(), lambda: Backends(1, (("web.1", "127.0.0.1", server.server_address[1]),), False), lines.append,
                    Timeouts.resolve(environ={}))
    router.start()
    yield router, lines
    router.stop()
    server.shutdown()


def test_streams_chunked_responses(streaming):
    router, lines = streaming
    response, body = get(router.port, "/stream")
    assert body == b"".join(f"part {i}\n".encode() for i in range(5))
    assert "bytes=35" in last_line(lines)


def test_large_and_chunked_uploads(streaming):
    router, _ = streaming
    _, body = get(router.port, "/upload", method="POST", body=b"z" * (20 * 1024 * 1024))
    assert body == str(20 * 1024 * 1024).encode()
    conn = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
    conn.request("POST", "/upload", body=iter([b"a" * 1000, b"b" * 2345]), encode_chunked=True)
    assert conn.getresponse().read() == b"3345"


def test_websocket_upgrade_is_tunnelled(streaming):
    router, lines = streaming
    with socket.create_connection(("127.0.0.1", router.port), timeout=10) as sock:
        sock.sendall(b"GET /socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1024)
        assert head.startswith(b"HTTP/1.1 101")
        sock.sendall(b"hello")
        assert sock.recv(1024) == b"HELLO"
    assert "status=101" in last_line(lines)


def test_concurrent_keep_alive_clients(streaming):
    router, lines = streaming
    errors = []

    def client():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", router.port, timeout=20)
            for _ in range(20):
                conn.request("POST", "/upload", body=b"x" * 100)
                assert conn.getresponse().read() == b"100"
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    deadline = time.monotonic() + 10
    while len(lines) < 640 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(lines) == 640, lines[-3:]


def test_h20_when_no_web_dyno_comes_up_in_time():
    lines = []
    router = Router(free_port(), lambda: Backends(1, (), True), lines.append, Timeouts(queue=0.5))
    router.start()
    try:
        started = time.monotonic()
        response, _ = get(router.port, "/")
        assert response.status == 503 and response.getheader("X-Herosim-Error") == "H20"
        assert time.monotonic() - started >= 0.5
        assert 'code=H20 desc="App boot timeout"' in last_line(lines)
    finally:
        router.stop()
