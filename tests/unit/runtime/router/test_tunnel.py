"""The router's way to a dyno through the engine's API, against a fake engine on a unix
socket: the exec it asks for, the hijack, the frames out, the end (no Docker)."""

import asyncio
import json

import pytest

from herosim.engine.frames import frame, relay_command
from herosim.runtime.router.tunnel import EngineAddress, open_tunnel


class FakeEngine:
    """Answers exec create and start as dockerd does, then plays the relay: what it reads comes
    back upper-cased, in frames cut in odd places, with a line on stderr first; `bye` ends it."""

    def __init__(self):
        self.requests: list[tuple[bytes, dict]] = []

    async def serve(self, reader, writer):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            size = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-length")))
            body = json.loads(await reader.readexactly(size))
            self.requests.append((head.split(b"\r\n")[0], body))
            if b"/exec/" in head.split(b"\r\n")[0]:
                break
            answer = b'{"Id":"e1f00d"}'
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(answer)).encode() + b"\r\n\r\n" + answer)
        writer.write(b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                     b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + frame(b"relay: connected\n", stream=2))
        self.target = await reader.readuntil(b"\n")   # the relay reads its target first
        while True:
            data = await reader.read(100)
            if not data or data.strip() == b"bye":
                break
            framed = frame(data.upper())
            writer.write(framed[:3])
            await writer.drain()
            writer.write(framed[3:])
        writer.close()


class Inner(asyncio.Protocol):
    def __init__(self):
        self.data = b""
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=256 * 1024)

    def data_received(self, data):
        self.data += data

    def connection_lost(self, exc):
        self.lost.set_result(exc)


def loops():
    out = [asyncio.new_event_loop]
    try:
        import uvloop  # the router's loop when installed
        out.append(uvloop.new_event_loop)
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("new_loop", loops())
def test_a_tunnel_carries_the_dyno_s_bytes_out_of_docker_s_frames(tmp_path, new_loop):
    async def scenario():
        engine = FakeEngine()
        path = str(tmp_path / "docker.sock")
        server = await asyncio.start_unix_server(engine.serve, path)
        loop = asyncio.get_running_loop()
        _, inner = await open_tunnel(loop, EngineAddress(unix=path), "relaycontainer", "10.215.0.5", 31337, Inner)
        inner.transport.write(b"GET / HTTP/1.1\r\n\r\n")
        for _ in range(100):
            if inner.data:
                break
            await asyncio.sleep(0.01)
        first = inner.data
        inner.transport.write(b"bye")
        await asyncio.wait_for(inner.lost, 5)
        server.close()
        return engine, first
    loop = new_loop()
    try:
        engine, first = loop.run_until_complete(scenario())
    finally:
        loop.close()
    assert first == b"GET / HTTP/1.1\r\n\r\n".upper()
    (create_line, create), (start_line, start) = engine.requests
    assert create_line == b"POST /v1.41/containers/relaycontainer/exec HTTP/1.1"
    assert create == {"AttachStdin": True, "AttachStdout": True, "AttachStderr": True, "Tty": False,
                      "User": "nobody", "Cmd": relay_command()}
    assert engine.target == b"10.215.0.5 31337\n"
    assert start_line == b"POST /v1.41/exec/e1f00d/start HTTP/1.1"
    assert start == {"Detach": False, "Tty": False}


def test_an_engine_that_refuses_the_exec_is_a_connection_error(tmp_path):
    async def refuse(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 409 Conflict\r\nContent-Length: 40\r\n\r\n" + b'{"message":"container is not running"}  ')
        await writer.drain()

    async def scenario():
        path = str(tmp_path / "docker.sock")
        server = await asyncio.start_unix_server(refuse, path)
        try:
            await open_tunnel(asyncio.get_running_loop(), EngineAddress(unix=path), "gone", "10.215.0.5", 1, Inner)
        except ConnectionError as exc:
            return str(exc)
        finally:
            server.close()
    assert asyncio.run(scenario()).startswith("exec refused (409)")


def test_the_engine_address_is_read_as_the_sdk_reads_it(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock")
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    assert EngineAddress.from_env() == EngineAddress(unix="/run/user/1000/docker.sock")
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.213.255.2:2375")
    found = EngineAddress.from_env()
    assert (found.host, found.port, found.tls) == ("10.213.255.2", 2375, None)
