"""A connection to a dyno: sends one request at a time, parses the response with llhttp
(httptools) and streams it to the client; kept in the pool between requests.

It reaches its client connection through `Downstream` alone (what downstream.Client offers
it), and the client reaches it through `Upstream` (downstream.py): neither touches the
other's attributes."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import httptools

from herosim.runtime.router import heads
from herosim.runtime.router.exchange import Exchange

SAFE_METHODS = frozenset({b"GET", b"HEAD", b"OPTIONS", b"TRACE"})   # retried on a dead pooled connection
HIGH_WATER = 256 * 1024
NO_BODY = (204, 304)


class Downstream(Protocol):
    """What a Backend asks of the client connection its response goes to."""

    def hold(self, reason: str) -> None: ...           # stop reading the client
    def release(self, *reasons: str) -> None: ...      # read it again
    def write(self, data: bytes) -> None: ...          # response bytes
    def relay(self, data: bytes) -> None: ...          # tunnel bytes (they count as activity)
    def upgraded(self, tunnel: Backend, head: bytes, rest: bytes) -> None: ...  # 101: a tunnel from now on
    def fail(self, exchange: Exchange, code: str, **extra) -> None: ...  # an error page, then closed
    def finished(self, exchange: Exchange, keep: bool) -> None: ...      # the response went out whole
    def close(self) -> None: ...                       # cut off: the exchange dropped, the connection closed


class Backend(asyncio.Protocol):
    def __init__(self, router, address: tuple[str, int]):
        self.router = router
        self.address = address
        self.transport = None
        self.client: Downstream | None = None
        self.exchange: Exchange | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.tunnel = False
        self.reusable = False
        self._out: list[bytes] = []  # what goes to the client from this read: one write
        self._reset()

    def _reset(self):
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._body = "none"      # none, length, chunked, close: how the response's body ends
        self._dechunk = False    # chunked from the dyno, sent plain to an HTTP/1.0 client (then closed)
        self._interim = False    # a 1xx answer (100 Continue): the real one follows

    # -- asyncio callbacks --------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER)

    def pause_writing(self):
        """The dyno reads slower than its client sends: stop reading the client."""
        if self.client is not None:
            self.client.hold("dyno-busy")

    def resume_writing(self):
        if self.client is not None:
            self.client.release("dyno-busy")

    # -- what its client calls (downstream.Upstream) ---------------------------------------------
    def write(self, data: bytes) -> None:
        """Request bytes (a body, or a tunnel's) to the dyno."""
        self.transport.write(data)

    def pause(self) -> None:
        """The client reads slower than the dyno writes: stop reading the dyno."""
        if not self.closed:
            self.transport.pause_reading()

    def resume(self) -> None:
        if not self.closed:
            self.transport.resume_reading()

    def close(self) -> None:
        self.transport.close()

    def send(self, client: Downstream, exchange: Exchange) -> None:
        self.client, self.exchange = client, exchange
        self._reset()
        self.transport.write(exchange.head + b"".join(exchange.pending) if exchange.pending else exchange.head)
        exchange.pending = []
        exchange.pending_bytes = 0
        exchange.backend = self
        client.release("body")
        self.router.watch(self)

    def data_received(self, data: bytes):
        if self.tunnel:
            if self.client is not None:
                self.client.relay(data)
            return
        exchange = self.exchange
        if exchange is None:  # data while idle in the pool: nothing asked for it
            self.transport.close()
            return
        exchange.last_activity = time.monotonic()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._open_tunnel(data[upgrade.args[0]:])
        except httptools.HttpParserError:
            self._malformed()
        self._flush()

    def _flush(self) -> None:
        if self._out:
            out, self._out = self._out, []
            if self.client is not None:
                if self.exchange is not None:
                    self.exchange.answered = True
                self.client.write(b"".join(out) if len(out) > 1 else out[0])

    def connection_lost(self, exc):
        self.closed = True
        self.router.pool_forget(self)
        exchange, client = self.exchange, self.client
        if self.tunnel:
            if client is not None:
                client.close()
            return
        if exchange is None:
            return
        self.exchange, self.client = None, None
        self.router.unwatch(self)
        if not exchange.first_byte:
            if exchange.reused and not exchange.pending and exchange.request_done and not exchange.chunked \
                    and b"Content-Length" not in exchange.head and exchange.method in SAFE_METHODS:
                exchange.backend = None  # a pooled connection the dyno had closed: try a fresh one
                self.router.connect(client, exchange, allow_pool=False)
                return
            client.fail(exchange, "H13", **exchange.line(status=503, bytes_=0))
            return
        if self._body == "close":  # the response ended with the connection, as it said it would
            self.router.line(**exchange.line(status=exchange.status, bytes_=exchange.response_bytes))
            client.finished(exchange, False)
            return
        self.router.line(**exchange.line(status=exchange.status, bytes_=0), code="H18", sock="backend")
        client.close()

    # -- llhttp callbacks ---------------------------------------------------------------------
    def on_status(self, reason: bytes):
        self._reason += reason

    def on_header(self, name: bytes, value: bytes):
        self._headers.append((name, value))

    def on_headers_complete(self):
        exchange = self.exchange
        status = self.parser.get_status_code()
        exchange.first_byte = True
        if 100 <= status < 200 and status != 101:
            self._interim = True
            self._out.append(heads.response(status, self._reason, self._headers, b"", False))
            return
        exchange.status = status
        if status == 101:
            return  # the tunnel opens once llhttp hands over the rest (HttpParserUpgrade)
        framing = b""
        names = {name.lower(): value for name, value in self._headers
                 if name.lower() in (b"content-length", b"transfer-encoding")}
        if exchange.method == b"HEAD" or status in NO_BODY:
            self._body = "none"
            if b"content-length" in names:
                framing = b"Content-Length: " + names[b"content-length"].strip()
        elif b"transfer-encoding" in names and exchange.http10:   # HTTP/1.0 knows no chunks: ends at close
            self._body, self._dechunk = "chunked", True
            exchange.client_keep = False
        elif b"transfer-encoding" in names:
            self._body, framing = "chunked", b"Transfer-Encoding: chunked"
        elif b"content-length" in names:
            self._body, framing = "length", b"Content-Length: " + names[b"content-length"].strip()
        else:
            self._body = "close"
        keep = self.parser.should_keep_alive() and self._body != "close"
        exchange.client_keep = exchange.client_keep and self._body != "close"
        self.reusable = keep
        self._out.append(heads.response(status, self._reason, self._headers, framing, not exchange.client_keep,
                                        keep_alive=exchange.http10 and exchange.client_keep))
        if exchange.method == b"HEAD":
            # llhttp cannot know a HEAD response has no body: done now, a fresh parser for the next one
            self.parser = httptools.HttpResponseParser(self)
            self._complete()

    def on_body(self, body: bytes):
        exchange = self.exchange
        exchange.response_bytes += len(body)
        self._out.append(heads.chunk(body) if self._body == "chunked" and not self._dechunk else body)

    def on_message_complete(self):
        if self._interim:
            self._reset()
            return
        if self.exchange is not None and self.exchange.status != 101:
            if self._body == "chunked" and not self._dechunk:
                self._out.append(heads.LAST_CHUNK)
            self._complete()

    # -- endings --------------------------------------------------------------------------------
    def _complete(self) -> None:
        exchange, client = self.exchange, self.client
        if exchange is None:
            return
        self._flush()
        self.router.unwatch(self)
        self.router.line(**exchange.line(status=exchange.status, bytes_=exchange.response_bytes))
        self.exchange, self.client = None, None
        if self.reusable and not self.closed:
            self.router.pool_put(self)
        else:
            self.transport.close()
        client.finished(exchange, exchange.client_keep)

    def _open_tunnel(self, rest: bytes) -> None:
        self._out = []
        exchange, client = self.exchange, self.client
        self.router.unwatch(self)
        self.tunnel = True
        client.upgraded(self, heads.response(101, self._reason, self._headers, b"", False, upgrade=True), rest)
        self.router.line(**exchange.line(status=101, bytes_=0))
        if exchange.upgrade_rest:
            self.transport.write(exchange.upgrade_rest)

    def _malformed(self) -> None:
        """A response llhttp refuses: H17 before the client got anything, else H18."""
        self._out = []
        exchange, client = self.exchange, self.client
        self._drop()
        if not exchange.answered:
            client.fail(exchange, "H17", **exchange.line(status=503, bytes_=0))
        else:
            self.router.line(**exchange.line(status=exchange.status, bytes_=0), code="H18", sock="backend")
            client.close()

    def check_time(self, now: float) -> None:
        """H12 without a first byte within the router timeout; H15 when the answer stalls."""
        exchange, client = self.exchange, self.client
        if exchange is None:
            self.router.unwatch(self)
            return
        if not exchange.first_byte:
            if now - exchange.started >= self.router.timeouts.router:
                self._drop()
                client.fail(exchange, "H12", **exchange.line(status=503, bytes_=0))
        elif now - exchange.last_activity >= self.router.timeouts.idle:
            self._drop()
            self.router.line(**exchange.line(status=exchange.status, bytes_=0), code="H15")
            client.close()

    def _drop(self):
        self.router.unwatch(self)
        self.exchange, self.client = None, None
        self.transport.close()

    def abandon(self):
        """The client went away: this connection's response is nobody's."""
        self._drop()
