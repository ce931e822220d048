"""A port on this machine's 127.0.0.1 for a tool that wants an address (psycopg2, psql): each
connection it accepts is carried by a fresh stream from the dialer, for as long as the
forwarder is open. Only this machine's loopback listens; at most `limit` connections at once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from herosim.engine.dialer import CHUNK, SocketStream, Stream


class Forwarder:
    def __init__(self, open_stream: Callable[[], Stream], limit: int = 16):
        self.open_stream = open_stream
        self.slots = threading.BoundedSemaphore(limit)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(limit)
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="herosim-forwarder", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def close(self) -> None:
        self.closed.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()

    def __enter__(self) -> Forwarder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if not self.slots.acquire(blocking=False):
                conn.close()   # over the limit: refused, as a full server refuses
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        local = SocketStream(conn)
        try:
            try:
                remote = self.open_stream()
            except Exception:   # the tool sees a closed connection; its own error says the rest
                return
            up = threading.Thread(target=pump, args=(local, remote), daemon=True)
            up.start()
            pump(remote, local)
            up.join()
            remote.close()
        finally:
            conn.close()
            self.slots.release()


def pump(source: Stream, target: Stream) -> None:
    """Bytes from source to target until source ends (then target's write side ends too)."""
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            target.sendall(data)
    except (OSError, ValueError):   # ValueError: the engine's stream broke (frames.FrameError)
        pass
    target.shutdown_write()
