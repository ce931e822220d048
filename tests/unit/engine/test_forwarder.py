"""The forwarder on 127.0.0.1 over relayed streams (a fake engine on a socket pair, no Docker)."""

import socket
import threading

from herosim.engine.dialer import RelayStream
from herosim.engine.forwarder import Forwarder
from herosim.engine.frames import frame


def fake_engine_stream() -> RelayStream:
    """A RelayStream whose far end plays the engine and relay: upper-cases what it gets, in
    frames, and ends when its stdin ends (the half-close travels)."""
    ours, theirs = socket.socketpair()

    def engine():
        with theirs:
            while data := theirs.recv(7):
                theirs.sendall(frame(data.upper()))
            theirs.sendall(frame(b"<eof>"))
    threading.Thread(target=engine, daemon=True).start()
    return RelayStream(ours, "10.215.0.2:5432")


def exchange(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(payload)
        conn.shutdown(socket.SHUT_WR)
        out = b""
        while data := conn.recv(100):
            out += data
    return out


def test_each_connection_gets_its_own_stream_both_ways():
    opened = []

    def open_stream():
        opened.append(1)
        return fake_engine_stream()

    with Forwarder(open_stream) as forwarder:
        assert forwarder.listener.getsockname()[0] == "127.0.0.1"   # this machine only
        assert exchange(forwarder.port, b"select 1;" * 100) == b"SELECT 1;" * 100 + b"<eof>"
        assert exchange(forwarder.port, b"again") == b"AGAIN<eof>"
    assert len(opened) == 2


def test_a_stream_that_cannot_open_closes_the_connection():
    def fail():
        raise OSError("the engine is away")

    with Forwarder(fail) as forwarder:
        try:
            answered = exchange(forwarder.port, b"hello")
        except OSError:   # closed at once: a reset, or not connected any more
            answered = b""
        assert answered == b""
