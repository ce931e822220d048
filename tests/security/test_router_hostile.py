"""Hostile requests against the router, judged by the dyno's own view: a strict HTTP parser
(h11) behind the router records every request it receives. Each input is answered (400 for
framing the router refuses, H25/H26 in the log), the dyno receives exactly the requests the
router accepted, no log line is forged, and the router keeps serving."""

import re
import socket
import threading
import time

import h11
import pytest

from herosim.platform.timeouts import Timeouts
from herosim.runtime.router.exchange import Backends
from herosim.runtime.router.router import Router

GOOD = b"GET /ok HTTP/1.1\r\nHost: app\r\n\r\n"


class Dyno:
    """A web dyno that parses strictly and answers every request with 200 and what it saw."""

    def __init__(self):
        self.requests: list[tuple[bytes, bytes, bytes]] = []   # (method, target, body)
        self.errors: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        parser = h11.Connection(h11.SERVER)
        current, body = None, b""
        try:
            while True:
                event = parser.next_event()
                if event is h11.NEED_DATA:
                    data = conn.recv(65536)
                    parser.receive_data(data)
                    if not data:
                        return
                    continue
                if isinstance(event, h11.Request):
                    current, body = event, b""
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    self.requests.append((current.method, current.target, body))
                    reply = b"seen %d" % len(body)
                    conn.sendall(parser.send(h11.Response(status_code=200, headers=[("Content-Length", str(len(reply)))]))
                                 + parser.send(h11.Data(data=reply)) + parser.send(h11.EndOfMessage()))
                    parser.start_next_cycle()
                elif isinstance(event, h11.ConnectionClosed):
                    return
        except h11.RemoteProtocolError as exc:
            self.errors.append(str(exc))
        finally:
            conn.close()


@pytest.fixture(scope="module")
def world():
    dyno = Dyno()
    lines = []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    router = Router(port, lambda: Backends(1, (("web.1", "127.0.0.1", dyno.port),), False), lines.append,
                    Timeouts.resolve(router=3, environ={}))
    router.start()
    yield router, dyno, lines
    router.stop()


def exchange(port: int, data: bytes, wait: float = 1.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.settimeout(wait)
        answer = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            pass
    return answer


def statuses(answer: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3})", answer)]


# (name, bytes sent, statuses the client gets, requests the dyno receives, code in the router's line)
CORPUS = [
    ("negative chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-6\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("0x chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("underscore chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1_0\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("plus chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("space before chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("bare LF in a header value", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\nGET /smuggled HTTP/1.1\r\n\r\n", [400], 0, "H26"),
    ("two different Content-Lengths", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 30\r\n\r\n"
     b"helloGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [400], 0, "H26"),
    ("Content-Length with Transfer-Encoding", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [400], 0, "H26"),
    ("chunked not last", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("unknown transfer coding", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("folded Transfer-Encoding", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
     [400], 0, "H26"),
    ("non-ASCII digits in Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ٥\r\n\r\nhello".encode(),
     [400], 0, "H26"),
    ("signed Content-Length", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", [400], 0, "H26"),
    ("negative Content-Length", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", [400], 0, "H26"),
    ("space inside Content-Length", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\nhello", [400], 0, "H26"),
    ("NUL in a header value", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n", [400], 0, "H26"),
    ("space in a header name", b"GET / HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n", [400], 0, "H26"),
    ("newline in the path forges a log line", b"GET /x\nheroku[web.1]: Error R14 HTTP/1.1\r\nHost: a\r\n\r\n",
     [400], 0, "H26"),
    ("HTTP/0.9", b"GET /\r\n\r\n", [400], 0, "H26"),
    ("header line over 8 KB", b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", [400], 0, "H25"),
    ("request line over 8 KB", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", [400], 0, "H25"),
    ("over 1,000 headers", b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(1001)) + b"\r\n",
     [400], 0, "H25"),
    ("pipelined requests", GOOD + b"GET /second HTTP/1.1\r\nHost: app\r\n\r\n", [200, 200], 2, None),
    ("chunk extensions", b"POST /ext HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n",
     [200], 1, None),
    ("garbage after a good request", GOOD + b"XYZ not http\r\n\r\n", [200, 400], 1, "H26"),
    ("quote and spaces in Host", b'GET / HTTP/1.1\r\nHost: evil" dyno=web.9 x="\r\n\r\n', [200], 1, None),
]


@pytest.mark.parametrize("name, data, expected, received, code", CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_request(world, name, data, expected, received, code):
    router, dyno, lines = world
    before_requests, before_lines = len(dyno.requests), len(lines)
    answer = exchange(router.port, data)
    assert statuses(answer) == expected, answer[:300]
    time.sleep(0.1)
    assert len(dyno.requests) - before_requests == received, dyno.requests[before_requests:]
    new = lines[before_lines:]
    assert all("\n" not in line and "\r" not in line for line in new), new
    if code:
        assert any(f"code={code} " in line for line in new), new
    assert statuses(exchange(router.port, GOOD)) == [200]  # and it keeps serving
    assert dyno.errors == []  # the dyno never saw a request it could not parse


def test_a_forged_host_stays_inside_its_field(world):
    router, dyno, lines = world
    before = len(lines)
    exchange(router.port, b'GET /p HTTP/1.1\r\nHost: evil" dyno=web.9 x="\r\n\r\n')
    time.sleep(0.1)
    line = next(l for l in lines[before:] if 'path="/p"' in l)
    assert 'host=evil\\"\\x20dyno=web.9\\x20x=\\"' in line and line.count(" dyno=") == 1


def test_the_body_the_dyno_gets_is_the_one_sent(world):
    router, dyno, _ = world
    before = len(dyno.requests)
    answer = exchange(router.port, b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   b"3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Trailer: t\r\n\r\n")
    assert statuses(answer) == [200] and answer.endswith(b"seen 7")
    assert dyno.requests[before:] == [(b"POST", b"/up", b"abcdefg")]
