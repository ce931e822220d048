"""What this machine can do with an engine's containers besides the API, learnt from the
containers themselves, never guessed from DOCKER_HOST: whether it sees their processes (its
/proc holds their PIDs: cgroup and /proc/net reads, overlay folders) and whether it reaches
their addresses (the router and the host-side tools dial them directly; otherwise through the
engine's API, dialer.py). Learnt once per engine ID and kept under $HEROSIM_HOME/engines/."""

from __future__ import annotations

import errno
import hashlib
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
CLOSED_PORT = 1   # tcpmux: no container listens there, so its kernel refuses


@dataclass(frozen=True)
class Capabilities:
    sees_processes: bool | None = None       # None: not learnt yet
    reaches_containers: bool | None = None


def probe_address(host: str, port: int = CLOSED_PORT, timeout: float = PROBE_TIMEOUT) -> bool | None:
    """Whether packets to `host` reach the container's own kernel: a connection to a port no
    container listens on must be refused. Accepted means something in between answers for
    every address (an intercepting proxy on the default route does: a connection "succeeds"
    to a container this machine cannot reach); silence or no route means unreachable. None
    when it cannot be told (another error)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except TimeoutError:
        return False
    except OSError as exc:
        return False if exc.errno in UNREACHABLE else None


class EngineView:
    """One engine as this machine sees it."""

    def __init__(self, identity: EngineIdentity, store: Path | None = None, proc: Path = Path("/proc"),
                 probe: Callable[[str, int], bool | None] = probe_address, address: str = ""):
        self.identity = identity
        self.address = address
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
        container address asked about (None while none was given). `port` is the service's,
        for the caller's sake: the probe itself asks a closed port (probe_address)."""
        known = self.capabilities.reaches_containers
        if known is not None or not host:
            return known
        answer = self.probe(host, CLOSED_PORT)
        if answer is not None:
            self._learn(reaches_containers=answer)
        return bool(answer)

    # -- the cache ---------------------------------------------------------------------------
    def _file(self) -> Path | None:
        """One file per engine ID and address: what this machine reaches is a property of the
        way to the engine too (the same engine through a forwarded socket reaches nothing), and
        engines cloned from one image share an ID."""
        if self.store is None or not self.identity.id:
            return None
        way = hashlib.sha256(self.address.encode()).hexdigest()[:12]
        return self.store / (re.sub(r"[^A-Za-z0-9_-]", "_", self.identity.id)[:64] + f"-{way}.json")

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
        found = EngineView(read(client), store=paths.home() / "engines", address=os.environ.get("DOCKER_HOST", ""))
        _views[client] = found
    return found
