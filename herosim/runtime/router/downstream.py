"""One client connection: requests parsed by llhttp (httptools), one at a time on their way
to a dyno (reading pauses while one is in flight; pipelined ones wait their turn).

Every buffer is bounded: a head is fed to the parser in slices and refused (H25) once it
passes the router's limits, however slowly or quickly it arrives; a body that arrives before
its dyno connection is ready is held up to PENDING_LIMIT, then the client waits; a head must
be complete within the idle timeout (H28), and an idle keep-alive connection or tunnel is
closed after it.

It reaches the dyno connection of a request (or of a tunnel) through `Upstream` alone (what
upstream.Backend offers it); the Backend reaches it through upstream.Downstream: the
methods under "what its dyno connection calls"."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from typing import Protocol

import httptools

from herosim.runtime.router import heads
from herosim.runtime.router.exchange import Exchange

HIGH_WATER = 256 * 1024
HEAD_SLICE = 16 * 1024      # a head is fed in slices this big, so its size is checked as it arrives
HEAD_LIMIT = heads.MAX_HEAD + heads.MAX_REQUEST_LINE
PENDING_LIMIT = 256 * 1024  # body bytes held while the dyno connection opens; then reading pauses


def new_request_id() -> str:
    """A version-4 UUID, as Heroku's request ids are; made without the uuid module's objects
    (the router makes one per request). Unique, not secret."""
    h = "%032x" % random.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


class Upstream(Protocol):
    """What a Client asks of the dyno connection its request (or its tunnel) goes through."""

    def write(self, data: bytes) -> None: ...   # request or tunnel bytes to the dyno
    def pause(self) -> None: ...                # the client reads slowly: stop reading the dyno
    def resume(self) -> None: ...
    def close(self) -> None: ...                # a tunnel ends
    def abandon(self) -> None: ...              # the client went away: its response is nobody's


class Restricted(Exception):
    """A request head over the router's size limits (H25)."""


class _Upgraded(Exception):
    """llhttp stopped at an upgrade request: `rest` is what follows its head."""

    def __init__(self, rest: bytes):
        self.rest = rest


class Client(asyncio.Protocol):
    def __init__(self, router, tls: bool = False):
        self.router = router
        self.tls = tls                    # came in over TLS: X-Forwarded-Proto https, tls=true
        self.transport = None
        self.peer = ""
        self.parser = httptools.HttpRequestParser(self)
        self.exchange: Exchange | None = None      # in flight
        self.parsing: Exchange | None = None       # being read
        self.waiting: deque[Exchange] = deque()    # pipelined, complete, not sent yet
        self.tunnel: Upstream | None = None
        self.broken: bytes = b""          # the 400 owed once the requests before a bad one are answered
        self.closed = False
        self.idle_timer = None
        self.last_activity = time.monotonic()
        self.holds: set[str] = set()      # why reading is paused; it reads again once none is left
        self.in_head = False              # between a request's first byte and its last header
        self.in_body = False
        self.head_started = 0.0
        self._head_bytes = 0
        self._reset_head()

    def _reset_head(self):
        self._target = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._size = 0
        self._restriction = ""

    def hold(self, reason: str) -> None:
        """Stop reading the client for `reason` (a queued pipelined request, a body its dyno
        cannot take yet, an upgrade waiting for its answer, a refused request)."""
        if not self.holds and not self.closed:
            self.transport.pause_reading()
        self.holds.add(reason)

    def release(self, *reasons: str) -> None:
        if not self.holds:
            return
        self.holds.difference_update(reasons)
        if not self.holds and not self.closed:
            self.transport.resume_reading()

    @property
    def idle(self) -> bool:
        """No request of it is being read, waits, or is in flight: it may be closed to make room."""
        return self.exchange is None and self.tunnel is None and not self.waiting and not self.in_head \
            and not self.in_body
    # -- asyncio callbacks --------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER)
        self.peer = (transport.get_extra_info("peername") or ("",))[0]
        self.router.clients.add(self)
        self.idle_timer = self.router.loop.call_later(self.router.timeouts.idle, self._idle_check)

    def data_received(self, data: bytes):
        self.last_activity = time.monotonic()
        if self.tunnel is not None:
            self.tunnel.write(bytes(data))   # a view of a reused buffer must not be kept
            return
        try:
            self._feed(data)
        except _Upgraded as upgrade:
            if self.parsing is not None:  # the rest belongs to the tunnel once the dyno agrees
                self.parsing.upgrade_rest = upgrade.rest
                self._message_done()
        except (httptools.HttpParserError, Restricted) as exc:
            self._reject(exc)
            return
        # Routed only once all of this read parsed: a request whose framing turns out to be bad
        # in the same read never reaches a dyno.
        if self.exchange is None and self.waiting:
            self.exchange = self.waiting.popleft()
            self.router.route(self, self.exchange)

    def _feed(self, data: bytes) -> None:
        """To llhttp: inside a body all at once; otherwise in slices, checking the head's size."""
        start = 0
        while start < len(data):
            piece = data[start:] if self.in_body else data[start:start + HEAD_SLICE]
            try:
                self.parser.feed_data(piece)
            except httptools.HttpParserUpgrade as upgrade:
                raise _Upgraded(bytes(data[start + upgrade.args[0]:])) from None
            start += len(piece)
            if self.in_head:
                self._head_bytes += len(piece)
                if self._head_bytes > HEAD_LIMIT:
                    self._restriction = self._restriction or "oversized header"
                    raise Restricted()

    def connection_lost(self, exc):
        self.closed = True
        self.router.clients.discard(self)
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        if self.tunnel is not None:
            self.tunnel.close()
            return
        exchange = self.exchange
        if exchange is not None:
            if not exchange.request_done:
                self.router.line(**exchange.line(status=400, bytes_=0), code="H26",
                                            cause="unexpected_upload_end")
            else:
                self.router.line(**exchange.line(status=499, bytes_=0), code="H27", at="warning")
            if exchange.backend is not None:
                exchange.backend.abandon()

    def pause_writing(self):
        """The client reads slower than its dyno writes: stop reading the dyno (a tunnel too)."""
        backend = self.tunnel if self.tunnel is not None else self.exchange.backend if self.exchange else None
        if backend is not None:
            backend.pause()

    def resume_writing(self):
        backend = self.tunnel if self.tunnel is not None else self.exchange.backend if self.exchange else None
        if backend is not None:
            backend.resume()

    # -- llhttp callbacks ---------------------------------------------------------------------
    def on_message_begin(self):
        self._reset_head()
        self.in_head = True
        self.head_started = time.monotonic()
        self._head_bytes = 0

    def on_url(self, url: bytes):
        self._target += url
        if len(self._target) > heads.MAX_REQUEST_LINE:
            self._restriction = "oversized request line"
            raise Restricted()

    def on_header(self, name: bytes, value: bytes):
        self._headers.append((name, value))
        self._size += len(name) + len(value) + 4
        if len(name) + len(value) + 2 > heads.MAX_HEADER_LINE:
            self._restriction = "oversized header"
        elif len(self._headers) > heads.MAX_HEADERS or self._size > heads.MAX_HEAD:
            self._restriction = "too many headers"
        if self._restriction:
            raise Restricted()

    def on_headers_complete(self):
        parser = self.parser
        self.in_head, self.in_body = False, True
        if parser.get_http_version() not in ("1.1", "1.0"):
            raise ValueError(f"HTTP/{parser.get_http_version()} is not supported")
        method = parser.get_method()
        found = {}
        for name, value in self._headers:
            lower = name.lower()
            if lower in (b"host", b"x-forwarded-for", b"x-request-id", b"transfer-encoding", b"content-length"):
                found.setdefault(lower, value)
        incoming = found.get(b"x-request-id")
        request_id = incoming.decode() if heads.valid_request_id(incoming) else new_request_id()
        forwarded = found.get(b"x-forwarded-for")
        fwd = f"{forwarded.decode('latin-1')}, {self.peer}" if forwarded else self.peer
        upgrade = parser.should_upgrade()
        chunked = b"transfer-encoding" in found
        if chunked:
            framing = b"Transfer-Encoding: chunked"
        elif b"content-length" in found:
            framing = b"Content-Length: " + found[b"content-length"].strip()
        else:
            framing = b""
        target = self._target
        head = heads.request(method, target, self._headers, self.router.our_headers(fwd, request_id, self.tls),
                             framing, upgrade)
        self.parsing = Exchange(
            fields={"method": method.decode("latin-1"), "path": target.decode("latin-1"),
                    "host": found.get(b"host", b"").decode("latin-1"), "request_id": request_id, "fwd": fwd,
                    "tls": self.tls},
            started=time.monotonic(), head=head, method=method, client_keep=parser.should_keep_alive(),
            upgrade=upgrade, chunked=chunked, http10=parser.get_http_version() == "1.0")
        self.parsing.last_activity = self.parsing.started
        self.waiting.append(self.parsing)

    def on_body(self, body: bytes):
        exchange = self.parsing
        data = heads.chunk(body) if exchange.chunked else body
        backend = exchange.backend
        if backend is not None and exchange is self.exchange:
            backend.write(data)
        else:
            exchange.pending.append(data)
            exchange.pending_bytes += len(data)
            if exchange.pending_bytes > PENDING_LIMIT:
                self.hold("body")   # until its dyno connection takes it (Backend.send)

    def on_message_complete(self):
        if self.parsing is not None and not self.parsing.upgrade:
            self._message_done()

    def _message_done(self):
        self.in_body = False
        exchange, self.parsing = self.parsing, None
        exchange.request_done = True
        if exchange.chunked:
            if exchange.backend is not None and exchange is self.exchange:
                exchange.backend.write(heads.LAST_CHUNK)
            else:
                exchange.pending.append(heads.LAST_CHUNK)
        if exchange.upgrade:
            self.hold("upgrade")     # what follows is the tunnel's, once the dyno agrees
        elif self.exchange is not None or len(self.waiting) > 1:
            self.hold("pipelined")   # one request at a time: the next waits, and so does reading

    # -- answers --------------------------------------------------------------------------------
    def _reject(self, exc: Exception):
        """A request llhttp refuses, or over the size limits: 400, H25 or H26, then closed.
        Complete requests read before it are answered first; the one in flight, if it is the
        bad one, is cut off from its dyno."""
        if self.closed:
            return
        restricted = bool(self._restriction) or isinstance(exc.__cause__ or exc.__context__, Restricted)
        code, desc = ("H25", f"HTTP restriction: {self._restriction}") if restricted else ("H26", "Request Error")
        cause = None if restricted else (str(exc.__cause__ or exc) or exc.__class__.__name__)
        request_id = new_request_id()
        self.router.line(method=self.parser.get_method().decode("latin-1") if self._target else "",
                         path=self._target.decode("latin-1"), host="", request_id=request_id, fwd=self.peer,
                         status=400, code=code, desc=desc, cause=cause, tls=self.tls)
        if self.parsing is not None and self.parsing in self.waiting:
            self.waiting.remove(self.parsing)  # the bad one
        bad_in_flight = self.parsing is not None and self.parsing is self.exchange
        self.parsing = None
        self.in_head = self.in_body = False
        self.broken = heads.error_page(code, request_id, b"", 400, b"Bad Request", b"text/plain")
        self.hold("broken")
        if bad_in_flight:
            exchange, self.exchange = self.exchange, None
            if exchange.backend is not None:
                exchange.backend.abandon()  # its body went bad on the way: the dyno's connection is cut
            if exchange.answered:
                self.transport.close()
                return
        if self.exchange is None and self.waiting:
            self.exchange = self.waiting.popleft()
            self.router.route(self, self.exchange)
        elif self.exchange is None:
            self._close_broken()

    def _close_broken(self):
        self.transport.write(self.broken)
        self.transport.close()

    # -- what its dyno connection calls (upstream.Downstream) -----------------------------------
    def fail(self, exchange: Exchange, code: str, **extra) -> None:
        """Answer with Heroku's error page and close (the log line goes first)."""
        self.router.line(**{**exchange.fields, **extra}, code=code)
        if self.closed:
            return
        self.transport.write(heads.error_page(code, exchange.fields["request_id"], self.router.page(code)))
        self.exchange = None
        self.transport.close()

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.transport.write(data)

    def relay(self, data: bytes) -> None:
        """Tunnel bytes from the dyno: activity, as the client's own are."""
        self.last_activity = time.monotonic()
        if not self.closed:
            self.transport.write(data)

    def upgraded(self, tunnel: Upstream, head: bytes, rest: bytes) -> None:
        """The dyno agreed to the upgrade: its 101 (and what followed it) goes out, and from now
        on bytes flow both ways through `tunnel`."""
        self.tunnel, self.exchange = tunnel, None
        self.write(head)
        if rest:
            self.write(rest)
        self.release("upgrade", "pipelined", "body")

    def close(self) -> None:
        """The response broke off (or the tunnel ended): nothing in flight any more, closed."""
        self.exchange = None
        if not self.closed:
            self.transport.close()

    def finished(self, exchange: Exchange, keep: bool) -> None:
        """The response went out: the next pipelined request, or more reading, or close."""
        self.exchange = None
        if self.closed:
            return
        if not keep:
            self.transport.close()
            return
        if self.broken and not self.waiting:
            self._close_broken()
            return
        if self.waiting:
            self.exchange = self.waiting.popleft()
            self.router.route(self, self.exchange)
        if not self.waiting:
            self.release("pipelined", "upgrade")

    def _idle_check(self):
        """Idle keep-alive connections and tunnels close after the idle timeout, as Heroku's do;
        a head still arriving after it (a byte at a time) is cut off with H28."""
        if self.closed:
            return
        idle = self.router.timeouts.idle
        now = time.monotonic()
        quiet = now - self.last_activity
        if self.in_head and now - self.head_started >= idle:
            self.router.line(method=self.parser.get_method().decode("latin-1") if self._target else "",
                             path=self._target.decode("latin-1"), host="", request_id=new_request_id(),
                             fwd=self.peer, status=499, code="H28", at="warning", tls=self.tls)
            self.transport.close()
            return
        if self.tunnel is not None and quiet >= idle:
            self.tunnel.close()
            self.transport.close()
            return
        if self.exchange is None and self.tunnel is None and not self.in_head and quiet >= idle:
            self.transport.close()
            return
        due = idle - (now - self.head_started) if self.in_head else idle - quiet
        self.idle_timer = self.router.loop.call_later(max(due, min(1.0, idle)), self._idle_check)


class TlsClient(Client, asyncio.BufferedProtocol):
    """A client over TLS, read into one buffer of its own: uvloop's TLS transport would make a
    new 256 KB buffer for every read of a plain Protocol."""

    def __init__(self, router):
        super().__init__(router, tls=True)
        self._buffer = bytearray(64 * 1024)
        self._view = memoryview(self._buffer)

    def get_buffer(self, sizehint: int):
        return self._view

    def buffer_updated(self, nbytes: int):
        self.data_received(self._view[:nbytes])

    def eof_received(self):
        return None
