"""The Docker side of the dyno state machine: what `DynoSet` asks of containers.

Everything here is one call on one container; the decisions live in plan.py and the
transitions in dynos.py, which tests drive with an in-memory fake of this class.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

import docker
import docker.errors
import requests.exceptions

from herosim.const import LOG_CHUNK_BYTES
from herosim.engine import capabilities, cleanup
from herosim.engine.dialer import container_ip
from herosim.platform import logline
from herosim.platform.sizes import SIZES
from herosim.runtime import containers, memory
from herosim.runtime.listeners import wildcard_listeners
from herosim.runtime.relay import Relay

DockerTrouble = (docker.errors.APIError, requests.exceptions.RequestException, docker.errors.DockerException)


class DockerDynos:
    """Dyno containers of one app on one engine.

    `release_env(version)` gives the slug image and the environment (config vars, add-on
    vars) of a release: it is asked at each create, so a new release's vars reach new dynos."""

    def __init__(self, client: docker.DockerClient, app: str, network: str,
                 release_env: Callable[[int], tuple[str, dict[str, str]]]):
        self.client = client
        self.app = app
        self.network = network
        self.release_env = release_env
        self.relay = Relay(client, app, network)

    @property
    def engine(self) -> capabilities.EngineView:
        """The engine's identity and capabilities (read on first use, once per client)."""
        return capabilities.view(self.client)

    # -- lifetime -----------------------------------------------------------------------------
    def create(self, dyno):
        image, env = self.release_env(dyno.release)
        return containers.create(self.client, app=self.app, name=dyno.name, process_type=dyno.process_type,
                                 command=dyno.command, image=image, env=env, network=self.network,
                                 release=dyno.release, size=SIZES[dyno.size])

    def start(self, container) -> tuple[int | None, int | None]:
        """Start; ($PORT inside, the port published on 127.0.0.1)."""
        container.start()
        container.reload()
        port = containers.Described.of(container).port
        return port, containers.host_port(container, port) if port else None

    def signal(self, container, name: str) -> None:
        try:
            container.kill(signal=name)
        except docker.errors.APIError:
            pass  # already gone

    def wait(self, container, timeout: float) -> int | None:
        """The exit status, or None when it is still running after `timeout` seconds."""
        try:
            return int(container.wait(timeout=timeout).get("StatusCode", 0))
        except (requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout):
            return None
        except docker.errors.NotFound:
            return 0

    def remove(self, container) -> None:
        cleanup.container(container)

    def is_running(self, container) -> bool | None:
        """Whether the container runs; None when the engine does not answer."""
        try:
            container.reload()
            return container.status == "running"
        except docker.errors.NotFound:
            return False
        except DockerTrouble:
            return None

    def oom_killed(self, container) -> bool:
        try:
            container.reload()
            return bool(container.attrs.get("State", {}).get("OOMKilled"))
        except DockerTrouble:
            return False

    def adoptable(self) -> list[tuple[object, containers.Described]]:
        """Running dyno containers a previous manager left (the others are removed)."""
        out = []
        for container in containers.find(self.client, self.app):
            described = containers.Described.of(container)
            if described.running:
                out.append((container, described))
            else:
                cleanup.container(container)
        return out

    def host_port(self, container, port: int | None) -> int | None:
        return containers.host_port(container, port) if port else None

    # -- watching -----------------------------------------------------------------------------
    def follow(self, container, emit: Callable[[list[tuple[str, dt.datetime | None]]], None],
               since: int | None = None) -> None:
        """Copy the dyno's output until its process ends: the complete lines of each chunk in
        one call. A line that never ends (a progress bar redrawn with \\r) is cut at
        Logplex's 10,000 bytes."""
        buffer = b""
        try:
            for chunk in container.logs(stream=True, follow=True, timestamps=True,
                                        **({"since": since} if since else {})):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                if len(buffer) > LOG_CHUNK_BYTES * 2:
                    lines.append(buffer)
                    buffer = b""
                if lines:
                    emit([_parse_raw(raw) for raw in lines])
            if buffer:
                emit([_parse_raw(buffer)])
        except DockerTrouble:
            pass

    def listening(self, container) -> set[int]:
        return wildcard_listeners(self._proc_net(container))

    def address(self, container, port: int | None, host_port: int | None) -> tuple[str, int] | None:
        """The dyno's address on the app's network. When this machine does not reach it (a
        remote engine, Docker Desktop's VM), the router dials it through the app's relay (`via`)."""
        ip = container_ip(container, self.network)
        if not ip or not port:
            return None
        if not self.engine.reaches_containers(ip, port):
            self.relay.ensure(container.attrs.get("Config", {}).get("Image") or container.image.id)
        return ip, port

    @property
    def via(self) -> str:
        """The relay's ID when dynos are reached through the engine's API, else ""."""
        if not self.relay.id:
            return ""
        return self.relay.id if self.engine.reaches_containers() is False else ""

    def memory_used(self, container) -> int | None:
        pid = self.host_pid(container)
        used = memory.cgroup_usage(pid) if pid else None
        return used if used is not None else memory.stats_usage(container)

    def _proc_net(self, container) -> str:
        """The dyno's /proc/net/tcp{,6}: from the host's /proc when the engine is local, else by exec."""
        pid = self.host_pid(container)
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
            return container.exec_run(["cat", "/proc/net/tcp", "/proc/net/tcp6"]).output.decode(errors="replace")
        except DockerTrouble:
            return ""

    def host_pid(self, container) -> int | None:
        """The dyno's PID 1 as this host sees it, when this machine sees the engine's processes (else None)."""
        pid = container.attrs.get("State", {}).get("Pid") or 0
        if not self.engine.sees_processes(container.id, pid):
            return None
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return pid if pid and b"herosim-dyno" in handle.read() else None
        except OSError:
            return None


def _parse_raw(raw: bytes) -> tuple[str, dt.datetime | None]:
    """Docker's `<RFC 3339 stamp> <line>` as (line, time)."""
    text = raw.decode("utf-8", errors="replace").rstrip("\r")
    stamp, _, message = text.partition(" ")
    try:
        return message, logline.parse_docker_timestamp(stamp)
    except ValueError:
        return text, None

