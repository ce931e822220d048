"""HTTP/1.1 message heads for the router: parsing, editing, framing rules (pure)."""

from __future__ import annotations

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
