"""The router's way to a dyno it cannot reach directly: a connection to the engine's API
(unix socket, or tcp with TLS as DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH say, read
as the Docker SDK reads them), an exec of the relay (engine/frames.py) in the app's relay
container, its start hijacked (`Upgrade: tcp`); then the connection is the dyno's, its bytes
out of Docker's frames. Native asyncio: no thread per connection, no Docker SDK call in the
router's loop."""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

from herosim.engine.frames import FrameError, Frames, relay_command, target_line

API = "/v1.41"
MAX_ANSWER = 64 * 1024   # an API answer (exec create, the upgrade) larger than this is not one


@dataclass(frozen=True)
class EngineAddress:
    """Where the engine's API is, as the router dials it."""
    unix: str | None = None
    host: str | None = None
    port: int | None = None
    tls: ssl.SSLContext | None = None

    @classmethod
    def from_env(cls) -> EngineAddress:
        from docker.utils import kwargs_from_env  # the SDK's reading of DOCKER_HOST and its TLS variables
        found = kwargs_from_env()
        base = found.get("base_url") or "unix:///var/run/docker.sock"
        parts = urlsplit(base)
        if parts.scheme in ("unix", "http+unix"):
            return cls(unix=parts.path)
        if parts.scheme not in ("tcp", "http", "https"):
            raise ValueError(f"the router reaches engines over unix:// or tcp:// (DOCKER_HOST={base})")
        tls = found.get("tls")
        context = None
        if tls or parts.scheme == "https":
            context = ssl.create_default_context(cafile=getattr(tls, "ca_cert", None))
            if not getattr(tls, "verify", True):
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if getattr(tls, "cert", None):
                context.load_cert_chain(*tls.cert)
        return cls(host=parts.hostname, port=parts.port or (2376 if context else 2375), tls=context)

    async def connect(self, loop, factory):
        if self.unix:
            return await loop.create_unix_connection(factory, self.unix)
        return await loop.create_connection(factory, self.host, self.port, ssl=self.tls,
                                            server_hostname=self.host if self.tls else None)


class _Answer(asyncio.Protocol):
    """One HTTP answer of the API on the connection, then (after a 101) the tunnel's bytes."""

    def __init__(self):
        self.transport = None
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._reset()

    def _reset(self):
        self.parser = httptools.HttpResponseParser(self)
        self.body = bytearray()
        self.size = 0
        self.rest = b""

    def connection_made(self, transport):
        self.transport = transport

    def on_body(self, data: bytes):
        self.body += data

    def on_message_complete(self):
        if not self.done.done():
            self.done.set_result((self.parser.get_status_code(), bytes(self.body)))

    def data_received(self, data: bytes):
        self.size += len(data)
        if self.size > MAX_ANSWER:
            self._fail(ConnectionError("the engine's answer is too long"))
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self.rest = data[upgrade.args[0]:]
            if not self.done.done():
                self.done.set_result((self.parser.get_status_code(), b""))
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"the engine's answer does not parse: {exc}"))

    def connection_lost(self, exc):
        self._fail(ConnectionError("the engine closed the connection"))

    def _fail(self, exc: Exception):
        if not self.done.done():
            self.done.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    async def ask(self, request: bytes) -> tuple[int, bytes]:
        self.done = asyncio.get_running_loop().create_future()
        self._reset()
        self.transport.write(request)
        return await self.done


def _post(path: str, body: dict, upgrade: bool = False) -> bytes:
    data = json.dumps(body).encode()
    extra = b"Connection: Upgrade\r\nUpgrade: tcp\r\n" if upgrade else b""
    return (f"POST {API}{path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n".encode() + extra + b"\r\n" + data)


class Tunnel(asyncio.Protocol):
    """The engine connection after the upgrade: frames in, the dyno's bytes to `inner`."""

    def __init__(self, inner: asyncio.Protocol, transport):
        self.inner = inner
        self.transport = transport
        self.frames = Frames()

    def data_received(self, data: bytes):
        try:
            out = self.frames.feed(data)
        except FrameError:
            self.transport.close()
            return
        if out:
            self.inner.data_received(out)

    def eof_received(self):
        return False   # the relay exited: the dyno's side ended; closed whole

    def connection_lost(self, exc):
        self.inner.connection_lost(exc)

    def pause_writing(self):
        self.inner.pause_writing()

    def resume_writing(self):
        self.inner.resume_writing()


class TunnelTransport(asyncio.Transport):
    """What the inner protocol (the router's Backend) writes to: the engine connection's
    transport, whose bytes the relay's stdin takes as they are."""

    def __init__(self, engine):
        super().__init__()
        self.engine = engine

    def write(self, data):
        self.engine.write(data)

    def close(self):
        self.engine.close()

    def is_closing(self):
        return self.engine.is_closing()

    def pause_reading(self):
        self.engine.pause_reading()

    def resume_reading(self):
        self.engine.resume_reading()

    def set_write_buffer_limits(self, high=None, low=None):
        self.engine.set_write_buffer_limits(high=high, low=low)

    def get_write_buffer_size(self):
        return self.engine.get_write_buffer_size()

    def get_extra_info(self, name, default=None):
        return self.engine.get_extra_info(name, default)

    def abort(self):
        self.engine.abort()


class Spare(asyncio.Protocol):
    """A relay started ahead of need (its exec made and hijacked), waiting for its target's
    line: the router keeps a few, so a new connection to a dyno does not wait for an exec."""

    def __init__(self, transport, rest: bytes):
        self.transport = transport
        self.rest = rest
        self.dead = False

    def data_received(self, data: bytes):
        self.rest += data[:MAX_ANSWER]   # nothing is due before the target's line: kept, bounded

    def connection_lost(self, exc):
        self.dead = True

    def bind(self, host: str, port: int, factory):
        """(transport, protocol) as loop.create_connection gives them, to host:port."""
        inner = factory()
        tunnel = Tunnel(inner, self.transport)
        self.transport.set_protocol(tunnel)
        self.transport.write(target_line(host, port))
        inner.connection_made(TunnelTransport(self.transport))
        if self.rest:
            tunnel.data_received(self.rest)
        return tunnel, inner


async def open_spare(loop, engine: EngineAddress, via: str) -> Spare:
    """A relay in the container `via`, started and waiting for its target. OSError when the
    engine cannot make it."""
    transport, answer = await engine.connect(loop, _Answer)
    try:
        status, body = await answer.ask(_post(f"/containers/{via}/exec", {
            "AttachStdin": True, "AttachStdout": True, "AttachStderr": True, "Tty": False,
            "User": "nobody", "Cmd": relay_command()}))
        if status != 201:
            raise ConnectionError(f"exec refused ({status}): {body[:200]!r}")
        exec_id = json.loads(body)["Id"]
        status, _ = await answer.ask(_post(f"/exec/{exec_id}/start", {"Detach": False, "Tty": False}, upgrade=True))
        if status != 101:
            raise ConnectionError(f"exec start refused ({status})")
    except BaseException:
        transport.close()
        raise
    spare = Spare(transport, answer.rest)
    transport.set_protocol(spare)
    return spare


async def open_tunnel(loop, engine: EngineAddress, via: str, host: str, port: int, factory):
    """(transport, protocol) to host:port from inside the container `via`, with no spare."""
    return (await open_spare(loop, engine, via)).bind(host, port, factory)
