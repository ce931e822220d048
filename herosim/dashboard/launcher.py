"""Running the dashboard: in the foreground (`herosim dashboard`), or found or started in the
background for `open --dashboard`. Where it listens is kept in `$HEROSIM_HOME/dashboard.json`
(0600), so a second command finds the one that runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from herosim import paths
from herosim.dashboard.server import Dashboard, make_server
from herosim.errors import HerosimError
from herosim.platform import jsonfile

DEFAULT_PORT = 5050


def address_file() -> Path:
    return paths.home() / "dashboard.json"


def url_for(port: int, app: str | None = None) -> str:
    return f"http://127.0.0.1:{port}/" + (f"apps/{app}" if app else "")


def serve(client_factory, port: int = DEFAULT_PORT, ready=lambda url: None) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM)."""
    dashboard = Dashboard(client_factory, port)
    try:
        server = make_server(dashboard, port)
    except OSError as exc:
        raise HerosimError(f"Port {port} on 127.0.0.1 could not be bound ({exc.strerror or exc})",
                           hint=f"stop what uses it, or choose another: herosim dashboard --port {port + 1}") from None
    jsonfile.write(address_file(), {"port": dashboard.port, "pid": os.getpid()})
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    ready(url_for(dashboard.port))
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        dashboard.stopping.set()
        server.shutdown()
        server.server_close()
        signal.signal(signal.SIGTERM, previous)
        try:
            if jsonfile.read(address_file(), {}).get("pid") == os.getpid():
                address_file().unlink()
        except (OSError, HerosimError):
            pass


def running() -> int | None:
    """The port of the dashboard that runs, if one answers."""
    try:
        found = jsonfile.read(address_file(), None)
    except HerosimError:
        return None
    if not isinstance(found, dict) or "port" not in found:
        return None
    try:
        answer = requests.get(url_for(int(found["port"])) + "api/apps", timeout=2)
        return int(found["port"]) if answer.ok else None
    except requests.RequestException:
        return None


def ensure(port: int = DEFAULT_PORT, wait: float = 15.0) -> int:
    """The running dashboard's port, starting one in the background when none runs."""
    found = running()
    if found:
        return found
    log = paths.open_private(paths.home() / "dashboard.log", "a")
    subprocess.Popen([sys.executable, "-m", "herosim", "dashboard", "--port", str(port)], stdin=subprocess.DEVNULL,
                     stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = running()
        if found:
            return found
        time.sleep(0.2)
    raise HerosimError("The dashboard did not start", hint=f"see {paths.home() / 'dashboard.log'}")
