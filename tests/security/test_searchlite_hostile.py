"""Malformed, oversized and costly requests and hostile credentials against the lite search
engine (run as a local process): each gets Elasticsearch's answer (its limit, its error shape)
at once, never a 500, a hang or a filled disk; the engine keeps serving and stops when told."""

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchlite import limits


def start_engine(data: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "HEROSIM_SEARCH_USER": "paas", "HEROSIM_SEARCH_PASSWORD": "s3cret"}
    process = subprocess.Popen([sys.executable, "-m", "searchlite", "--data", str(data),
                                "--port", str(port), "--host", "127.0.0.1"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, port


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("es")


@pytest.fixture(scope="module")
def engine(data):
    process, port = start_engine(data)
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


# -- costly requests: Elasticsearch's limits -----------------------------------------------------

def call(port: int, method: str, path: str, body=None, content_type: str | None = "application/json",
         timeout: float = 60) -> tuple[int, object, float]:
    """(status, parsed body, seconds taken)."""
    data = body if isinstance(body, (bytes, type(None))) else (body if isinstance(body, str) else json.dumps(body)).encode()
    headers = {"Authorization": "Basic " + base64.b64encode(b"paas:s3cret").decode()}
    if content_type and data is not None:
        headers["Content-Type"] = content_type
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else None, time.monotonic() - started
    finally:
        connection.close()


def posts(port: int, name: str) -> str:
    call(port, "DELETE", f"/{name}")
    for i in range(3):
        assert call(port, "PUT", f"/{name}/_doc/{i}?refresh=true", {"title": f"post {i}", "tags": "a"})[0] == 201
    return name


def count(port: int, name: str) -> int:
    return call(port, "GET", f"/{name}/_count")[1]["count"]


def error_of(body: dict) -> tuple[str, str]:
    return body["error"]["type"], body["error"]["reason"]


def test_a_document_of_5000_fields_is_refused_at_once(engine, data):
    # before: minutes of CREATE VIRTUAL TABLE (3 per field), tens of MB on disk, SIGTERM ignored
    status, body, took = call(engine, "PUT", "/wide/_doc/1", {f"f{i}": f"value {i}" for i in range(5000)})
    reason = "Limit of total fields [1000] has been exceeded while adding new fields [1002]"
    assert (status, error_of(body)) == (400, ("document_parsing_exception", f"[1:1] failed to parse: {reason}"))
    assert body["error"]["caused_by"] == {"type": "illegal_argument_exception", "reason": reason}
    assert took < 5
    assert call(engine, "GET", "/wide/_mapping")[1]["wide"]["mappings"] == {"properties": {}}
    assert sum(f.stat().st_size for f in (data / "indices").glob("wide.*")) < 2_000_000
    # as many fields as the limit allows are mapped, quickly
    status, body, took = call(engine, "PUT", "/wide/_doc/2", {f"f{i}": f"value {i}" for i in range(500)})
    assert status == 201 and took < 10  # before: 10 s


def test_an_explicit_mapping_past_the_limits_is_refused(engine):
    status, body, _ = call(engine, "PUT", "/mapped", {"mappings": {"properties": {
        f"f{i}": {"type": "keyword"} for i in range(1001)}}})
    assert (status, error_of(body)) == (400, ("illegal_argument_exception", "Limit of total fields [1000] has been exceeded"))
    status, body, _ = call(engine, "PUT", "/mapped", {"settings": {"index.mapping.total_fields.limit": 2000},
                                                      "mappings": {"properties": {f"f{i}": {"type": "keyword"}
                                                                                  for i in range(1001)}}})
    assert status == 200
    deep = {"type": "keyword"}
    for _ in range(21):
        deep = {"properties": {"o": deep}}
    status, body, _ = call(engine, "PUT", "/mapped/_mapping", {"properties": {"o": deep}})
    assert status == 400 and body["error"]["reason"].startswith("Limit of mapping depth [20] has been exceeded")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          None])
def test_a_body_a_web_page_may_send_anywhere_is_not_read(engine, content_type):
    # before: a text/plain POST (no CORS preflight needed) ran _delete_by_query and emptied the index
    name = posts(engine, "victim")
    status, body, _ = call(engine, "POST", f"/{name}/_delete_by_query", '{"query": {"match_all": {}}}',
                           content_type=content_type)
    sentence = f"Content-Type header [{content_type}] is not supported" if content_type else \
        "Content-Type header is missing"
    assert (status, body) == (406, {"error": sentence, "status": 406})
    assert count(engine, name) == 3


def test_query_string_checks_are_linear(engine):
    name = posts(engine, "qs")
    status, body, took = call(engine, "POST", f"/{name}/_search", {"query": {"query_string": {"query": "[" * 80_000}}})
    assert status == 400 and "[query_string ranges] is not supported" in body["error"]["reason"]
    assert took < 2  # before: 7 s
    status, body, _ = call(engine, "POST", f"/{name}/_search", {"query": {"query_string": {"query": "title:"}}})
    assert (status, body["error"]["type"]) == (400, "search_phase_execution_exception")
    assert body["error"]["root_cause"][0]["reason"] == "Failed to parse query [title:]"


def nested(depth: int) -> str:
    return '{"query": ' + '{"bool": {"must": [' * (depth - 1) + '{"match_all": {}}' + "]}}" * (depth - 1) + "}"


def test_deep_queries_and_bodies_answer_400(engine):
    name = posts(engine, "deep")
    assert call(engine, "POST", f"/{name}/_search", nested(30))[0] == 200
    status, body, _ = call(engine, "POST", f"/{name}/_search", nested(31))
    assert (status, body["error"]["type"]) == (400, "x_content_parse_exception")
    for raw_body in (nested(500), '{"a":' * 100_000 + "1" + "}" * 100_000):  # before: 500 (RecursionError)
        status, body, _ = call(engine, "POST", f"/{name}/_search", raw_body)
        assert (status, body["error"]["type"]) == (400, "x_content_parse_exception")
        assert "Document nesting depth (1001) exceeds the maximum allowed (1000" in body["error"]["reason"]
    doc = "x"
    for _ in range(20):
        doc = {"o": doc}
    status, body, _ = call(engine, "PUT", f"/{name}/_doc/deep", {"o": doc})
    assert status == 400 and body["error"]["caused_by"]["reason"].startswith("Limit of mapping depth [20]")


def test_terms_clauses_and_the_result_window_are_bounded(engine):
    name = posts(engine, "bounded")
    status, body, took = call(engine, "POST", f"/{name}/_search",
                              {"query": {"terms": {"tags": [str(i) for i in range(1_000_000)]}}})
    assert (status, body["error"]["type"]) == (400, "search_phase_execution_exception") and took < 10
    assert "The number of terms [1000000] used in the Terms Query request has exceeded the allowed maximum of " \
           "[65536]" in body["error"]["root_cause"][0]["reason"]
    words = " ".join(f"w{i}" for i in range(limits.MAX_CLAUSES + 1))
    status, body, _ = call(engine, "POST", f"/{name}/_search", {"query": {"match": {"title": words}}})
    assert status == 400 and body["error"]["root_cause"][0]["reason"] == \
        f"failed to create query: maxClauseCount is set to {limits.MAX_CLAUSES}"
    status, body, _ = call(engine, "POST", f"/{name}/_search", {"from": 9995, "size": 10})
    assert (status, body["error"]["type"]) == (400, "search_phase_execution_exception")
    assert body["error"]["root_cause"][0]["reason"].startswith("Result window is too large, from + size must be less "
                                                               "than or equal to: [10000] but was [10005].")
    assert call(engine, "PUT", f"/{name}/_settings", {"index": {"max_result_window": 20000}})[0] == 200
    assert call(engine, "POST", f"/{name}/_search", {"from": 9995, "size": 10})[0] == 200
    assert call(engine, "GET", f"/{name}/_search?size=abc")[0] == 400  # before: 500


def test_bodies_in_flight_are_bounded(tmp_path):
    from searchlite.engine import Engine
    from searchlite.server import serve
    server = serve(Engine(tmp_path), "127.0.0.1", 0)
    server.in_flight_limit = 1000
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        status, body, _ = call(port, "PUT", "/i/_doc/1", {"text": "x" * 2000})
        assert status == 429 and body["error"]["type"] == "circuit_breaking_exception"
        assert body["error"]["reason"] == ("[in_flight_requests] Data too large, data for [<http_request>] would be "
                                           "[2012/1.9kb], which is larger than the limit of [1000/1000b]")
        assert call(port, "PUT", "/i/_doc/1", {"text": "x" * 100})[0] == 201  # what was held is released
    finally:
        server.shutdown()
        server.server_close()


def test_sigterm_stops_the_engine_in_the_middle_of_long_work(tmp_path):
    process, port = start_engine(tmp_path)
    lines = "".join('{"index":{"_index":"big","_id":"%d"}}\n{"n":%d,"title":"word %d"}\n' % (i, i, i)
                    for i in range(300_000))

    def bulk():
        try:
            call(port, "POST", "/_bulk", lines, "application/x-ndjson", timeout=600)
        except (ConnectionError, http.client.HTTPException):
            pass  # the engine stopped under it
    threading.Thread(target=bulk, daemon=True).start()
    time.sleep(2)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(10)
    stopped = time.monotonic() - started
    assert stopped < 3  # before: a long request held an index's lock and the process ignored SIGTERM
    process, port = start_engine(tmp_path)  # the data is whole: committed batches are there, no half batch
    try:
        call(port, "POST", "/big/_refresh")
        total = count(port, "big")
        assert total % 500 == 0
        if total:
            assert call(port, "GET", f"/big/_doc/{total - 1}")[0] == 200
    finally:
        process.terminate()
        process.wait(10)
