"""A new visitor's first request: a fresh TCP connection (and, over HTTPS, a full TLS handshake
verified against herosim's CA, no session resumption) plus one GET read to its last byte, timed
one connection at a time. The targets take turns, so the machine's drift hits them alike."""

from __future__ import annotations

import socket
import ssl
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Target:
    name: str
    url: str


@dataclass(frozen=True)
class FirstRequest:
    p50: float          # ms
    p90: float          # ms
    protocol: str       # what TLS negotiated ("" for plain HTTP)


def client_context(ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _read_response(sock) -> int:
    """Reads one response framed by Content-Length; returns its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in lines[1:] if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response body ended")
        body += chunk
    return int(lines[0].split()[1])


def once(url: str, context: ssl.SSLContext | None) -> tuple[float, str]:
    """Milliseconds for connect (+ handshake) + GET + the whole answer; the TLS version and cipher."""
    parts = urlsplit(url)
    request = f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: bench\r\n\r\n".encode()
    start = time.perf_counter()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if parts.scheme == "https":
            sock = context.wrap_socket(sock, server_hostname=parts.hostname)
        sock.sendall(request)
        status = _read_response(sock)
        elapsed = (time.perf_counter() - start) * 1000
        protocol = f"{sock.version()} {sock.cipher()[0]}" if isinstance(sock, ssl.SSLSocket) else ""
    finally:
        sock.close()
    if status != 200:
        raise SystemExit(f"{url} answered {status} to a first request")
    return elapsed, protocol


def measure(targets: list[Target], count: int, ca: Path) -> dict[str, FirstRequest]:
    context = client_context(ca)
    times: dict[str, list[float]] = {t.name: [] for t in targets}
    protocols: dict[str, str] = {}
    for target in targets:   # one warm-up each: imports, the dyno's first answer
        once(target.url, context)
    for _ in range(count):
        for target in targets:
            elapsed, protocols[target.name] = once(target.url, context)
            times[target.name].append(elapsed)
    return {name: FirstRequest(statistics.median(v), statistics.quantiles(v, n=10)[-1], protocols[name])
            for name, v in times.items()}
