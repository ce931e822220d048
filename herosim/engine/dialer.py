"""How this machine reaches an address inside an app's network: directly when it reaches the
engine's container addresses (a local engine on Linux), else a byte stream through the
engine's API (an exec of the relay in a container on that network, frames.py). The same two
ways the router uses (router/tunnel.py), for the host-side tools: probes, the pytest
plugin's db(), through a `Forwarder` on 127.0.0.1 when a tool wants an address."""

from __future__ import annotations

import socket
import ssl
from typing import Any, Protocol, cast

from herosim.engine import capabilities
from herosim.engine.client import translated
from herosim.engine.frames import Frames, relay_command
from herosim.errors import HerosimError

CHUNK = 65536


class Stream(Protocol):
    def sendall(self, data: bytes) -> None: ...
    def recv(self, size: int) -> bytes: ...          # b"" at the end
    def shutdown_write(self) -> None: ...
    def close(self) -> None: ...


class SocketStream:
    def __init__(self, sock: socket.socket):
        self.sock = sock

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, size: int) -> bytes:
        return self.sock.recv(size)

    def shutdown_write(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


class RelayStream(SocketStream):
    """The hijacked connection of an exec of the relay: what is sent is the relay's stdin,
    what is received its stdout, out of Docker's frames."""

    def __init__(self, sock, target: str):
        super().__init__(sock)
        self.target = target
        self.frames = Frames()
        self._ready = b""

    def shutdown_write(self) -> None:
        """The relay's stdin ends (a half-close). Not over TLS: Python's SSLSocket.shutdown()
        drops the TLS layer, and what it read afterwards would be raw records; the target's own
        end still ends the stream."""
        if not isinstance(self.sock, ssl.SSLSocket):
            super().shutdown_write()

    def recv(self, size: int) -> bytes:
        while not self._ready:
            data = self.sock.recv(CHUNK)
            if not data:
                return b""
            self._ready = self.frames.feed(data)
        out, self._ready = self._ready[:size], self._ready[size:]
        return out


def container_ip(container, network: str | None = None) -> str | None:
    """The container's address on `network` (else on its first network)."""
    networks = ((getattr(container, "attrs", None) or {}).get("NetworkSettings") or {}).get("Networks") or {}
    found = networks.get(network) if network else next(iter(networks.values()), None)
    return (found or {}).get("IPAddress") or None


def direct_address(container, port: int) -> tuple[str, int] | None:
    """The container's address when this machine reaches the engine's containers, else None
    (then: an exec inside it, or a relayed stream)."""
    ip = container_ip(container)
    client = getattr(container, "client", None)
    if not ip or client is None:
        return None
    return (ip, port) if capabilities.view(client).reaches_containers(ip, port) else None


class Dialer:
    """The two ways for one engine; which one is the engine's capability (capabilities.py)."""

    def __init__(self, client):
        self.client = client
        self.engine = capabilities.view(client)

    def direct(self, container, port: int, network: str | None = None) -> tuple[str, int] | None:
        """The container's own address when this machine reaches it, else None."""
        ip = container_ip(container, network)
        if ip and self.engine.reaches_containers(ip, port):
            return ip, port
        return None

    def relay(self, via, host: str, port: int) -> RelayStream:
        """A stream to host:port as seen from inside the container `via` (its network)."""
        api = self.client.api
        with translated(f"opening a stream to {host}:{port} through the engine"):
            made = api.exec_create(via.id, relay_command(host, port), stdin=True, stdout=True, stderr=True,
                                   tty=False, user="nobody")
            sock = api.exec_start(made["Id"], socket=True, tty=False)
        # the SDK hands a socket.SocketIO on a unix socket, the TLS socket itself on tcp://
        raw = cast(Any, sock)._sock if isinstance(sock, socket.SocketIO) else sock   # SocketIO keeps its socket private
        return RelayStream(raw, f"{host}:{port}")

    def open(self, container, port: int, network: str | None = None, via=None,
             timeout: float = 10) -> Stream:
        """A stream to the container's `port`: direct, or relayed from `via` (default: the
        container itself, to its own address on its network, so the server sees a peer of the
        network as a dyno is, never a loopback client)."""
        address = self.direct(container, port, network)
        if address:
            try:
                return SocketStream(socket.create_connection(address, timeout=timeout))
            except OSError as exc:
                raise HerosimError(f"Could not reach {address[0]}:{port}: {exc.strerror or exc}",
                                   hint="is the container running? herosim ps") from exc
        return self.relay(container if via is None else via, container_ip(container, network) or "127.0.0.1", port)
