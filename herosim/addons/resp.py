"""Just enough of the Redis protocol (RESP) to probe a Key-Value Store from this machine:
TLS without verification (as Heroku's CLI connects), AUTH, one command, one reply."""

from __future__ import annotations

import socket
import ssl


class RespError(Exception):
    pass


def encode(*args: str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _read_reply(stream) -> object:
    line = stream.readline()
    if not line:
        raise RespError("connection closed")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n")
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RespError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:-2].decode(errors="replace")
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [_read_reply(stream) for _ in range(size)]
    raise RespError(f"unexpected reply {line[:40]!r}")


def call(host: str, port: int, password: str, *command: str, timeout: float = 3.0, tls: bool = True) -> object:
    """AUTH (with a password), then `command`; its reply (a RespError for an error reply)."""
    with socket.create_connection((host, port), timeout=timeout) as raw:
        if not tls:
            return _exchange(raw, password, command)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with context.wrap_socket(raw, server_hostname=host) as sock:
            return _exchange(sock, password, command)


def _exchange(sock, password: str, command: tuple[str, ...]) -> object:
    stream = sock.makefile("rb")
    sock.sendall((encode("AUTH", password) if password else b"") + encode(*command))
    if password:
        _read_reply(stream)
    return _read_reply(stream)
