"""Malformed and oversized bodies and hostile credentials against the lite search engine (run as
a local process): each gets Elasticsearch's error shape, never a 500 or a hang, and the engine
keeps serving."""

import base64
import json
import os
import socket
import subprocess
import sys
import time

import pytest


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "HEROSIM_SEARCH_USER": "paas", "HEROSIM_SEARCH_PASSWORD": "s3cret"}
    process = subprocess.Popen([sys.executable, "-m", "searchlite", "--data", str(tmp_path_factory.mktemp("es")),
                                "--port", str(port), "--host", "127.0.0.1"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(10)


AUTH = b"Authorization: Basic " + base64.b64encode(b"paas:s3cret") + b"\r\n"


def raw(port: int, data: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return answer
            answer += chunk


def status_and_type(answer: bytes) -> tuple[int, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, json.loads(body)["error"]["type"] if body.strip() else ""


@pytest.mark.parametrize("request_bytes, status, kind", [
    (b"PUT /i/_doc/1 HTTP/1.1\r\nHost: a\r\n" + AUTH + b"Content-Length: -1\r\n\r\n{}", 400, "parse_exception"),
    (b"PUT /i/_doc/1 HTTP/1.1\r\nHost: a\r\n" + AUTH + "Content-Length: ٢\r\n\r\n{}".encode(), 400, "parse_exception"),
    (b"PUT /i/_doc/1 HTTP/1.1\r\nHost: a\r\n" + AUTH + b"Transfer-Encoding: chunked\r\n\r\nfffffffff\r\n", 400,
     "parse_exception"),
    (b"PUT /i/_doc/1 HTTP/1.1\r\nHost: a\r\n" + AUTH + b"Transfer-Encoding: chunked\r\n\r\n7fffffff\r\nx", 413,
     "content_too_long_exception"),
    (b"PUT /i/_doc/1 HTTP/1.1\r\nHost: a\r\n" + AUTH + b"Content-Length: 999999999999\r\n\r\n", 413,
     "content_too_long_exception"),
    (b"PUT /i/_doc/1 HTTP/1.1\r\nHost: a\r\n" + AUTH + b"Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{not json",
     400, "x_content_parse_exception"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Basic " + base64.b64encode("päas:sécret".encode()) + b"\r\n\r\n",
     401, "security_exception"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Basic %%%not-base64\r\n\r\n", 401, "security_exception"),
    (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 401, "security_exception"),
], ids=["negative length", "non-ASCII digit", "chunk size too long", "huge chunk", "huge length", "malformed JSON",
        "non-ASCII credentials", "bad base64", "no credentials"])
def test_hostile_input_gets_an_elasticsearch_error(engine, request_bytes, status, kind):
    started = time.monotonic()
    got_status, got_kind = status_and_type(raw(engine, request_bytes))
    assert (got_status, got_kind) == (status, kind)
    assert time.monotonic() - started < 3  # answered, not read until the connection closes
    healthy = raw(engine, b"GET /_cluster/health HTTP/1.1\r\nHost: a\r\n" + AUTH + b"Connection: close\r\n\r\n")
    assert healthy.startswith(b"HTTP/1.1 200") or healthy.startswith(b"HTTP/1.0 200")
