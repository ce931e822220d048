"""Attaching the terminal to a container through the Docker API: stdin in, stdout and
stderr out (the SDK's own frame reader demultiplexes them), the exit status back."""

from __future__ import annotations

import os
import select
import shutil
import socket
import sys
import termios
import threading
import tty
from collections.abc import Callable

import docker
import docker.errors
from docker.utils.socket import STDERR, frames_iter


def attach_and_run(client: docker.DockerClient, container, *, interactive: bool, use_tty: bool,
                   on_output: Callable[[int, bytes], None]) -> int:
    """Start `container` attached; feed it this process's stdin when `interactive`.
    `on_output(stream, data)` gets 1 (stdout) or 2 (stderr) chunks. Returns the exit status."""
    params = {"stdout": 1, "stderr": 1, "stream": 1, "stdin": 1 if interactive else 0}
    sock = client.api.attach_socket(container.id, params=params)
    raw = getattr(sock, "_sock", sock)
    container.start()
    if use_tty:
        size = shutil.get_terminal_size()
        try:
            client.api.resize(container.id, height=size.lines, width=size.columns)
        except docker.errors.APIError:
            pass
    _session(raw, interactive, use_tty, on_output)
    return int(container.wait().get("StatusCode", 1))


def exec_and_run(client: docker.DockerClient, container, command: list[str], *, use_tty: bool,
                 on_output: Callable[[int, bytes], None], user: str = "", workdir: str = "/app",
                 environment: dict[str, str] | None = None) -> int:
    """`ps:exec`: a process inside a running container (its filesystem, its environment),
    with this process's stdin and output. Returns its exit status."""
    created = client.api.exec_create(container.id, command, stdin=True, tty=use_tty, user=user, workdir=workdir,
                                     environment=environment)
    sock = client.api.exec_start(created["Id"], tty=use_tty, socket=True)
    raw = getattr(sock, "_sock", sock)
    if use_tty:
        size = shutil.get_terminal_size()
        try:
            client.api.exec_resize(created["Id"], height=size.lines, width=size.columns)
        except docker.errors.APIError:
            pass
    _session(raw, True, use_tty, on_output)
    return int(client.api.exec_inspect(created["Id"]).get("ExitCode") or 0)


def _session(raw, interactive: bool, use_tty: bool, on_output: Callable[[int, bytes], None]) -> None:
    """Stdin to the socket (raw mode on a terminal), the socket's frames to `on_output`."""
    saved = None
    if interactive:
        if use_tty and sys.stdin.isatty():
            saved = termios.tcgetattr(sys.stdin.fileno())
            tty.setraw(sys.stdin.fileno())
        threading.Thread(target=_pump_stdin, args=(raw,), daemon=True).start()
    try:
        for stream, data in frames_iter(raw, use_tty):
            if data:
                on_output(2 if stream == STDERR else 1, data)
    finally:
        if saved is not None:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        try:
            raw.close()
        except OSError:
            pass


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
