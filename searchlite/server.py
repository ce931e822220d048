"""The HTTP face of the lite engine: Elasticsearch's paths, headers and error shapes."""

from __future__ import annotations

import base64
import hmac
import json
import os
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from searchlite import limits, search
from searchlite.bulk import RawBody
from searchlite.cluster import health, info, settings_body
from searchlite.engine import Engine
from searchlite.errors import SearchError, illegal, unsupported
from searchlite.media import body_refusal
from searchlite.store import Stopping

MAX_CONTENT = limits.MAX_CONTENT
DIGITS = re.compile(r"[0-9]{1,12}")
HEX = re.compile(rb"[0-9A-Fa-f]{1,8}")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "herosim-search-lite"
    engine: Engine   # set by serve(), on a subclass bound to its engine
    server: Server   # (annotated only: the in-flight breaker's server, not any BaseServer)
    timeout = 60  # seconds a connection may stay silent (idle, or in the middle of a body)
    reserved = 0  # bytes of this request held in the in-flight breaker

    # -- plumbing ----------------------------------------------------------------------------------
    def log_message(self, fmt, *args):  # quiet: the app's own logs matter more
        pass

    def _media_type(self) -> str:
        accept = self.headers.get("Accept", "") + "," + self.headers.get("Content-Type", "")
        for version in ("8", "7"):
            if f"compatible-with={version}" in accept.replace(" ", ""):
                return f"application/vnd.elasticsearch+json;compatible-with={version}"
        return "application/json"

    def _send(self, status: int, body) -> None:
        data = b"" if body is None else body if isinstance(body, RawBody) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("X-elastic-product", "Elasticsearch")
        self.send_header("Content-Type", self._media_type() + ("" if "vnd" in self._media_type()
                                                               else "; charset=UTF-8"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _read(self) -> bytes:
        """The request body, framed strictly: a Content-Length of ASCII digits, chunk sizes in
        hex; sizes are checked against http.max_content_length before anything is read."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                line = self.rfile.readline(1024).split(b";")[0].strip()
                if not HEX.fullmatch(line):
                    self.close_connection = True
                    raise SearchError(400, "parse_exception", "invalid chunk size in a chunked request body")
                size = int(line, 16)
                if size == 0:
                    self.rfile.readline(1024)
                    return data
                if len(data) + size > MAX_CONTENT:
                    self.close_connection = True
                    raise SearchError(413, "content_too_long_exception", "Request entity too large")
                self._reserve(size)
                data += self.rfile.read(size)
                self.rfile.readline(1024)
        declared = (self.headers.get("Content-Length") or "0").strip()
        if not DIGITS.fullmatch(declared):
            self.close_connection = True
            raise SearchError(400, "parse_exception", f"invalid Content-Length [{declared[:20]}]")
        length = int(declared)
        if length > MAX_CONTENT:
            self.close_connection = True
            raise SearchError(413, "content_too_long_exception",
                              f"Request entity too large: {length} > {MAX_CONTENT} bytes (http.max_content_length)")
        self._reserve(length)
        return self.rfile.read(length) if length else b""

    def _reserve(self, size: int) -> None:
        """network.breaker.inflight_requests: the bodies of all requests in hand are bounded."""
        if not self.server.reserve(size):
            self.close_connection = True
            raise limits.in_flight_breaker(self.server.in_flight + size, self.server.in_flight_limit)
        self.reserved += size

    @staticmethod
    def _json(raw: bytes):
        return limits.parse_json(raw) if raw.strip() else None

    def _authorised(self) -> bool:
        user, password = os.environ.get("HEROSIM_SEARCH_USER"), os.environ.get("HEROSIM_SEARCH_PASSWORD")
        if not user:
            return True
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                given = base64.b64decode(header[6:], validate=True)
            except ValueError:
                given = b""
            if hmac.compare_digest(given, f"{user}:{password}".encode()):  # bytes: any input compares
                return True
        return False

    def _handle(self) -> None:
        try:
            if not self._authorised():
                error = SearchError(401, "security_exception",
                                    f"missing authentication credentials for REST request [{self.path}]",
                                    header={"WWW-Authenticate": 'Basic realm="security" charset="UTF-8"'})
                self.close_connection = True  # its body, if any, stays unread
                self._send(401, error.body())
                return
            url = urllib.parse.urlsplit(self.path)
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
            if "filter_path" in params:
                raise unsupported("filter_path")
            parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
            raw = self._read()
            refusal = body_refusal(self.headers.get_all("Content-Type"), bool(raw), "_bulk" in parts)
            if refusal is not None:
                raise refusal
            status, body = route(self.engine, self.command, parts, params, raw, self._json)
            self._send(status, body)
        except SearchError as error:
            self._send(error.status, error.body())
        except (ConnectionError, TimeoutError, Stopping):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a bug answers 500, the engine keeps serving
            if self.engine.stopping.is_set():  # SQLite interrupted by the stop: no answer, as on a closed node
                self.close_connection = True
                return
            self._send(500, SearchError(500, "exception", f"{exc.__class__.__name__}: {exc}").body())
        finally:
            self.server.release(self.reserved)
            self.reserved = 0

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


def _flag(params: dict, name: str) -> str | None:
    return params.get(name)


def route(engine: Engine, method: str, parts: list[str], params: dict, raw: bytes, parse_json):
    """(status, body) for one request; raises SearchError."""
    refresh = _flag(params, "refresh")
    if not parts:
        if method in ("GET", "HEAD"):
            return 200, info()
        raise illegal(f"Incorrect HTTP method for uri [/] and method [{method}], allowed: [GET, HEAD]")
    head = parts[0]
    if head == "_cluster" and len(parts) >= 2 and parts[1] == "health":
        if len(parts) > 2:
            engine.resolve(parts[2])
        return 200, health(engine)
    # `/_search` and `/<index>/_search` (and the like) are the same API on all or some indices
    name, api = (None, head) if head.startswith("_") else (head, parts[1] if len(parts) > 1 else None)
    if api in ("_search", "_count"):
        return 200, search.run(engine.resolve(name), search_body(parse_json(raw), params), count_only=api == "_count")
    if api == "_bulk":
        return 200, engine.bulk(name, raw.decode("utf-8", errors="replace"), refresh)
    if api == "_refresh":
        for index in engine.resolve(name):
            index.refresh()
        return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
    if api == "_mapping" and method == "GET":
        return 200, {i.name: {"mappings": i.mapping} for i in engine.resolve(name)}
    if name is None:
        raise unsupported(f"/{head}")
    if len(parts) == 1:
        if method == "PUT":
            index = engine.create(name, parse_json(raw))
            return 200, {"acknowledged": True, "shards_acknowledged": True, "index": index.name}
        if method == "DELETE":
            engine.delete_index(name)
            return 200, {"acknowledged": True}
        if method == "HEAD":
            try:
                engine.resolve(name)
                return 200, None
            except SearchError:
                return 404, None
        if method == "GET":
            return 200, {i.name: {"aliases": {}, "mappings": i.mapping, "settings": settings_body(i)}
                         for i in engine.resolve(name)}
        raise illegal(f"Incorrect HTTP method for uri [/{name}] and method [{method}]")
    if api == "_mapping":  # PUT or POST: GET was answered above
        body = parse_json(raw) or {}
        for index in engine.resolve(name):
            index.put_mapping(body)
        return 200, {"acknowledged": True}
    if api == "_settings":
        if method == "PUT":
            body = parse_json(raw) or {}
            for index in engine.resolve(name):
                index.put_settings(body)
            return 200, {"acknowledged": True}
        return 200, {i.name: {"settings": settings_body(i)} for i in engine.resolve(name)}
    if api == "_doc" and len(parts) == 2 and method == "POST":
        return engine.put(name, None, parse_json(raw), create=False, refresh=refresh)
    if api in ("_doc", "_create", "_source") and len(parts) == 3:
        doc_id = parts[2]
        if method in ("GET", "HEAD"):
            status, body = engine.get(name, doc_id, _source_param(params))
            if api == "_source":
                if status == 404:
                    raise SearchError(404, "resource_not_found_exception",
                                      f"Document not found [{name}]/[{doc_id}]")
                return status, body.get("_source")
            return status, (None if method == "HEAD" else body)
        if method in ("PUT", "POST"):
            create = api == "_create" or params.get("op_type") == "create"
            return engine.put(name, doc_id, parse_json(raw), create=create, refresh=refresh)
        if method == "DELETE" and api == "_doc":
            return engine.delete(name, doc_id, refresh)
    if api == "_update" and len(parts) == 3 and method == "POST":
        return engine.update(name, parts[2], parse_json(raw), refresh)
    if api == "_delete_by_query" and method == "POST":
        return 200, delete_by_query(engine, name, parse_json(raw) or {}, refresh)
    raise unsupported(f"{method} /{name}/{'/'.join(parts[1:])}")


def search_body(body, params: dict) -> dict:
    body = dict(body or {})
    if "q" in params:
        body["query"] = {"query_string": {"query": params["q"]}}
    for key in ("size", "from"):
        if key in params:
            if not DIGITS.fullmatch(params[key].lstrip("-")):
                raise illegal(f"Failed to parse int parameter [{key}] with value [{params[key]}]")
            body[key] = int(params[key])
    if "sort" in params:
        body["sort"] = params["sort"].split(",")
    if "_source" in params:
        body["_source"] = _source_param(params)
    if "track_total_hits" in params:
        value = params["track_total_hits"]
        body["track_total_hits"] = value == "true" or (int(value) if value.isdigit() else value != "false")
    return body


def _source_param(params: dict):
    value = params.get("_source")
    if value is None:
        includes, excludes = params.get("_source_includes"), params.get("_source_excludes")
        if includes or excludes:
            return {"includes": includes.split(",") if includes else [],
                    "excludes": excludes.split(",") if excludes else []}
        return True
    if value in ("true", ""):
        return True
    if value == "false":
        return False
    return value.split(",")


def delete_by_query(engine: Engine, name: str, body: dict, refresh) -> dict:
    started = time.perf_counter()
    query = body.get("query")
    kind = next(iter(query)) if isinstance(query, dict) and len(query) == 1 else None
    if kind not in ("match_all", "term"):
        raise unsupported(f"_delete_by_query with a [{kind or 'missing'}] query (match_all and term are)")
    deleted = 0
    for index in engine.resolve(name):
        found = search.matches([index], {"query": query})
        with index.transaction():
            hits = index.hits([row for _, row, _ in found])
            for position, (doc_id, _) in enumerate(hits.values()):
                if position % 100 == 0:
                    index.check_stopping()
                if index.delete(doc_id)[0] == "deleted":
                    deleted += 1
        if refresh in ("true", ""):
            index.refresh()
    return {"took": int((time.perf_counter() - started) * 1000), "timed_out": False, "total": deleted,
            "deleted": deleted, "batches": 1 if deleted else 0, "version_conflicts": 0, "noops": 0,
            "retries": {"bulk": 0, "search": 0}, "throttled_millis": 0, "requests_per_second": -1.0,
            "throttled_until_millis": 0, "failures": []}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True
    in_flight_limit = limits.IN_FLIGHT_LIMIT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_flight = 0
        self.breaker = threading.Lock()

    def reserve(self, size: int) -> bool:
        with self.breaker:
            if self.in_flight + size > self.in_flight_limit:
                return False
            self.in_flight += size
            return True

    def release(self, size: int) -> None:
        with self.breaker:
            self.in_flight -= size


def serve(engine: Engine, host: str, port: int, ssl_context=None) -> Server:
    handler = type("BoundHandler", (Handler,), {"engine": engine})
    server = Server((host, port), handler)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    return server
