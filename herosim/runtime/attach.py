"""Attaching the terminal to a container through the Docker API: stdin in, stdout and
stderr out (demultiplexed without a TTY, raw with one), the exit status back."""

from __future__ import annotations

import os
import select
import shutil
import socket
import struct
import sys
import termios
import threading
import tty
from collections.abc import Callable

import docker


def _raw_socket(sock):
    return getattr(sock, "_sock", sock)


def attach_and_run(client: docker.DockerClient, container, *, interactive: bool, use_tty: bool,
                   on_output: Callable[[int, bytes], None]) -> int:
    """Start `container` attached; feed it this process's stdin when `interactive`.
    `on_output(stream, data)` gets 1 (stdout) or 2 (stderr) chunks. Returns the exit status."""
    params = {"stdout": 1, "stderr": 1, "stream": 1, "stdin": 1 if interactive else 0}
    sock = _raw_socket(client.api.attach_socket(container.id, params=params))
    container.start()
    if use_tty:
        size = shutil.get_terminal_size()
        try:
            client.api.resize(container.id, height=size.lines, width=size.columns)
        except docker.errors.APIError:
            pass
    saved = None
    if interactive:
        if use_tty and sys.stdin.isatty():
            saved = termios.tcgetattr(sys.stdin.fileno())
            tty.setraw(sys.stdin.fileno())
        threading.Thread(target=_pump_stdin, args=(sock,), daemon=True).start()
    try:
        if use_tty:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                on_output(1, data)
        else:
            for stream, data in _frames(sock):
                on_output(stream, data)
    finally:
        if saved is not None:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        try:
            sock.close()
        except OSError:
            pass
    return int(container.wait().get("StatusCode", 1))


def _pump_stdin(sock) -> None:
    fd = sys.stdin.fileno()
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _frames(sock):
    """Docker's multiplexed stream: 8-byte header (stream, 0, 0, 0, big-endian size), payload."""
    buffer = b""
    while True:
        while len(buffer) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buffer += chunk
        stream, size = buffer[0], struct.unpack(">I", buffer[4:8])[0]
        while len(buffer) < 8 + size:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buffer += chunk
        yield (2 if stream == 2 else 1), buffer[8:8 + size]
        buffer = buffer[8 + size:]
