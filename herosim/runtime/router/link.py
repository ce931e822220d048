"""The dyno manager's side of its router process: start it, tell it where the web dynos
are whenever that changes, stop it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from herosim.errors import HerosimError
from herosim.platform.timeouts import Timeouts
from herosim.runtime.router.exchange import Backends
from herosim.runtime.router.process import encode
from herosim.tls.authority import RouterFiles


class RouterProcess:
    def __init__(self, port: int, log: Path, timeouts: Timeouts, tls: RouterFiles | None = None):
        self.port, self.log, self.timeouts, self.tls = port, log, timeouts, tls
        self.process: subprocess.Popen | None = None
        self._last = ""
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start it and wait until its port is bound; a taken port is an error here."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "herosim.runtime.router", "--port", str(self.port), "--log", str(self.log),
             "--timeouts", json.dumps(self.timeouts.to_dict()),
             *(["--cert", str(self.tls.cert), "--key", str(self.tls.key)] if self.tls else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        answer = self.process.stdout.readline().strip()
        if answer != "ready":
            self.process.wait(5)
            raise HerosimError(f"Router port {self.port} on 127.0.0.1 could not be bound ({answer or 'no answer'})",
                               hint=f"stop what uses it, or choose another: herosim up --port {self.port + 1}")

    def publish(self, backends: Backends) -> None:
        line = encode(backends)
        with self._lock:
            if line == self._last or self.process is None or self.process.poll() is not None:
                return
            try:
                self.process.stdin.write(line + "\n")
                self.process.stdin.flush()
                self._last = line
            except (BrokenPipeError, OSError):
                pass

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
