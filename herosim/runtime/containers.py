"""One container per dyno: create it from the slug, find it by labels, see whether
its web process listens on $PORT."""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass

import docker
import docker.errors

from herosim.const import (DYNO_PORT_RANGE, LABEL_APP, LABEL_COMMAND, LABEL_DYNO, LABEL_PORT,
                           LABEL_PROCESS_TYPE, LABEL_RELEASE, LABEL_ROLE, LABEL_SIZE, ROLE_DYNO)
from herosim.engine.client import translated

INIT = "/usr/local/bin/herosim-dyno"
LABEL_GENERATION = "io.herosim.generation"


@dataclass(frozen=True)
class DynoSize:
    name: str
    memory_mb: int   # the quota: R14 above it
    kill_factor: float = 2.0  # R15: killed at twice the quota

    @property
    def kill_bytes(self) -> int:
        return int(self.memory_mb * self.kill_factor) * 1024 * 1024


SIZES = {
    "eco": DynoSize("Eco", 512), "basic": DynoSize("Basic", 512),
    "standard-1x": DynoSize("Standard-1X", 512), "standard-2x": DynoSize("Standard-2X", 1024),
    "performance-m": DynoSize("Performance-M", 2560), "performance-l": DynoSize("Performance-L", 14336),
}
DEFAULT_SIZE = "basic"


@dataclass(frozen=True)
class Dyno:
    """A dyno as its container's labels describe it."""
    container_id: str
    name: str            # web.1
    process_type: str    # web
    command: str
    port: int | None     # $PORT inside, web dynos only
    release: int
    generation: str
    status: str          # docker's: created, running, exited, …
    exit_code: int | None
    started_at: str

    @classmethod
    def from_container(cls, container) -> "Dyno":
        labels = container.labels
        state = container.attrs.get("State", {})
        port = labels.get(LABEL_PORT)
        return cls(
            container_id=container.id, name=labels[LABEL_DYNO], process_type=labels[LABEL_PROCESS_TYPE],
            command=labels.get(LABEL_COMMAND, ""), port=int(port) if port else None,
            release=int(labels.get(LABEL_RELEASE, "0")), generation=labels.get(LABEL_GENERATION, ""),
            status=container.status, exit_code=state.get("ExitCode") if container.status == "exited" else None,
            started_at=state.get("StartedAt", ""),
        )


def find(client: docker.DockerClient, app: str, role: str = ROLE_DYNO) -> list:
    with translated("listing dynos"):
        return client.containers.list(all=True, filters={"label": [f"{LABEL_APP}={app}", f"{LABEL_ROLE}={role}"]})


def create(client: docker.DockerClient, *, app: str, name: str, process_type: str, command: str,
           image: str, env: dict[str, str], network: str, release: int, size: DynoSize,
           role: str = ROLE_DYNO, web: bool | None = None, tty: bool = False, stdin: bool = False,
           extra_labels: dict[str, str] | None = None):
    """A new container for a dyno: a fresh copy of the slug's filesystem, a fresh $PORT."""
    web = (process_type == "web") if web is None else web
    port = random.randint(*DYNO_PORT_RANGE) if web else None
    generation = uuid.uuid4().hex[:8]
    environment = {
        **env, "DYNO": name, "HOME": "/app", "DYNO_RAM": str(size.memory_mb),
        **({"PORT": str(port)} if port else {}),
    }
    labels = {LABEL_APP: app, LABEL_ROLE: role, LABEL_DYNO: name, LABEL_PROCESS_TYPE: process_type,
              LABEL_COMMAND: command, LABEL_RELEASE: str(release), LABEL_GENERATION: generation,
              LABEL_SIZE: size.name, **({LABEL_PORT: str(port)} if port else {}), **(extra_labels or {})}
    with translated(f"creating {name}"):
        return client.containers.create(
            image, entrypoint=[INIT], command=[command], name=f"herosim.{app}.{name}.{generation}",
            hostname=str(uuid.uuid4()), environment=environment, labels=labels, working_dir="/app",
            network=network,
            networking_config={network: client.api.create_endpoint_config(aliases=[name.replace(".", "-")])},
            ports={f"{port}/tcp": ("127.0.0.1", None)} if port else None,
            mem_limit=size.kill_bytes, memswap_limit=size.kill_bytes,
            # detach=False with stdin makes StdinOnce: the client's EOF closes the command's stdin
            tty=tty, stdin_open=stdin, detach=not stdin,
        )


def host_port(container, port: int) -> int | None:
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{port}/tcp") or []
    for binding in bindings:
        if binding.get("HostPort"):
            return int(binding["HostPort"])
    return None


# -- is $PORT bound on 0.0.0.0? -------------------------------------------------

WILDCARDS = {"00000000", "00000000000000000000000000000000"}
LISTEN = "0A"


def wildcard_listeners(proc_net_tcp: str) -> set[int]:
    """Ports in LISTEN on 0.0.0.0 or :: in /proc/net/tcp{,6} text (127.0.0.1 does not count)."""
    ports = set()
    for line in proc_net_tcp.splitlines()[0:]:
        fields = line.split()
        if len(fields) < 4 or ":" not in fields[1] or fields[3] != LISTEN:
            continue
        address, _, port_hex = fields[1].partition(":")
        if address in WILDCARDS:
            try:
                ports.add(int(port_hex, 16))
            except ValueError:
                continue
    return ports


def read_proc_net(container) -> str:
    """The dyno's /proc/net/tcp{,6}: from the host's /proc when the engine is local, else by exec."""
    pid = host_pid(container)
    if pid:
        try:
            text = ""
            for name in ("tcp", "tcp6"):
                path = f"/proc/{pid}/net/{name}"
                if os.path.exists(path):
                    with open(path) as handle:
                        text += handle.read()
            return text
        except OSError:
            pass
    try:
        result = container.exec_run(["cat", "/proc/net/tcp", "/proc/net/tcp6"], demux=False)
        return result.output.decode(errors="replace")
    except docker.errors.APIError:
        return ""


def host_pid(container) -> int | None:
    """The dyno's PID 1 as this host sees it, when the engine runs here (else None)."""
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith("unix://"):
        return None
    pid = container.attrs.get("State", {}).get("Pid") or 0
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return pid if pid and b"herosim-dyno" in handle.read() else None
    except OSError:
        return None
