"""What this machine can do with an engine's containers besides the API, learnt from the
containers themselves, never guessed from DOCKER_HOST: whether it sees their processes (its
/proc holds their PIDs: cgroup and /proc/net reads, overlay folders) and whether it reaches
their addresses (the router and the host-side tools dial them directly; otherwise through the
engine's API, dialer.py). Learnt once per engine ID and kept under $HEROSIM_HOME/engines/."""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from herosim import paths
from herosim.engine.identity import EngineIdentity, read

PROBE_TIMEOUT = 0.5
UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ETIMEDOUT}


@dataclass(frozen=True)
class Capabilities:
    sees_processes: bool | None = None       # None: not learnt yet
    reaches_containers: bool | None = None


def probe_address(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> bool | None:
    """True when the address answers (a refusal is an answer: the packets got there), False
    when nothing gets there, None when it cannot be told (another error)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except ConnectionRefusedError:
        return True
    except TimeoutError:
        return False
    except OSError as exc:
        return False if exc.errno in UNREACHABLE else None


class EngineView:
    """One engine as this machine sees it."""

    def __init__(self, identity: EngineIdentity, store: Path | None = None, proc: Path = Path("/proc"),
                 probe: Callable[[str, int], bool | None] = probe_address):
        self.identity = identity
        self.store = store
        self.proc = proc
        self.probe = probe
        self.capabilities = self._load()

    # -- the two capabilities ----------------------------------------------------------------
    def sees_processes(self, container_id: str, pid: int) -> bool:
        """Whether this machine's /proc holds the engine's containers (learnt from the first
        running container asked about: its PID's cgroup names it)."""
        known = self.capabilities.sees_processes
        if known is not None:
            return known
        if not pid or not container_id:
            return False
        try:
            seen = container_id in (self.proc / str(pid) / "cgroup").read_text()
        except OSError:
            seen = False
        self._learn(sees_processes=seen)
        return seen

    def reaches_containers(self, host: str | None = None, port: int | None = None) -> bool | None:
        """Whether this machine reaches the containers' addresses; learnt from the first
        listening address asked about (None while none was given)."""
        known = self.capabilities.reaches_containers
        if known is not None or not host or not port:
            return known
        answer = self.probe(host, port)
        if answer is not None:
            self._learn(reaches_containers=answer)
        return bool(answer)

    # -- the cache ---------------------------------------------------------------------------
    def _file(self) -> Path | None:
        if self.store is None or not self.identity.id:
            return None
        return self.store / (re.sub(r"[^A-Za-z0-9_-]", "_", self.identity.id) + ".json")

    def _load(self) -> Capabilities:
        path = self._file()
        try:
            data = json.loads(path.read_text()) if path else {}
            return Capabilities(**{k: v for k, v in data.items() if k in ("sees_processes", "reaches_containers")
                                   and isinstance(v, bool)})
        except (OSError, ValueError, TypeError):
            return Capabilities()

    def _learn(self, **found: bool) -> None:
        self.capabilities = replace(self.capabilities, **found)
        path = self._file()
        if path is None:
            return
        try:
            paths.private_dir(path.parent)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            with paths.open_private(temporary, "w") as handle:
                json.dump({**asdict(self.capabilities), "name": self.identity.name}, handle)
            os.replace(temporary, path)
        except OSError:
            pass  # learnt again next time


_views: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def view(client) -> EngineView:
    """The engine behind `client` (its identity read and checked once per client)."""
    found = _views.get(client)
    if found is None:
        found = EngineView(read(client), store=paths.home() / "engines")
        _views[client] = found
    return found
