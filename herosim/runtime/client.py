"""The dyno manager's control channel, client side: one typed method per operation of
protocol.py (the protocol checks each call's arguments; replies come back typed).

`ManagerClient.find(state)` is the one way to reach an app's manager: it returns None
when none runs, so each caller says what that means for it (nothing to do, or
`ManagerNotRunning` through `require`)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, TypeVar

from herosim import paths
from herosim.errors import HerosimError, ManagerNotRunning
from herosim.platform import jsonfile
from herosim.platform.state import AppState
from herosim.runtime import protocol
from herosim.runtime.dyno import DynoView
from herosim.runtime.protocol import ManagerInfo

R = TypeVar("R")

CONNECT_TIMEOUT = 5.0


def read_address(state_dir: Path) -> dict | None:
    try:
        found = jsonfile.read(state_dir / paths.MANAGER_ADDRESS, None)
    except HerosimError:
        return None
    return found if isinstance(found, dict) and "port" in found and "token" in found else None


class ManagerClient:
    def __init__(self, state: AppState, address: dict):
        self.state = state
        self.address = address

    @classmethod
    def find(cls, state: AppState) -> "ManagerClient | None":
        address = read_address(state.dir)
        if address is None:
            return None
        client = cls(state, address)
        try:
            client.ping()
        except ManagerNotRunning:
            return None
        return client

    @classmethod
    def require(cls, state: AppState) -> "ManagerClient":
        client = cls.find(state)
        if client is None:
            raise ManagerNotRunning(state.app)
        return client

    @property
    def pid(self) -> int | None:
        return self.address.get("pid")

    # -- operations (protocol.py declares them; each method sends one) ---------------------------
    def ping(self) -> ManagerInfo:
        """The running manager's app, settings (router port, size, cycling, timeouts) and release."""
        return self._call(protocol.PING, timeout=5)

    def deploy(self, version: int, timeout: float) -> list[DynoView]:
        """Every dyno restarts on release `version`; returns once they are up or crashed."""
        return self._call(protocol.DEPLOY, timeout=timeout, version=version)

    def deploy_synced(self, version: int, synced: list[str], timeout: float) -> list[DynoView]:
        """Release `version`: the `synced` dynos already have its files and keep running; the
        others restart on it."""
        return self._call(protocol.DEPLOY_SYNCED, timeout=timeout, version=version, synced=list(synced))

    def converge(self, timeout: float = 300) -> list[DynoView]:
        """Read the formation and sizes again and start, replace or stop dynos to match."""
        return self._call(protocol.CONVERGE, timeout=timeout)

    def restart(self, dyno: str | None = None, process_type: str | None = None, timeout: float = 300) -> list[str]:
        return self._call(protocol.RESTART, timeout=timeout, dyno=dyno, process_type=process_type)

    def status(self) -> list[DynoView]:
        return self._call(protocol.STATUS, timeout=10)

    def stop_dynos(self, dyno: str | None = None, process_type: str | None = None, timeout: float = 300) -> list[str]:
        return self._call(protocol.STOP_DYNOS, timeout=timeout, dyno=dyno, process_type=process_type)

    def run_detached(self, version: int, command: str, user: str) -> str:
        return self._call(protocol.RUN_DETACHED, timeout=60, version=version, command=command, user=user)

    def stop(self, timeout: float) -> None:
        self._call(protocol.STOP, timeout=timeout)

    def run_job(self, job_id: int) -> str:
        """Heroku Scheduler's job now; the one-off's name."""
        return self._call(protocol.RUN_JOB, timeout=60, job_id=job_id)

    def next_runs(self) -> dict[int, float | None]:
        """Seconds until each scheduler job's next run, by job id."""
        return self._call(protocol.NEXT_RUNS, timeout=10)

    def refresh(self) -> None:
        """Settings changed (maintenance mode, scheduler jobs): the manager reads them now."""
        self._call(protocol.REFRESH, timeout=10)

    # -- the wire -----------------------------------------------------------------------------
    def _call(self, operation: protocol.Operation[R], timeout: float, **args: Any) -> R:
        wrong = operation.bad_arguments(args)
        if wrong is not None:  # a bug of this side: never sent
            raise TypeError(f"{operation.name}: {wrong}")
        op = operation.name
        request = json.dumps({"token": self.address["token"], "op": op, "args": args}) + "\n"
        try:
            with socket.create_connection(("127.0.0.1", self.address["port"]), timeout=CONNECT_TIMEOUT) as sock:
                sock.settimeout(timeout)
                sock.sendall(request.encode())
                data = b""
                while not data.endswith(b"\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        except socket.timeout as exc:
            raise HerosimError(f"The dyno manager did not answer `{op}` within {timeout:.0f} s",
                               hint="see `herosim logs`; `herosim down` stops it") from exc
        except OSError as exc:
            raise ManagerNotRunning(self.state.app) from exc
        if not data:
            raise ManagerNotRunning(self.state.app)
        try:
            reply = json.loads(data)
        except json.JSONDecodeError as exc:
            raise HerosimError("The dyno manager sent a garbled answer",
                               hint="`herosim down`, then `herosim up`") from exc
        if not reply.get("ok"):
            raise HerosimError(reply.get("error", "the dyno manager failed"), hint=reply.get("hint", ""),
                               details=reply.get("details", ""))
        return operation.decode(reply.get("result"))
