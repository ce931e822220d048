"""The HTTP front door: forwards to a random `web` dyno, adds Heroku's headers,
answers Heroku's H-codes, and writes a `heroku[router]` line per request."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from herosim import httpwire
from herosim.httpwire import BadMessage, Head
from herosim.timeouts import Timeouts

ERROR_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Application Error</title></head>"
    "<body><h1>Application Error</h1><p>An error occurred in the application and your page could not be "
    "served. If you are the application owner, check your logs for details: "
    "<code>herosim logs --tail</code></p></body></html>"
).encode()

OUR_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-request-start",
                         "x-request-id", "via"})
DESCRIPTIONS = {
    "H10": "App crashed", "H12": "Request timeout", "H13": "Connection closed without response",
    "H14": "No web processes running", "H15": "Idle connection", "H18": "Server Request Interrupted",
    "H19": "Backend connection timeout", "H20": "App boot timeout", "H21": "Backend connection refused",
    "H27": "Client Request Interrupted",
}


@dataclass(frozen=True)
class Backends:
    web_formation: int                 # web dynos asked for; 0 means H14
    up: tuple[tuple[str, str, int], ...]  # (dyno name, address, port) of web dynos that are up
    starting: bool                     # a web dyno is booting: queue the request (H20 after 75 s)


def router_line(*, method: str, path: str, host: str, request_id: str, fwd: str, dyno: str = "",
                connect: int | None = None, service: int | None = None, status: int | None = None,
                bytes_: int | None = None, protocol: str = "http", code: str | None = None,
                at: str | None = None) -> str:
    """One `heroku[router]` message, fields in Heroku's order; missing values stay empty."""
    def ms(value):
        return "" if value is None else f"{value}ms"

    def num(value):
        return "" if value is None else str(value)

    head = f"at={at or ('error' if code else 'info')}"
    if code:
        head += f' code={code} desc="{DESCRIPTIONS.get(code, code)}"'
    return (f'{head} method={method} path="{path}" host={host} request_id={request_id} fwd="{fwd}" '
            f"dyno={dyno} connect={ms(connect)} service={ms(service)} status={num(status)} "
            f"bytes={num(bytes_)} protocol={protocol}")


class _Pool:
    """Idle keep-alive connections to dynos, per host port."""

    def __init__(self):
        self.idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    def get(self, port: tuple[str, int]):
        conns = self.idle.get(port, [])
        while conns:
            reader, writer = conns.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return None

    def put(self, port: tuple[str, int], conn) -> None:
        conns = self.idle.setdefault(port, [])
        if len(conns) < 64:
            conns.append(conn)
        else:
            conn[1].close()


class Router:
    def __init__(self, port: int, backends: Callable[[], Backends], log: Callable[[str], None],
                 timeouts: Timeouts, host: str = "127.0.0.1"):
        self.port = port
        self._port_text = str(port)
        self.host = host
        self.backends = backends
        self.log = log
        self.timeouts = timeouts
        self.pool = _Pool()
        self.loop = asyncio.new_event_loop()
        self._server = None
        self._thread = threading.Thread(target=self.loop.run_forever, name="router", daemon=True)

    def start(self) -> None:
        """Bind and serve on a thread; raises OSError when the port is taken."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._client, self.host, self.port, limit=httpwire.MAX_HEAD,
                                 reuse_address=True), self.loop)
        self._server = future.result(timeout=10)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def shutdown():
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=5)
        except Exception:  # noqa: BLE001 - shutting down regardless
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)

    # -- one client connection ------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = (writer.get_extra_info("peername") or ("",))[0]
        try:
            while True:
                try:
                    async with asyncio.timeout(self.timeouts.idle):
                        raw = await httpwire.read_head(reader)
                except (TimeoutError, BadMessage, ConnectionError):
                    break
                if raw is None:
                    break
                if not await self._request(raw, reader, writer, peer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except RuntimeError:
                pass

    async def _request(self, raw: bytes, creader, cwriter, peer: str) -> bool:
        started = time.monotonic()
        try:
            head = httpwire.parse_head(raw)
            method, target, version = httpwire.request_parts(head)
            req_kind, req_length = httpwire.body_kind(head, request=True)
        except BadMessage:
            cwriter.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        incoming_id = head.get("x-request-id")
        request_id = incoming_id if httpwire.valid_request_id(incoming_id) else str(uuid.uuid4())
        fwd = ", ".join(filter(None, [head.get("x-forwarded-for"), peer]))
        fields = dict(method=method, path=target, host=head.get("host", ""), request_id=request_id,
                      fwd=fwd)

        choice = await self._choose(started)
        if isinstance(choice, str):
            self.log(router_line(**fields, code=choice, status=503))
            await self._error_response(cwriter, choice, request_id)
            return False
        dyno, address, backend_port = choice
        port = (address, backend_port)

        self._add_headers(head, peer, fwd, request_id)
        upgrade = "upgrade" in head.tokens("connection") and head.get("upgrade")
        reused = False
        for attempt in range(2):
            connect_started = time.monotonic()
            conn = self.pool.get(port) if attempt == 0 and not upgrade else None
            reused = conn is not None
            if conn is None:
                try:
                    async with asyncio.timeout(5):
                        conn = await asyncio.open_connection(address, backend_port)
                except TimeoutError:
                    self.log(router_line(**fields, code="H19", dyno=dyno, status=503))
                    await self._error_response(cwriter, "H19", request_id)
                    return False
                except OSError:
                    self.log(router_line(**fields, code="H21", dyno=dyno, status=503))
                    await self._error_response(cwriter, "H21", request_id)
                    return False
            connect_ms = int((time.monotonic() - connect_started) * 1000)
            breader, bwriter = conn
            if upgrade:
                out = head.encode()
            else:
                out = httpwire.encode_with(head.without(httpwire.HOP_BY_HOP), [("Connection", "keep-alive")])
            try:
                if req_kind == "none":
                    bwriter.write(out)
                else:
                    await httpwire.copy_body(creader, bwriter, req_kind, req_length, prefix=out)
            except (asyncio.IncompleteReadError, ConnectionError):
                bwriter.close()
                self.log(router_line(**fields, code="H27", at="warning", dyno=dyno, connect=connect_ms,
                                     service=self._ms(started), status=499, bytes_=0))
                return False
            remaining = self.timeouts.router - (time.monotonic() - started)
            try:
                async with asyncio.timeout(max(remaining, 0.001)):
                    raw_response = await httpwire.read_head(breader)
            except TimeoutError:
                bwriter.close()
                self.log(router_line(**fields, code="H12", dyno=dyno, connect=connect_ms,
                                     service=self._ms(started), status=503, bytes_=0))
                await self._error_response(cwriter, "H12", request_id)
                return False
            except (BadMessage, ConnectionError):
                raw_response = None
            if raw_response is None:
                bwriter.close()
                if reused and req_length == 0 and req_kind == "none":
                    continue  # the dyno closed an idle keep-alive connection: retry on a new one
                self.log(router_line(**fields, code="H13", dyno=dyno, connect=connect_ms,
                                     service=self._ms(started), status=503, bytes_=0))
                await self._error_response(cwriter, "H13", request_id)
                return False
            break
        return await self._relay_response(raw_response, method, version, head, breader, bwriter, creader,
                                          cwriter, port, fields, dyno, connect_ms, started)

    async def _relay_response(self, raw_response, method, version, head, breader, bwriter, creader, cwriter,
                              port, fields, dyno, connect_ms, started) -> bool:
        response = httpwire.parse_head(raw_response)
        status = httpwire.response_status(response)
        if status == 101:
            cwriter.write(response.encode())
            await cwriter.drain()
            self.log(router_line(**fields, dyno=dyno, connect=connect_ms, service=self._ms(started),
                                 status=101, bytes_=0))
            await self._tunnel(creader, cwriter, breader, bwriter)
            return False
        kind, length = httpwire.body_kind(response, request=False, method=method, status=status)
        backend_keep = httpwire.keep_alive(response, response.start_line.split(" ", 1)[0]) and kind != "close"
        client_keep = httpwire.keep_alive(head, version) and kind != "close"
        out = httpwire.encode_with(response.without(httpwire.RESPONSE_HOP_BY_HOP),
                                   [] if client_keep else [("Connection", "close")])
        try:
            sent = await httpwire.copy_body(breader, cwriter, kind, length, idle=self.timeouts.idle, prefix=out)
        except TimeoutError:
            bwriter.close()
            self.log(router_line(**fields, code="H15", dyno=dyno, connect=connect_ms,
                                 service=self._ms(started), status=status, bytes_=0))
            return False
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            bwriter.close()
            self.log(router_line(**fields, code="H18", dyno=dyno, connect=connect_ms,
                                 service=self._ms(started), status=status, bytes_=0) + " sock=backend")
            return False
        if backend_keep:
            self.pool.put(port, (breader, bwriter))
        else:
            bwriter.close()
        self.log(router_line(**fields, dyno=dyno, connect=connect_ms, service=self._ms(started),
                             status=status, bytes_=sent))
        return client_keep

    # -- helpers -----------------------------------------------------------------------
    async def _choose(self, started: float):
        while True:
            backends = self.backends()
            if backends.web_formation == 0:
                return "H14"
            if backends.up:
                return random.choice(backends.up)
            if not backends.starting:
                return "H10"
            if time.monotonic() - started > self.timeouts.queue:
                return "H20"
            await asyncio.sleep(0.05)

    def _add_headers(self, head: Head, peer: str, fwd: str, request_id: str) -> None:
        ours = (("X-Forwarded-For", fwd or peer), ("X-Forwarded-Proto", "http"),
                ("X-Forwarded-Port", self._port_text), ("X-Request-Start", str(int(time.time() * 1000))),
                ("X-Request-Id", request_id), ("Via", "1.1 vegur"))
        head.headers = [(k, v) for k, v in head.headers if k.lower() not in OUR_HEADERS] + list(ours)

    @staticmethod
    async def _error_response(writer: asyncio.StreamWriter, code: str, request_id: str) -> None:
        writer.write(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(ERROR_PAGE)}\r\nX-Request-Id: {request_id}\r\n".encode()
            + f"X-Herosim-Error: {code}\r\nConnection: close\r\n\r\n".encode() + ERROR_PAGE)
        try:
            await writer.drain()
        except ConnectionError:
            pass

    @staticmethod
    async def _tunnel(creader, cwriter, breader, bwriter) -> None:
        async def pipe(src, dst):
            try:
                while True:
                    data = await src.read(65536)
                    if not data:
                        break
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()
        await asyncio.gather(pipe(creader, bwriter), pipe(breader, cwriter))

    @staticmethod
    def _ms(started: float) -> int:
        return int((time.monotonic() - started) * 1000)
