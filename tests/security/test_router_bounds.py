"""What a hostile or clumsy client can make the router hold: every buffer the network can fill
is bounded, slow heads and idle tunnels time out, a flood of idle connections cannot lock real
clients out, HTTP/1.0 clients get framing they understand (no Docker: raw dynos on loopback)."""

import socket
import threading
import time

import pytest

from herosim.platform.timeouts import Timeouts
from herosim.runtime.router.exchange import Backends
from herosim.runtime.router.router import Router

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RawDyno:
    """A dyno whose every connection runs `handler(conn)` on a thread."""

    def __init__(self, handler):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            self.handler(conn)
        except OSError:
            pass
        finally:
            conn.close()


def read_head(conn) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def answering(conn):
    while read_head(conn):
        conn.sendall(OK)


def make_router(dyno_port=None, *, starting=False, idle=55.0, max_connections=None):
    lines = []
    up = (("web.1", "127.0.0.1", dyno_port),) if dyno_port else ()
    router = Router(free_port(), lambda: Backends(1, up, starting), lines.append,
                    Timeouts(router=5.0, idle=idle), max_connections=max_connections)
    router.start()
    return router, lines


@pytest.fixture
def world():
    made = []

    def make(handler=answering, **kwargs):
        dyno = RawDyno(handler) if handler else None
        router, lines = make_router(dyno.port if dyno else None, **kwargs)
        made.append(router)
        return router, dyno, lines
    yield make
    for router in made:
        router.stop()


def get_ok(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
        return sock.recv(65536).startswith(b"HTTP/1.1 200")


def push(sock: socket.socket, data: bytes, seconds: float) -> int:
    """How many bytes the peer took within `seconds` before it stopped reading or hung up."""
    sock.settimeout(0.5)
    sent, deadline = 0, time.monotonic() + seconds
    view = memoryview(data)
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += sock.send(view[sent:sent + 1024 * 1024])
        except socket.timeout:
            continue
        except OSError:
            break
    return sent


def test_a_huge_header_is_refused_while_it_arrives(world):
    router, _, lines = world()
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: ")
        taken = push(sock, b"a" * (64 * 1024 * 1024), 5)
        assert taken < 16 * 1024 * 1024, taken          # cut off long before 64 MB
        sock.settimeout(2)
        try:
            answer = sock.recv(65536)
        except OSError:   # reset: the router closed with our bytes unread
            answer = b"HTTP/1.1 400"
    assert answer.startswith(b"HTTP/1.1 400")
    assert any("code=H25" in line for line in lines)
    assert get_ok(router.port)


def test_a_body_sent_while_the_dyno_boots_waits_in_the_client(world):
    router, _, lines = world(handler=None, starting=True)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 268435456\r\n\r\n")
        taken = push(sock, b"x" * (256 * 1024 * 1024), 4)
    assert taken < 32 * 1024 * 1024, taken   # the kernel's buffers and PENDING_LIMIT, not 256 MB


def test_a_tunnel_to_a_client_that_does_not_read_stops_reading_its_dyno(world):
    flooded = {"sent": 0}
    pushed = threading.Event()

    def websocket(conn):
        read_head(conn)
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        flooded["sent"] = push(conn, b"f" * (256 * 1024 * 1024), 4)
        pushed.set()

    router, _, _ = world(handler=websocket)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        # never reading: the dyno's 4 s push ends however busy the machine is
        assert pushed.wait(60), "the dyno never got the upgrade through the router"
    assert 0 < flooded["sent"] < 32 * 1024 * 1024, flooded


def test_a_head_sent_a_byte_at_a_time_is_cut_off(world):
    router, _, lines = world(idle=1.0)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        started = time.monotonic()
        closed = False
        for byte in b"GET / HTTP/1.1\r\nX-Slow: " + b"s" * 100:
            try:
                sock.send(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - started > 6:
                break
        if not closed:
            sock.settimeout(1)
            try:
                closed = sock.recv(1) == b""
            except OSError:
                closed = True
    assert closed and time.monotonic() - started < 5
    assert any('code=H28 desc="Client Connection Idle"' in line and "status=499" in line for line in lines), lines


def test_a_flood_of_idle_connections_leaves_room_for_real_clients(world):
    router, _, _ = world(max_connections=20)
    idle = []
    for _ in range(60):   # each sends one request and then sits on its keep-alive connection
        sock = socket.create_connection(("127.0.0.1", router.port), timeout=5)
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
        sock.recv(65536)
        idle.append(sock)
    silent = [socket.create_connection(("127.0.0.1", router.port), timeout=5) for _ in range(30)]
    try:
        assert all(get_ok(router.port) for _ in range(5))
        assert len(router.clients) <= 20
    finally:
        for sock in idle + silent:
            sock.close()


def chunked_dyno(conn):
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    read_head(conn)


def read_all(sock) -> bytes:
    sock.settimeout(3)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_an_http_1_0_client_gets_no_chunks_and_a_close(world):
    router, _, _ = world(handler=chunked_dyno)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n")
        answer = read_all(sock)   # ends: the router closed the connection
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Connection: close" in head
    assert body == b"hello world"


def test_http_1_0_keeps_its_connection_only_when_it_asks(world):
    router, _, _ = world()
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: a\r\n\r\n")
        assert b"Connection: close" in read_all(sock)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        for _ in range(2):
            sock.sendall(b"GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n")
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200") and b"Connection: keep-alive" in answer


def test_an_idle_tunnel_is_closed(world):
    def websocket(conn):
        read_head(conn)
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        conn.settimeout(10)
        while conn.recv(65536):
            pass

    router, _, _ = world(handler=websocket, idle=1.0)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 101")
        started = time.monotonic()
        sock.settimeout(5)
        assert sock.recv(1) == b""
        assert time.monotonic() - started < 3.5


def test_a_bodiless_post_is_not_retried_on_a_dead_pooled_connection(world):
    served = []

    def once_then_hang_up(conn):
        head = read_head(conn)
        served.append(head.split(b" ")[0])
        conn.sendall(OK)
        head = read_head(conn)   # a second request on this connection: read, then dropped unanswered
        if head:
            served.append(head.split(b" ")[0] + b"-dropped")

    router, _, lines = world(handler=once_then_hang_up)
    assert get_ok(router.port)                  # the dyno's connection goes to the pool
    time.sleep(0.2)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:
        sock.sendall(b"POST /charge HTTP/1.1\r\nHost: a\r\n\r\n")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 503") and any("code=H13" in line for line in lines)
    assert served == [b"GET", b"POST-dropped"]   # sent once, never again
    assert get_ok(router.port)
    time.sleep(0.2)
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as sock:   # a GET is retried
        sock.sendall(b"GET /again HTTP/1.1\r\nHost: a\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
