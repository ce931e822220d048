"""HTTP/1.1 message framing for the router (pure parsing plus asyncio stream copying)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9+/=\-]{20,200}$")
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                        "proxy-authenticate", "proxy-authorization"})
RESPONSE_HOP_BY_HOP = HOP_BY_HOP - {"trailer"}


class BadMessage(Exception):
    pass


@dataclass
class Head:
    start_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def remove(self, name: str) -> None:
        name = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name]

    def without(self, names: set[str] | frozenset[str]) -> "Head":
        """A copy without the named headers (lower-case names), in one pass."""
        return Head(self.start_line, [(k, v) for k, v in self.headers if k.lower() not in names])

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.headers.append((name, value))

    def tokens(self, name: str) -> set[str]:
        return {t.strip().lower() for k, v in self.headers if k.lower() == name.lower() for t in v.split(",")}

    def encode(self) -> bytes:
        lines = [self.start_line] + [f"{k}: {v}" for k, v in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def parse_head(data: bytes) -> Head:
    try:
        text = data.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes everything
        raise BadMessage(str(exc)) from exc
    lines = text.split("\r\n")
    if not lines or not lines[0]:
        raise BadMessage("empty start line")
    head = Head(lines[0])
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadMessage(f"malformed header line {line!r}")
        head.headers.append((name, value.strip()))
    return head


def request_parts(head: Head) -> tuple[str, str, str]:
    parts = head.start_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise BadMessage(f"malformed request line {head.start_line!r}")
    return parts[0], parts[1], parts[2]


def response_status(head: Head) -> int:
    parts = head.start_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise BadMessage(f"malformed status line {head.start_line!r}")
    return int(parts[1])


def keep_alive(head: Head, version: str) -> bool:
    tokens = head.tokens("connection")
    if "close" in tokens:
        return False
    if version == "HTTP/1.0":
        return "keep-alive" in tokens
    return True


def encode_with(head: Head, extra: list[tuple[str, str]]) -> bytes:
    lines = [head.start_line] + [f"{k}: {v}" for k, v in head.headers] + [f"{k}: {v}" for k, v in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def body_kind(head: Head, *, request: bool, method: str = "GET", status: int = 200) -> tuple[str, int]:
    """('none'|'length'|'chunked'|'close', length) for a message's body."""
    if not request and (100 <= status < 200 or status in (204, 304) or method == "HEAD"):
        return "none", 0
    if "chunked" in head.tokens("transfer-encoding"):
        return "chunked", 0
    length = head.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            raise BadMessage(f"bad Content-Length {length!r}")
        return "length", int(length)
    return ("none", 0) if request else ("close", 0)


def valid_request_id(value: str | None) -> bool:
    return bool(value and REQUEST_ID_RE.match(value))


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    """Bytes up to the blank line; None on a clean EOF before any byte."""
    try:
        data = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise BadMessage("connection closed inside the message head") from exc
    except asyncio.LimitOverrunError as exc:
        raise BadMessage("message head too large") from exc
    if len(data) > MAX_HEAD:
        raise BadMessage("message head too large")
    return data[:-4]


async def copy_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None, kind: str,
                    length: int, idle: float | None = None, prefix: bytes = b"") -> int:
    """Copy one body as framed; returns the payload byte count. `writer` None drains it.
    `prefix` (a message head) goes out with the first body bytes, in one write."""
    count = 0
    pending = [prefix] if prefix else []

    def write(data: bytes) -> None:
        if writer is None:
            return
        if pending:
            data = pending.pop() + data
        writer.write(data)

    async def read(n: int) -> bytes:
        async with asyncio.timeout(idle):
            return await reader.read(n)

    async def read_exact(n: int) -> bytes:
        async with asyncio.timeout(idle):
            return await reader.readexactly(n)

    async def read_line() -> bytes:
        async with asyncio.timeout(idle):
            return await reader.readuntil(b"\r\n")

    if kind == "length":
        remaining = length
        while remaining:
            chunk = await read(min(remaining, 65536))
            if not chunk:
                raise asyncio.IncompleteReadError(b"", remaining)
            remaining -= len(chunk)
            count += len(chunk)
            write(chunk)
            if writer is not None and writer.transport.get_write_buffer_size() > 256 * 1024:
                await writer.drain()
    elif kind == "chunked":
        while True:
            line = await read_line()
            write(line)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, then the final CRLF
                    trailer = await read_line()
                    write(trailer)
                    if trailer == b"\r\n":
                        break
                break
            data = await read_exact(size + 2)
            count += size
            write(data)
            if writer is not None:
                await writer.drain()
    elif kind == "close":
        while True:
            chunk = await read(65536)
            if not chunk:
                break
            count += len(chunk)
            write(chunk)
            if writer is not None:
                await writer.drain()
    if pending:
        write(b"")
    if writer is not None and writer.transport.get_write_buffer_size() > 64 * 1024:
        await writer.drain()
    return count
