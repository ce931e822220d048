"""A syslog drain over TCP (`syslog://`) or TLS (`syslog+tls://`), as Logplex's
`logplex_tcpsyslog_drain` and `logplex_tlssyslog_drain` deliver: RFC 6587 octet-counted
frames written in packets of up to 4 KB, an L10 frame for what the buffer dropped.

Reconnects follow Logplex: the first connection at once; after a connection that worked,
30 s later if it last delivered less than 30 s ago; after n failures in a row, 2^n seconds (300
from the tenth on). Messages written to a connection that then fails are gone (Logplex: "lost to
tcp"). After more than 10 failures with a full buffer that dropped messages, the buffer
shrinks to 10 messages until a connection succeeds. Connect and send timeouts 4 s; an idle
connection is closed after 240 s."""

from __future__ import annotations

import socket
import ssl
import time

from herosim.drains import frames
from herosim.drains.buffer import DEFAULT_SIZE, SHRUNK_SIZE
from herosim.drains.worker import Worker
from herosim.platform.logline import LogLine

SEND_TIMEOUT = 4.0
RECONNECT_MIN = 30.0
BACKOFF_MAX = 300
SHRINK_AFTER = 10
IDLE_CLOSE = 240.0


def backoff_seconds(failures: int) -> int:
    """`logplex_tcpsyslog_drain:reconnect/1` after `failures` failed attempts in a row (its cap
    applies past 9 failures, so the ninth waits 512 s, as Logplex's arithmetic has it)."""
    if failures > BACKOFF_MAX.bit_length():
        return BACKOFF_MAX
    return 1 << failures


class SyslogDrain(Worker):
    def __init__(self, drain, *, monotonic=time.monotonic, context: ssl.SSLContext | None = None, **kwargs):
        super().__init__(drain, **kwargs)
        self.monotonic = monotonic
        self.context = context
        self.failures = 0
        self.last_good: float | None = None
        self._sock: socket.socket | None = None
        self._used = 0.0

    def encode(self, line: LogLine) -> bytes:
        return frames.frame(frames.syslog_message(line, self.drain.token))

    def step(self) -> None:
        if not self.wait_for_data():
            if self._sock is not None and self.monotonic() - self._used > IDLE_CLOSE:
                self.close()
            return
        if self._sock is None and not self._reconnect():
            return
        sock = self._sock
        if sock is None:   # (_reconnect made it)
            return
        batch = self.take(frames.FRAME_TARGET_SYSLOG)
        data = batch.body
        if batch.lost:
            data = frames.syslog_overflow(batch.lost, batch.lost_since, self.clock(), self.drain.token) + data
        try:
            sock.sendall(data)
        except OSError as exc:
            self.counters.last_error = f"send: {exc}"
            self.counters.dropped += batch.count  # written to a connection that failed: lost, as in Logplex
            self.close()
            self.failures += 1
            return
        self.counters.delivered += batch.count
        self.counters.requests += 1
        self.failures = 0
        self.last_good = self._used = self.monotonic()

    def _reconnect(self) -> bool:
        """Wait as Logplex waits, then connect; False when the attempt failed."""
        if self.failures:
            self.pause(backoff_seconds(self.failures))
        elif self.last_good is not None and self.monotonic() - self.last_good < RECONNECT_MIN:
            self.pause(RECONNECT_MIN)
        if self.stopping:
            return False
        try:
            self._sock = self._open()
        except OSError as exc:
            self.counters.last_error = f"connect: {exc}"
            self.failures += 1
            self._maybe_shrink()
            return False
        if self.buffer.size < DEFAULT_SIZE:
            self.resize(DEFAULT_SIZE)
        self._used = self.monotonic()
        return True

    def _open(self) -> socket.socket:
        end = self.drain.endpoint
        sock = socket.create_connection((end.host, end.port), timeout=SEND_TIMEOUT)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if not end.tls:
            return sock
        context = self.context or ssl.create_default_context()
        if not end.verify:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            return context.wrap_socket(sock, server_hostname=end.host)
        except OSError:
            sock.close()
            raise

    def _maybe_shrink(self) -> None:
        full = len(self.buffer) >= self.buffer.size
        if self.buffer.size != SHRUNK_SIZE and full and self.buffer.lost and self.failures > SHRINK_AFTER:
            self.resize(SHRUNK_SIZE)

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
