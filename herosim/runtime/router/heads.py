"""Request and response heads as the router sends them on: hop-by-hop headers dropped,
Heroku's headers added, framing stated once by the router itself (pure).

Parsing is llhttp's (through httptools): it refuses what would let the router and the dyno
disagree on where a message ends (a negative or malformed chunk size, a bare LF, a
duplicated or non-numeric Content-Length, Content-Length with Transfer-Encoding, `chunked`
not last). Whatever it accepts is sent on with framing the router chose, so the dyno
sees exactly the messages the router saw.
"""

from __future__ import annotations

import re

# Dropped on the way through: hop-by-hop headers, and the framing the router restates.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"upgrade",
                        b"transfer-encoding", b"content-length", b"proxy-authenticate", b"proxy-authorization"})
OURS = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-port", b"x-request-start",
                  b"x-request-id", b"via"})
REQUEST_DROP = HOP_BY_HOP | OURS
REQUEST_ID_RE = re.compile(rb"^[A-Za-z0-9+/=\-]{20,200}$")

# Size limits of a request head (Heroku's router answers larger ones with H25, "HTTP Restriction").
MAX_REQUEST_LINE = 8192
MAX_HEADER_LINE = 8192
MAX_HEADERS = 1000
MAX_HEAD = 64 * 1024


def valid_request_id(value: bytes | None) -> bool:
    return bool(value and REQUEST_ID_RE.match(value))


def request(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], ours: list[tuple[bytes, bytes]],
            framing: bytes, upgrade: bool) -> bytes:
    """The head the dyno gets: the client's headers without hop-by-hop ones (an upgrade keeps
    its Connection and Upgrade), Heroku's own, and the router's framing."""
    drop = OURS | {b"content-length", b"transfer-encoding"} if upgrade else REQUEST_DROP
    lines = [method + b" " + target + b" HTTP/1.1"]
    lines += [name + b": " + value for name, value in headers if name.lower() not in drop]
    lines += [name + b": " + value for name, value in ours]
    if framing:
        lines.append(framing)
    if not upgrade:
        lines.append(b"Connection: keep-alive")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def response(status: int, reason: bytes, headers: list[tuple[bytes, bytes]], framing: bytes, close: bool,
             upgrade: bool = False, keep_alive: bool = False) -> bytes:
    """The head the client gets (always HTTP/1.1, as Heroku's router answers even HTTP/1.0);
    `keep_alive` says so to an HTTP/1.0 client that asked to keep its connection."""
    drop = {b"content-length", b"transfer-encoding"} if upgrade else HOP_BY_HOP
    lines = [b"HTTP/1.1 %d %s" % (status, reason)]
    lines += [name + b": " + value for name, value in headers if name.lower() not in drop]
    if framing:
        lines.append(framing)
    if close:
        lines.append(b"Connection: close")
    elif keep_alive:
        lines.append(b"Connection: keep-alive")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"


def error_page(code: str, request_id: str, body: bytes, status: int = 503, reason: bytes = b"Service Unavailable",
               content_type: bytes = b"text/html; charset=utf-8") -> bytes:
    return (b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nX-Request-Id: %s\r\n"
            b"X-Herosim-Error: %s\r\nConnection: close\r\n\r\n%s"
            % (status, reason, content_type, len(body), request_id.encode(), code.encode(), body))
