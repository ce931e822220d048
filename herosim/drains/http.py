"""An HTTPS (or HTTP) drain, as Logplex's `logplex_http_drain` delivers: POSTs of up to
100 KB of frames with `Content-Type: application/logplex-1` and its `Logplex-*` headers.

A batch gets three tries (`http_frame_retries` 2, plus the first); a 2xx delivers it, a 4xx
other than 429 drops it at once, anything else (5xx, 429, a timeout, a reset) retries it.
A failed connection costs no try: it is retried after Logplex's backoff (10 ms times a
random slot of up to 2^n - 1, n ≤ 10, halved). Dropped messages are announced in the next
batch that goes out by an L10 frame. A drain that has not delivered for five minutes shrinks
its buffer to 10 messages until it delivers again. Connect timeout 3 s, request 5 s,
an idle connection is closed after 144 s."""

from __future__ import annotations

import base64
import http.client
import random
import ssl
import time
import uuid
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from herosim.drains import frames
from herosim.drains.buffer import DEFAULT_SIZE, SHRUNK_SIZE, Batch
from herosim.drains.worker import Worker
from herosim.platform.logline import LogLine

CONNECT_TIMEOUT, REQUEST_TIMEOUT = 3.0, 5.0
TRIES = 3
RECONNECT_MS = 10
MAX_SLOT = 10
IDLE_CLOSE = 144.0
SHRINK_AFTER = 300.0
USER_AGENT = "Logplex/herosim"
RESPONSE_LIMIT = 64 * 1024  # what is read of a receiver's answer before the connection is dropped


@dataclass(frozen=True)
class Pending:
    batch: Batch
    frame_id: str
    tries: int = TRIES


def backoff_ms(attempt: int, rng: random.Random) -> int:
    """`logplex_http_drain:backoff_time/1`."""
    if attempt <= 0:
        return 0
    slot = min(MAX_SLOT, attempt)
    return RECONNECT_MS * int(max(0, (2 ** rng.randint(1, slot) - 1) / 2))


def request_head(url: str) -> tuple[str, str, dict[str, str]]:
    """(Host header, request target, authorization headers) of a drain URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    host_header = f"{host}:{parts.port}" if parts.port else host
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    auth = {}
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    return host_header, target, auth


class HttpDrain(Worker):
    def __init__(self, drain, *, rng: random.Random | None = None, monotonic=time.monotonic,
                 context: ssl.SSLContext | None = None, **kwargs):
        super().__init__(drain, **kwargs)
        self.rng = rng or random.Random()
        self.monotonic = monotonic
        self.context = context
        self.pending: Pending | None = None
        self.dropped_count, self.dropped_since = 0, None   # Logplex's drop_info
        self.attempt = 0
        self.last_good: float | None = None
        self.degraded = False
        self._conn: http.client.HTTPConnection | None = None
        self._used = 0.0

    def encode(self, line: LogLine) -> bytes:
        return frames.frame(frames.http_message(line))

    def step(self) -> None:
        if self.pending is None:
            if not self.wait_for_data():
                self._close_if_idle()
                return
            batch = self.take(frames.FRAME_TARGET_HTTP)
            self.pending = Pending(batch, uuid.uuid4().hex.upper())
        try:
            conn = self._connect()
        except OSError as exc:
            self.counters.last_error = f"connect: {exc}"
            self._failed(consumed_try=False)
            return
        self.attempt = 0
        try:
            status = self._post(conn, self.pending)
        except (OSError, http.client.HTTPException) as exc:
            self.counters.last_error = f"send: {type(exc).__name__}: {exc}"
            self._failed(consumed_try=True)
            return
        self._answered(status)

    # -- outcomes -------------------------------------------------------------------------------
    def _answered(self, status: int) -> None:
        pending = self.pending
        if 200 <= status < 300:
            self.pending = None
            self.counters.delivered += pending.batch.count
            self.dropped_count, self.dropped_since = 0, None
            self.last_good = self.monotonic()
            if self.degraded:
                self.degraded = False
                self.resize(DEFAULT_SIZE)
        elif 400 <= status < 500 and status != 429:
            self.counters.last_error = f"HTTP {status}: batch dropped"
            self._drop()
        else:
            self.counters.last_error = f"HTTP {status}"
            self._failed(consumed_try=True)

    def _failed(self, consumed_try: bool) -> None:
        self.close()
        if consumed_try:
            if self.pending.tries >= 2:
                self.pending = replace(self.pending, tries=self.pending.tries - 1)
            else:
                self._drop()
        self._maybe_shrink()
        self.pause(backoff_ms(self.attempt, self.rng) / 1000)
        self.attempt += 1

    def _drop(self) -> None:
        batch = self.pending.batch
        self.pending = None
        lost = batch.count + batch.lost
        if lost:
            if self.dropped_count == 0:
                self.dropped_since = self.clock()
            self.dropped_count += lost
            self.counters.dropped += lost

    def _maybe_shrink(self) -> None:
        if self.last_good is None:
            self.degraded = True
        elif not self.degraded and self.monotonic() - self.last_good > SHRINK_AFTER:
            self.degraded = True
            self.resize(SHRUNK_SIZE)

    # -- the wire -----------------------------------------------------------------------------
    def body(self, pending: Pending) -> tuple[bytes, int]:
        """The request body and its message count, an L10 frame first when messages were lost."""
        batch = pending.batch
        lost = self.dropped_count + batch.lost
        if not lost:
            return batch.body, batch.count
        since = self.dropped_since if self.dropped_count else self.clock()
        return frames.http_overflow(lost, since, self.clock()) + batch.body, batch.count + 1

    def _post(self, conn: http.client.HTTPConnection, pending: Pending) -> int:
        body, count = self.body(pending)
        host, target, auth = request_head(self.drain.url)
        conn.sock.settimeout(REQUEST_TIMEOUT)
        conn.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
        for name, value in (("Host", host), *auth.items(), ("Content-Type", "application/logplex-1"),
                            ("Logplex-Msg-Count", str(count)), ("Logplex-Frame-Id", pending.frame_id),
                            ("Logplex-Drain-Token", self.drain.token), ("User-Agent", USER_AGENT),
                            ("Content-Length", str(len(body)))):
            conn.putheader(name, value)
        conn.endheaders(body)
        self.counters.requests += 1
        response = conn.getresponse()
        left = RESPONSE_LIMIT
        while left > 0 and response.read(min(left, 8192)):
            left -= 8192
        if left <= 0 or response.will_close:
            self.close()
        self._used = self.monotonic()
        return response.status

    def _connect(self) -> http.client.HTTPConnection:
        if self._conn is not None and self._conn.sock is not None:
            return self._conn
        end = self.drain.endpoint
        if end.tls:
            context = self.context or ssl.create_default_context()
            conn = http.client.HTTPSConnection(end.host, end.port, timeout=CONNECT_TIMEOUT, context=context)
        else:
            conn = http.client.HTTPConnection(end.host, end.port, timeout=CONNECT_TIMEOUT)
        conn.connect()
        self._conn, self._used = conn, self.monotonic()
        return conn

    def _close_if_idle(self) -> None:
        if self._conn is not None and self.monotonic() - self._used > IDLE_CLOSE:
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
