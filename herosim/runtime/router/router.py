"""The HTTP front door: forwards to a random `web` dyno, adds Heroku's headers, answers
Heroku's H-codes, and writes a `heroku[router]` line per request.

asyncio protocols (callbacks, no task per request) on uvloop when it is installed, llhttp
(httptools) for parsing: the router sits on every request's path, on a machine whose cores
the app itself needs.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable

from herosim.platform.timeouts import Timeouts
from herosim.runtime.router import pages
from herosim.runtime.router.downstream import Client, TlsClient
from herosim.runtime.router.exchange import Backends, Exchange
from herosim.runtime.router.front import FrontDoor
from herosim.runtime.router.lines import router_line
from herosim.runtime.router.tunnel import EngineAddress, Spare, open_spare
from herosim.runtime.router.upstream import Backend

try:  # the C event loop uvicorn pairs with httptools; the standard one otherwise
    import uvloop
    new_event_loop = uvloop.new_event_loop
except ImportError:  # pragma: no cover
    new_event_loop = asyncio.new_event_loop

POOL_PER_DYNO = 64
SPARES = 2   # relays started ahead of need when dynos are reached through the engine's API
SWEEP = 0.05  # seconds between checks of requests in flight (H12, H15)


class Router:
    def __init__(self, port: int, backends: Callable[[], Backends], log: Callable[[str], None],
                 timeouts: Timeouts, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None,
                 max_connections: int | None = None):
        self.port = port
        self.tls = tls
        self.max_connections = max_connections
        self._port_bytes = str(port).encode()
        self.host = host
        self.backends = backends
        self.log = log
        self.timeouts = timeouts
        # Idle connections per dyno, used in turn (first in, first out): every connection, and so
        # every worker process of the dyno that accepted one, gets its share of requests.
        self.pool: dict[tuple[str, int], deque[Backend]] = {}
        self.inflight: set[Backend] = set()   # waiting on a dyno: checked for H12 and H15
        self.clients: set[Client] = set()     # open client connections (the cap counts them)
        self.loop = new_event_loop()
        self._engine: EngineAddress | None = None   # read when a dyno is first reached through the engine
        self._spares: deque[Spare] = deque()
        self._spare_via = ""
        self._spares_coming = 0
        self._front: FrontDoor | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, name="router", daemon=True)

    def start(self) -> None:
        """Bind and serve on a thread; raises OSError when the port is taken."""
        self._front = FrontDoor(self.loop, self.host, self.port,
                                lambda tls: TlsClient(self) if tls else Client(self), self.tls,
                                make_room=self._make_room, cap=self.max_connections)
        self._thread.start()
        self.loop.call_soon_threadsafe(self._front.start)
        self.loop.call_soon_threadsafe(self._sweep)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        def shutdown():
            if self._front is not None:
                self._front.close()
            for conns in self.pool.values():
                for backend in conns:
                    backend.transport.close()
            for spare in self._spares:
                spare.transport.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(shutdown)
        self._thread.join(timeout=5)

    def line(self, **fields) -> None:
        """One router log line; its text is made off the request's path when the log can wait."""
        defer = getattr(self.log, "defer", None)
        if defer is not None:
            defer(router_line, **fields)
        else:
            self.log(router_line(**fields))

    def _make_room(self, waiting: int) -> bool:
        """At the connection cap: close the client idle the longest (a keep-alive connection
        with nothing in flight), so a flood of idle connections cannot lock real clients out.
        False when every connection is busy."""
        if len(self.clients) + waiting < self._front.cap:
            return True
        idle = [c for c in self.clients if c.idle and not c.closed]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.last_activity)
        oldest.closed = True
        self.clients.discard(oldest)
        oldest.transport.close()
        return True

    def watch(self, backend: Backend) -> None:
        self.inflight.add(backend)

    def unwatch(self, backend: Backend) -> None:
        self.inflight.discard(backend)

    def _sweep(self) -> None:
        """The router's clock: one timer for every request in flight, not one per request."""
        now = time.monotonic()
        for backend in list(self.inflight):
            backend.check_time(now)
        self.loop.call_later(SWEEP, self._sweep)

    def our_headers(self, fwd: str, request_id: str, tls: bool = False) -> list[tuple[bytes, bytes]]:
        return [(b"X-Forwarded-For", fwd.encode("latin-1")), (b"X-Forwarded-Proto", b"https" if tls else b"http"),
                (b"X-Forwarded-Port", self._port_bytes), (b"X-Request-Start", b"%d" % int(time.time() * 1000)),
                (b"X-Request-Id", request_id.encode()), (b"Via", b"1.1 heroku-router")]

    # -- choosing and reaching a dyno ----------------------------------------------------------
    def page(self, code: str) -> bytes:
        backends = self.backends()
        return pages.for_code(code, backends.maintenance_page_url, backends.error_page_url)

    def route(self, client: Client, exchange: Exchange) -> None:
        backends = self.backends()
        if backends.maintenance:   # not an error: dynos run, requests do not reach them
            client.fail(exchange, "H80", status=503, at="info")
        elif backends.web_formation == 0:
            client.fail(exchange, "H14", status=503)
        elif backends.up:
            exchange.dyno, address, port = random.choice(backends.up)
            exchange.address = (address, port)
            exchange.via = backends.via
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
                _, backend = await self._dial(exchange)
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

    async def _dial(self, exchange: Exchange):
        """Directly, or through the engine's API when the dynos' network is not this machine's."""
        factory = lambda: Backend(self, exchange.address)  # noqa: E731
        if not exchange.via:
            return await self.loop.create_connection(factory, *exchange.address)
        if self._engine is None:
            try:
                self._engine = EngineAddress.from_env()
            except (ValueError, OSError) as exc:
                raise ConnectionError(str(exc)) from exc
        spare = self._take_spare(exchange.via)
        if spare is None:
            spare = await open_spare(self.loop, self._engine, exchange.via)
        self._refill(exchange.via)
        return spare.bind(*exchange.address, factory)

    def _take_spare(self, via: str) -> Spare | None:
        if via != self._spare_via:   # another relay container: the old one's spares are useless
            for spare in self._spares:
                spare.transport.close()
            self._spares.clear()
            self._spare_via = via
        while self._spares:
            spare = self._spares.popleft()
            if not spare.dead:
                return spare
        return None

    def _refill(self, via: str) -> None:
        async def one():
            try:
                spare = await open_spare(self.loop, self._engine, via)
            except (OSError, ValueError, KeyError):
                return
            finally:
                self._spares_coming -= 1
            if via == self._spare_via and len(self._spares) < SPARES:
                self._spares.append(spare)
            else:
                spare.transport.close()
        while len(self._spares) + self._spares_coming < SPARES:
            self._spares_coming += 1
            self.loop.create_task(one())

    def _pool_get(self, address) -> Backend | None:
        conns = self.pool.get(address)
        while conns:
            backend = conns.popleft()
            if not backend.closed:
                return backend
        return None

    def pool_put(self, backend: Backend) -> None:
        conns = self.pool.setdefault(backend.address, deque())
        if len(conns) < POOL_PER_DYNO:
            conns.append(backend)
        else:
            backend.transport.close()

    def pool_forget(self, backend: Backend) -> None:
        conns = self.pool.get(backend.address)
        if conns and backend in conns:
            conns.remove(backend)
