"""Starting an app's dyno manager as a detached process, and stopping it (always: a manager
that does not answer is signalled by its pid, once that pid is proven to be this app's
manager: see holder.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from herosim import paths, poll
from herosim.errors import HerosimError
from herosim.platform.state import AppState
from herosim.runtime import holder
from herosim.runtime.client import ManagerClient, read_address
from herosim.runtime.protocol import ManagerInfo
from herosim.runtime.settings import ManagerSettings


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


def matches(settings: ManagerSettings, running: ManagerInfo) -> bool:
    return running.settings == settings


def ensure(state: AppState, settings: ManagerSettings) -> ManagerClient:
    """A manager with these settings: the running one, or a new one (the old one stopped)."""
    running = ManagerClient.find(state)
    if running is not None:
        if matches(settings, running.ping()):
            return running
        stop(state, settings.timeouts.stop + 30)  # other settings: the dynos restart under a new manager
    check_port(settings.router_port)
    return spawn(state, settings)


def spawn(state: AppState, settings: ManagerSettings, wait: float = 20.0) -> ManagerClient:
    """Start `python -m herosim.runtime` detached from this terminal; wait until it answers."""
    paths.private_dir(state.dir)
    (state.dir / paths.MANAGER_ADDRESS).unlink(missing_ok=True)
    log_path = state.path(paths.MANAGER_LOG)
    _rotate(log_path)
    with paths.open_private(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "herosim.runtime", "--app", state.app, "--settings", settings.to_json()],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, cwd=str(state.dir),
            env=os.environ.copy())

    def answered():
        if process.poll() is not None:
            raise HerosimError(f"The dyno manager for {state.app} exited at start (status {process.returncode})",
                               hint=f"its log is {log_path}", details=_tail(log_path))
        return ManagerClient.find(state)

    client = poll.until(answered, wait, 0.05)
    if client is None:
        raise HerosimError(f"The dyno manager for {state.app} did not answer within {wait:.0f} s",
                           hint=f"see {log_path}")
    return client


def stop(state: AppState, timeout: float) -> bool:
    """Stop every dyno and the manager; False when none was running. A manager that does not
    answer (hung, or busy) is sent SIGTERM, then SIGKILL: `down` always ends it. A pid that is
    not this app's manager (a stale manager.json: pids are reused) is never signalled."""
    client = ManagerClient.find(state)
    pid = client.pid if client else (read_address(state.dir) or {}).get("pid")
    if client is not None:
        try:
            client.stop(timeout)
        except HerosimError:
            pass
    if not isinstance(pid, int) or pid <= 1 or not _alive(pid) or not holder.is_manager(state, pid):
        (state.dir / paths.MANAGER_ADDRESS).unlink(missing_ok=True)
        return client is not None
    if client is None:
        _signal(pid, signal.SIGTERM)  # SIGTERM makes it stop its dynos, then exit
    if not poll.until(lambda: not _alive(pid), 15 if client else timeout + 15, 0.05):
        if holder.is_manager(state, pid):  # still it, not a process that took its pid meanwhile
            _signal(pid, signal.SIGKILL)
            poll.until(lambda: not _alive(pid), 5, 0.05)
    (state.dir / paths.MANAGER_ADDRESS).unlink(missing_ok=True)
    return True


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


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
        pass
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def _rotate(path, keep_bytes: int = 1024 * 1024) -> None:
    """The manager's own log is kept to about a megabyte: the previous one moves to .1."""
    try:
        if path.stat().st_size > keep_bytes:
            os.replace(path, path.with_suffix(".log.1"))
    except FileNotFoundError:
        pass


def _tail(path, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).rstrip()
    except FileNotFoundError:
        return ""


