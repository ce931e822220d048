"""The router's port: accepts connections and tells TLS from plain HTTP by the first byte
(a TLS handshake record starts with 0x16; no HTTP method does), so one port serves both, as
a `*.herokuapp.com` app is served on HTTP and HTTPS. TLS ends here; the dyno gets HTTP/1.1.

Following Heroku's router: TLS 1.2 and 1.3 only (an older client's handshake is refused with
the protocol_version alert), ALPN offers `http/1.1` alone (no HTTP/2 to clients yet, see
README), a connection that sends nothing is closed after a deadline."""

from __future__ import annotations

import resource
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

TLS_HANDSHAKE = 0x16
FIRST_BYTE_TIMEOUT = 55.0   # a connection that sends nothing (Heroku closes idle ones after a minute)
HANDSHAKE_TIMEOUT = 10.0
BACKLOG = 1024
MAX_CONNECTIONS = 4096      # open client connections, at most (each may hold a dyno connection too)


def connection_cap() -> int:
    """MAX_CONNECTIONS, or what the process's file descriptors allow: the soft limit is raised
    to the hard one first (a router holds two descriptors per request in flight)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        except (ValueError, OSError):
            pass
    return max(16, min(MAX_CONNECTIONS, soft // 2 - 32))


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    context.set_alpn_protocols(["http/1.1"])
    context.options |= ssl.OP_NO_RENEGOTIATION | ssl.OP_CIPHER_SERVER_PREFERENCE
    return context


class FrontDoor:
    """Listens on (host, port); each connection, once its first byte says which it is, goes to
    `protocol_factory(tls)` over plain TCP or over TLS."""

    def __init__(self, loop, host: str, port: int, protocol_factory: Callable[[bool], object],
                 tls: ssl.SSLContext | None, on_error: Callable[[str], None] = lambda message: None,
                 make_room: Callable[[int], bool] = lambda waiting: True, cap: int | None = None):
        self.loop = loop
        self.factory = protocol_factory
        self.tls = tls
        self.on_error = on_error
        self.make_room = make_room
        self.cap = cap or connection_cap()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
            self.sock.listen(BACKLOG)
        except OSError:
            self.sock.close()
            raise
        self.sock.setblocking(False)
        self.waiting: dict[int, tuple[socket.socket, object]] = {}   # fd -> (socket, deadline timer)
        self.closed = False

    def start(self) -> None:
        self.loop.add_reader(self.sock.fileno(), self._accept)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
        for fd in list(self.waiting):
            self._drop(fd)

    # -- accepting ------------------------------------------------------------------------------
    def _accept(self) -> None:
        for _ in range(64):   # a burst at a time: other connections get their turn
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:   # out of file descriptors: stop accepting for a moment
                self.on_error(f"accept failed: {exc.strerror or exc}")
                self.loop.remove_reader(self.sock.fileno())
                self.loop.call_later(0.5, self._resume)
                return
            if len(self.waiting) >= self.cap // 2:    # silent connections: the oldest goes first
                self._drop(next(iter(self.waiting)))
            if not self.make_room(len(self.waiting)):
                conn.close()   # every connection is busy: this one is refused, the others go on
                continue
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            fd = conn.fileno()
            timer = self.loop.call_later(FIRST_BYTE_TIMEOUT, self._drop, fd)
            self.waiting[fd] = (conn, timer)
            self.loop.add_reader(fd, self._sniff, fd)

    def _resume(self) -> None:
        if not self.closed:
            self.loop.add_reader(self.sock.fileno(), self._accept)

    def _sniff(self, fd: int) -> None:
        conn, timer = self.waiting[fd]
        try:
            first = conn.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            first = b""
        if not first:
            self._drop(fd)
            return
        self.loop.remove_reader(fd)
        timer.cancel()
        del self.waiting[fd]
        tls = first[0] == TLS_HANDSHAKE and self.tls is not None
        self.loop.create_task(self._hand_over(conn, tls))

    async def _hand_over(self, conn: socket.socket, tls: bool) -> None:
        try:
            if tls:
                await self.loop.connect_accepted_socket(lambda: self.factory(True), conn, ssl=self.tls,
                                                        ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
            else:
                await self.loop.connect_accepted_socket(lambda: self.factory(False), conn)
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError):
            conn.close()   # a failed handshake (an old TLS version, a client that does not trust us)

    def _drop(self, fd: int) -> None:
        conn, timer = self.waiting.pop(fd, (None, None))
        if conn is None:
            return
        timer.cancel()
        self.loop.remove_reader(fd)
        conn.close()
