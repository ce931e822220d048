"""Starting the dyno manager as a detached process and reaching it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from herosim.runtime import server as control
from herosim.platform.state import AppState
from herosim.errors import HerosimError
from herosim.platform.timeouts import Timeouts


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_port(port: int) -> None:
    if not port_free(port):
        raise HerosimError(f"Router port {port} on 127.0.0.1 is already in use",
                           hint=f"stop what uses it, or choose another: herosim up --port {port + 1}")


def running_settings(state: AppState) -> dict | None:
    """The settings of the app's running manager, or None when none runs."""
    try:
        return control.call(state.dir, "ping", timeout=5)
    except (control.NotRunning, HerosimError):
        return None


@dataclass(frozen=True)
class ManagerSettings:
    """What a manager is started with; a running one with other settings is replaced."""
    router_port: int
    timeouts: Timeouts
    size: str = "basic"
    cycle_every: float | None = None

    def matches(self, running: dict | None) -> bool:
        return bool(running) and (running.get("router_port"), running.get("size"), running.get("cycle_every"),
                                  running.get("timeouts")) == (self.router_port, self.size, self.cycle_every,
                                                               self.timeouts.to_dict())


def spawn(state: AppState, settings: ManagerSettings, wait: float = 20.0) -> None:
    """Start `herosim _manager` detached from this terminal and wait until it answers."""
    state.dir.mkdir(parents=True, exist_ok=True)
    (state.dir / control.FILE).unlink(missing_ok=True)
    log = open(state.path("manager.log"), "ab")
    args = [sys.executable, "-m", "herosim", "_manager", "--app", state.app, "--port", str(settings.router_port),
            "--size", settings.size, "--timeouts", json.dumps(settings.timeouts.to_dict())]
    if settings.cycle_every:
        args += ["--cycle-every", str(settings.cycle_every)]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                               start_new_session=True, cwd=str(state.dir), env=os.environ.copy())
    log.close()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = _tail(state.path("manager.log"))
            raise HerosimError(f"The dyno manager for {state.app} exited at start (status {process.returncode})",
                               hint=f"its log is {state.path('manager.log')}", details=tail)
        if control.is_running(state.dir):
            return
        time.sleep(0.05)
    raise HerosimError(f"The dyno manager for {state.app} did not answer within {wait:.0f} s",
                       hint=f"see {state.path('manager.log')}")


def stop(state: AppState, timeout: float) -> bool:
    """Ask the manager to stop every dyno and exit; False when none was running."""
    pid = (control.read_address(state.dir) or {}).get("pid")
    try:
        control.call(state.dir, "stop", timeout=timeout)
    except control.NotRunning:
        return False
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (_alive(pid) if pid else control.is_running(state.dir)):
        time.sleep(0.05)  # until it has exited, so its router port is free again
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _tail(path, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).rstrip()
    except FileNotFoundError:
        return ""
