"""The HTTP front door: forwards to a random `web` dyno, adds Heroku's headers,
answers Heroku's H-codes, and writes a `heroku[router]` line per request.

Built on asyncio protocols (callbacks, no task per request): the router sits on every
request's path, on a machine whose cores the app itself needs.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from herosim.runtime.router import framing
from herosim.runtime.router.framing import BadMessage, Head
from herosim.platform.timeouts import Timeouts

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
HIGH_WATER = 256 * 1024


@dataclass(frozen=True)
class Backends:
    web_formation: int                    # web dynos asked for; 0 means H14
    up: tuple[tuple[str, str, int], ...]  # (dyno name, address, port) of web dynos that are up
    starting: bool                        # a web dyno is booting: queue the request (H20 after 75 s)


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


class Framer:
    """Where one message body ends in a byte stream: a Content-Length, chunked encoding, or
    the connection's close. feed() says how much of the data is this body's and if it ended."""

    def __init__(self, kind: str, length: int = 0):
        self.kind = kind
        self.remaining = length
        self.payload = 0
        self.done = kind == "none" or (kind == "length" and length == 0)
        self._state = "size"   # chunked: size, data, trailer
        self._line = b""

    def feed(self, data: bytes) -> int:
        """Bytes of `data` that belong to the body (the rest is the next message)."""
        if self.done:
            return 0
        if self.kind == "close":
            self.payload += len(data)
            return len(data)
        if self.kind == "length":
            used = min(len(data), self.remaining)
            self.remaining -= used
            self.payload += used
            self.done = self.remaining == 0
            return used
        return self._chunked(data)

    def _chunked(self, data: bytes) -> int:
        position = 0
        while position < len(data) and not self.done:
            if self._state == "data":
                used = min(len(data) - position, self.remaining)
                position += used
                self.remaining -= used
                if self.remaining == 0:
                    self._state = "size"
                continue
            end = data.find(b"\n", position)
            if end < 0:
                self._line += data[position:]
                return len(data)
            line = self._line + data[position:end + 1]
            self._line = b""
            position = end + 1
            if self._state == "size":
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self._state = "trailer"
                else:
                    self.payload += size
                    self.remaining = size + 2  # the data and its CRLF
                    self._state = "data"
            elif line.strip() == b"":  # trailer section ends with an empty line
                self.done = True
        return position


@dataclass(slots=True)
class Exchange:
    """One request on its way to a dyno and its response on the way back."""
    fields: dict                  # what the router line reports
    started: float
    request: bytes                # the head as sent to the dyno, with the body bytes that came with it
    request_framer: Framer
    method: str
    version: str
    client_keep: bool
    upgrade: bool
    dyno: str = ""
    address: tuple | None = None
    connect_ms: int = 0
    response_framer: Framer | None = None
    status: int | None = None
    backend: "Backend | None" = None
    reused: bool = False
    timer: object = None
    last_activity: float = 0.0
    first_byte: bool = False

    def service_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


class Client(asyncio.Protocol):
    """One client connection: requests one at a time (reading pauses while one is in flight)."""

    def __init__(self, router: "Router"):
        self.router = router
        self.transport = None
        self.peer = ""
        self.buffer = bytearray()
        self.exchange: Exchange | None = None
        self.tunnel: Backend | None = None
        self.closed = False
        self.idle_timer = None
        self.last_activity = time.monotonic()

    # -- asyncio callbacks ------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER)
        self.peer = (transport.get_extra_info("peername") or ("",))[0]
        self._arm_idle()

    def data_received(self, data: bytes):
        self.last_activity = time.monotonic()
        if self.tunnel is not None:
            self.tunnel.transport.write(data)
            return
        exchange = self.exchange
        if exchange is not None and exchange.backend is not None and not exchange.request_framer.done:
            used = exchange.request_framer.feed(data)
            exchange.backend.transport.write(data[:used])
            if used < len(data):
                self.buffer += data[used:]
            if exchange.request_framer.done:
                self.transport.pause_reading()
            return
        self.buffer += data
        if exchange is None:
            self._next_request()

    def connection_lost(self, exc):
        self.closed = True
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        exchange = self.exchange
        if self.tunnel is not None:
            self.tunnel.transport.close()
        elif exchange is not None:
            self.router.log(router_line(**exchange.fields, code="H27", at="warning", dyno=exchange.dyno,
                                        connect=exchange.connect_ms, service=exchange.service_ms(), status=499,
                                        bytes_=0))
            if exchange.backend is not None:
                exchange.backend.abandon()

    def pause_writing(self):
        if self.exchange is not None and self.exchange.backend is not None:
            self.exchange.backend.transport.pause_reading()

    def resume_writing(self):
        if self.exchange is not None and self.exchange.backend is not None:
            self.exchange.backend.transport.resume_reading()

    # -- requests ------------------------------------------------------------------------------
    def _arm_idle(self):
        idle = self.router.timeouts.idle
        self.idle_timer = self.router.loop.call_later(idle, self._idle_check)

    def _idle_check(self):
        if self.closed:
            return
        quiet = time.monotonic() - self.last_activity
        if self.exchange is None and quiet >= self.router.timeouts.idle:
            self.transport.close()
            return
        self.idle_timer = self.router.loop.call_later(max(self.router.timeouts.idle - quiet, 1.0), self._idle_check)

    def _next_request(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > framing.MAX_HEAD:
                self._fail_bad()
            return
        raw, rest = bytes(self.buffer[:end]), self.buffer[end + 4:]
        self.buffer = bytearray()
        started = time.monotonic()
        try:
            head = framing.parse_head(raw)
            method, target, version = framing.request_parts(head)
            kind, length = framing.body_kind(head, request=True)
        except BadMessage:
            self._fail_bad()
            return
        incoming = head.get("x-request-id")
        request_id = incoming if framing.valid_request_id(incoming) else str(uuid.uuid4())
        fwd = ", ".join(filter(None, [head.get("x-forwarded-for"), self.peer]))
        fields = dict(method=method, path=target, host=head.get("host", ""), request_id=request_id, fwd=fwd)
        upgrade = bool("upgrade" in head.tokens("connection") and head.get("upgrade"))
        self.router.add_headers(head, fwd or self.peer, request_id)
        if upgrade:
            encoded = head.encode()
        else:
            encoded = framing.encode_with(head.without(framing.HOP_BY_HOP), [("Connection", "keep-alive")])
        framer = Framer(kind, length)
        used = framer.feed(bytes(rest))
        self.buffer = bytearray(rest[used:])
        exchange = Exchange(fields, started, encoded + bytes(rest[:used]), framer, method, version,
                            framing.keep_alive(head, version), upgrade, last_activity=started)
        self.exchange = exchange
        if framer.done:
            self.transport.pause_reading()
        self.router.route(self, exchange)

    def _fail_bad(self):
        self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        self.transport.close()

    def fail(self, exchange: Exchange, code: str, **extra) -> None:
        """Answer the client with Heroku's error page and close (the log line goes first)."""
        self.router.log(router_line(**exchange.fields, code=code, **extra))
        if self.closed:
            return
        self.transport.write(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(ERROR_PAGE)}\r\nX-Request-Id: {exchange.fields['request_id']}\r\n".encode()
            + f"X-Herosim-Error: {code}\r\nConnection: close\r\n\r\n".encode() + ERROR_PAGE)
        self.exchange = None
        self.transport.close()

    def finished(self, exchange: Exchange, keep: bool) -> None:
        self.exchange = None
        if self.closed:
            return
        if not keep:
            self.transport.close()
            return
        self.transport.resume_reading()
        if self.buffer:
            self._next_request()


class Backend(asyncio.Protocol):
    """A connection to a dyno; lives in the pool between requests."""

    def __init__(self, router: "Router", address: tuple[str, int]):
        self.router = router
        self.address = address
        self.transport = None
        self.client: Client | None = None
        self.exchange: Exchange | None = None
        self.buffer = bytearray()
        self.closed = False
        self.tunnel = False
        self.reusable = False

    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER)

    def pause_writing(self):
        if self.client is not None and not self.client.closed:
            self.client.transport.pause_reading()

    def resume_writing(self):
        if self.client is not None and not self.client.closed and (
                self.exchange is None or not self.exchange.request_framer.done or self.tunnel):
            self.client.transport.resume_reading()

    def send(self, client: Client, exchange: Exchange) -> None:
        self.client, self.exchange = client, exchange
        exchange.backend = self
        self.buffer = bytearray()
        self.transport.write(exchange.request)
        if not exchange.request_framer.done:
            client.transport.resume_reading()
            if client.buffer:  # body bytes that arrived before the dyno was chosen
                pending, client.buffer = bytes(client.buffer), bytearray()
                client.data_received(pending)
        remaining = self.router.timeouts.router - (time.monotonic() - exchange.started)
        exchange.timer = self.router.loop.call_later(max(remaining, 0.001), self._timeout)

    def data_received(self, data: bytes):
        if self.tunnel:
            if self.client is not None and not self.client.closed:
                self.client.transport.write(data)
            return
        exchange, client = self.exchange, self.client
        if exchange is None:  # data while idle in the pool: nothing asked for it
            self.transport.close()
            return
        exchange.last_activity = time.monotonic()
        head = b""
        if exchange.response_framer is None:
            self.buffer += data
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            raw, data = bytes(self.buffer[:end]), bytes(self.buffer[end + 4:])
            self.buffer = bytearray()
            head = self._response_head(raw, data, exchange, client)
            if head is None:
                return
        used = exchange.response_framer.feed(data)
        if (head or used) and not client.closed:
            client.transport.write(head + data[:used])  # one write: head and the body that came with it
        if exchange.response_framer.done:
            self._complete(exchange, client)

    def _response_head(self, raw: bytes, rest: bytes, exchange: Exchange, client: Client) -> bytes | None:
        """The head to send the client, or None when `rest` was dealt with here (or the exchange ended)."""
        exchange.first_byte = True
        try:
            response = framing.parse_head(raw)
            status = framing.response_status(response)
        except BadMessage:
            self._drop()
            client.fail(exchange, "H13", dyno=exchange.dyno, connect=exchange.connect_ms,
                        service=exchange.service_ms(), status=503, bytes_=0)
            return None
        if 100 <= status < 200 and status != 101:  # an interim answer (100 Continue): the real one follows
            if not client.closed:
                client.transport.write(raw + b"\r\n\r\n")
            if rest:
                self.data_received(rest)
            return None
        exchange.status = status
        if status == 101:
            if exchange.timer is not None:
                exchange.timer.cancel()
            self.tunnel = True
            client.tunnel = self
            client.exchange = None
            client.transport.write(response.encode())
            client.transport.resume_reading()
            self.router.log(router_line(**exchange.fields, dyno=exchange.dyno, connect=exchange.connect_ms,
                                        service=exchange.service_ms(), status=101, bytes_=0))
            if rest:
                client.transport.write(rest)
            if client.buffer:
                pending, client.buffer = bytes(client.buffer), bytearray()
                self.transport.write(pending)
            return None
        kind, length = framing.body_kind(response, request=False, method=exchange.method, status=status)
        exchange.response_framer = Framer(kind, length)
        backend_keep = framing.keep_alive(response, response.start_line.split(" ", 1)[0]) and kind != "close"
        exchange.client_keep = exchange.client_keep and kind != "close"
        self.reusable = backend_keep
        return framing.encode_with(response.without(framing.RESPONSE_HOP_BY_HOP),
                                    [] if exchange.client_keep else [("Connection", "close")])

    def _complete(self, exchange: Exchange, client: Client) -> None:
        if exchange.timer is not None:
            exchange.timer.cancel()
        self.router.log(router_line(**exchange.fields, dyno=exchange.dyno, connect=exchange.connect_ms,
                                    service=exchange.service_ms(), status=exchange.status,
                                    bytes_=exchange.response_framer.payload))
        self.exchange, self.client = None, None
        if self.reusable and not self.closed:
            self.router.pool_put(self)
        else:
            self.transport.close()
        client.finished(exchange, exchange.client_keep)

    def _timeout(self):
        exchange, client = self.exchange, self.client
        if exchange is None:
            return
        now = time.monotonic()
        if not exchange.first_byte:
            self._drop()
            client.fail(exchange, "H12", dyno=exchange.dyno, connect=exchange.connect_ms,
                        service=exchange.service_ms(), status=503, bytes_=0)
            return
        quiet = now - exchange.last_activity
        if quiet >= self.router.timeouts.idle:
            self._drop()
            self.router.log(router_line(**exchange.fields, code="H15", dyno=exchange.dyno, connect=exchange.connect_ms,
                                        service=exchange.service_ms(), status=exchange.status, bytes_=0))
            client.exchange = None
            client.transport.close()
            return
        exchange.timer = self.router.loop.call_later(self.router.timeouts.idle - quiet, self._timeout)

    def connection_lost(self, exc):
        self.closed = True
        self.router.pool_forget(self)
        exchange, client = self.exchange, self.client
        if self.tunnel:
            if client is not None and not client.closed:
                client.transport.close()
            return
        if exchange is None:
            return
        self.exchange, self.client = None, None
        if exchange.timer is not None:
            exchange.timer.cancel()
        if exchange.response_framer is None:
            if exchange.reused and exchange.request_framer.kind == "none":
                exchange.backend = None  # an idle keep-alive connection the dyno closed: retry afresh
                self.router.connect(client, exchange, allow_pool=False)
                return
            client.fail(exchange, "H13", dyno=exchange.dyno, connect=exchange.connect_ms,
                        service=exchange.service_ms(), status=503, bytes_=0)
            return
        if exchange.response_framer.kind == "close":
            self.router.log(router_line(**exchange.fields, dyno=exchange.dyno, connect=exchange.connect_ms,
                                        service=exchange.service_ms(), status=exchange.status,
                                        bytes_=exchange.response_framer.payload))
            client.finished(exchange, False)
            return
        self.router.log(router_line(**exchange.fields, code="H18", dyno=exchange.dyno, connect=exchange.connect_ms,
                                    service=exchange.service_ms(), status=exchange.status, bytes_=0)
                        + " sock=backend")
        client.exchange = None
        if not client.closed:
            client.transport.close()

    def _drop(self):
        self.exchange, self.client = None, None
        self.transport.close()

    def abandon(self):
        """The client went away: this connection's response is nobody's."""
        if self.exchange is not None and self.exchange.timer is not None:
            self.exchange.timer.cancel()
        self._drop()


class Router:
    def __init__(self, port: int, backends: Callable[[], Backends], log: Callable[[str], None],
                 timeouts: Timeouts, host: str = "127.0.0.1"):
        self.port = port
        self._port_text = str(port)
        self.host = host
        self.backends = backends
        self.log = log
        self.timeouts = timeouts
        self.pool: dict[tuple[str, int], list[Backend]] = {}
        self.loop = asyncio.new_event_loop()
        self._server = None
        self._thread = threading.Thread(target=self.loop.run_forever, name="router", daemon=True)

    def start(self) -> None:
        """Bind and serve on a thread; raises OSError when the port is taken."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            self.loop.create_server(lambda: Client(self), self.host, self.port, reuse_address=True), self.loop)
        self._server = future.result(timeout=10)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        def shutdown():
            if self._server is not None:
                self._server.close()
            for conns in self.pool.values():
                for backend in conns:
                    backend.transport.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(shutdown)
        self._thread.join(timeout=5)

    # -- choosing and reaching a dyno --------------------------------------------------------------
    def route(self, client: Client, exchange: Exchange) -> None:
        backends = self.backends()
        if backends.web_formation == 0:
            client.fail(exchange, "H14", status=503)
        elif backends.up:
            exchange.dyno, address, port = random.choice(backends.up)
            exchange.address = (address, port)
            self.connect(client, exchange, allow_pool=not exchange.upgrade)
        elif not backends.starting:
            client.fail(exchange, "H10", status=503)
        elif time.monotonic() - exchange.started > self.timeouts.queue:
            client.fail(exchange, "H20", status=503)
        elif not client.closed:
            self.loop.call_later(0.05, self.route, client, exchange)  # queued while a dyno boots

    def connect(self, client: Client, exchange: Exchange, allow_pool: bool = True) -> None:
        if client.closed:
            return
        backend = self._pool_get(exchange.address) if allow_pool else None
        if backend is not None:
            exchange.reused = True
            exchange.connect_ms = 0
            backend.send(client, exchange)
            return
        exchange.reused = False
        self.loop.create_task(self._open(client, exchange))

    async def _open(self, client: Client, exchange: Exchange) -> None:
        started = time.monotonic()
        try:
            async with asyncio.timeout(5):
                _, backend = await self.loop.create_connection(lambda: Backend(self, exchange.address),
                                                               *exchange.address)
        except TimeoutError:
            client.fail(exchange, "H19", dyno=exchange.dyno, status=503)
            return
        except OSError:
            client.fail(exchange, "H21", dyno=exchange.dyno, status=503)
            return
        exchange.connect_ms = int((time.monotonic() - started) * 1000)
        if client.closed:
            backend.transport.close()
            return
        backend.send(client, exchange)

    def _pool_get(self, address) -> Backend | None:
        conns = self.pool.get(address)
        while conns:
            backend = conns.pop()
            if not backend.closed:
                return backend
        return None

    def pool_put(self, backend: Backend) -> None:
        conns = self.pool.setdefault(backend.address, [])
        if len(conns) < 64:
            conns.append(backend)
        else:
            backend.transport.close()

    def pool_forget(self, backend: Backend) -> None:
        conns = self.pool.get(backend.address)
        if conns and backend in conns:
            conns.remove(backend)

    def add_headers(self, head: Head, fwd: str, request_id: str) -> None:
        ours = (("X-Forwarded-For", fwd), ("X-Forwarded-Proto", "http"),
                ("X-Forwarded-Port", self._port_text), ("X-Request-Start", str(int(time.time() * 1000))),
                ("X-Request-Id", request_id), ("Via", "1.1 vegur"))
        head.headers = [(k, v) for k, v in head.headers if k.lower() not in OUR_HEADERS] + list(ours)
