"""One container per dyno: created from the slug with a fresh filesystem and a fresh
$PORT, described by its labels, found by them."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

import docker

from herosim.const import (
    DYNO_PORT_RANGE,
    LABEL_COMMAND,
    LABEL_DYNO,
    LABEL_GENERATION,
    LABEL_PORT,
    LABEL_PROCESS_TYPE,
    LABEL_RELEASE,
    LABEL_SIZE,
    ROLE_DYNO,
)
from herosim.engine import labels
from herosim.engine.client import translated
from herosim.platform.sizes import SIZES, DynoSize

INIT = "/usr/local/bin/herosim-dyno"
# Heroku's per-dyno process and thread limit by size (Dev Center, "Dyno types").
PIDS_LIMIT = {"Eco": 256, "Basic": 256, "Standard-1X": 256, "Standard-2X": 512, "Performance-M": 16384,
              "Performance-L": 32768, "Performance-L-RAM": 32768, "Performance-XL": 32768, "Performance-2XL": 32768}


@dataclass(frozen=True)
class Described:
    """A dyno as its container's labels describe it."""
    name: str            # web.1
    process_type: str    # web
    command: str
    port: int | None     # $PORT inside, web dynos only
    release: int
    size: str            # the size's key (basic, standard-2x, …)
    running: bool

    @classmethod
    def of(cls, container) -> "Described":
        found = container.labels
        port = found.get(LABEL_PORT)
        size_name = found.get(LABEL_SIZE, "Basic")
        size = next((key for key, value in SIZES.items() if value.name == size_name), "basic")
        return cls(name=found[LABEL_DYNO], process_type=found[LABEL_PROCESS_TYPE],
                   command=found.get(LABEL_COMMAND, ""), port=int(port) if port else None,
                   release=int(found.get(LABEL_RELEASE, "0")), size=size, running=container.status == "running")


def find(client: docker.DockerClient, app: str, role: str = ROLE_DYNO) -> list:
    with translated("listing dynos"):
        return client.containers.list(all=True, filters=labels.of_app(app, role))


def create(client: docker.DockerClient, *, app: str, name: str, process_type: str, command: str,
           image: str, env: dict[str, str], network: str, release: int, size: DynoSize,
           role: str = ROLE_DYNO, web: bool | None = None, tty: bool = False, stdin: bool = False):
    """A new container for a dyno: a fresh copy of the slug's filesystem, a fresh $PORT.
    Config vars reach it as its environment only (never a label, never an argument)."""
    web = (process_type == "web") if web is None else web
    port = random.randint(*DYNO_PORT_RANGE) if web else None
    generation = uuid.uuid4().hex[:8]
    hostname = str(uuid.uuid4())
    environment = {**env, "DYNO": name, "HOME": "/app", **({"PORT": str(port)} if port else {})}
    if "HEROKU_APP_ID" in env:   # runtime-dyno-metadata is on
        environment["HEROKU_DYNO_ID"] = hostname
    found = labels.for_app(app, role, **{
        LABEL_DYNO: name, LABEL_PROCESS_TYPE: process_type, LABEL_COMMAND: command,
        LABEL_RELEASE: str(release), LABEL_GENERATION: generation, LABEL_SIZE: size.name,
        **({LABEL_PORT: str(port)} if port else {})})
    with translated(f"creating {name}"):
        return client.containers.create(
            image, entrypoint=[INIT], command=[command], name=f"herosim.{app}.{name}.{generation}",
            hostname=hostname, environment=environment, labels=found, working_dir="/app",
            network=network,
            networking_config={network: client.api.create_endpoint_config(aliases=[name.replace(".", "-")])},
            ports={f"{port}/tcp": ("127.0.0.1", None)} if port else None,
            # The quota is the memory reservation (what the dyno reports as its memory, see
            # slug/profile.py); the hard limit is where Heroku kills it (R15).
            mem_limit=size.kill_bytes, memswap_limit=size.kill_bytes, mem_reservation=size.memory_mb * 1024 * 1024,
            pids_limit=PIDS_LIMIT.get(size.name, 256), security_opt=["no-new-privileges"], cap_drop=["ALL"],
            # detach=False with stdin makes StdinOnce: the client's EOF closes the command's stdin
            tty=tty, stdin_open=stdin, detach=not stdin,
        )


def host_port(container, port: int) -> int | None:
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{port}/tcp") or []
    for binding in bindings:
        if binding.get("HostPort"):
            return int(binding["HostPort"])
    return None
