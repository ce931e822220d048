"""What every add-on shares: the attachment record (volume labels), the sidecar
container, readiness waiting with a useful timeout error."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import docker
import docker.errors

from herosim.const import (LABEL_ADDON_CONFIG, LABEL_ADDON_NAME, LABEL_ADDON_PLAN, LABEL_ADDON_SECRET,
                           LABEL_APP, LABEL_ROLE, ROLE_ADDON)
from herosim.engine.client import translated
from herosim.errors import AddonError
from herosim.engine.stack import Stack
from herosim.engine.tarball import TarWriter

ADJECTIVES = ("concave", "convex", "curly", "silent", "shallow", "rigid", "fluffy", "round", "solid",
              "tapered", "transparent", "vertical", "horizontal", "clean", "cubic", "dimensional",
              "elliptical", "encircled", "opaque", "polished", "reticulated", "sinuous", "symmetrical")


@dataclass(frozen=True)
class Attachment:
    """An add-on provisioned for an app, as recorded on its data volume's labels."""
    app: str
    plan: str                  # heroku-postgresql:essential-0
    name: str                  # postgresql-concave-52656
    volume: str
    config: dict[str, str] = field(default_factory=dict)   # vars it gives the app
    secret: dict[str, str] = field(default_factory=dict)   # what the sidecar needs to start

    @property
    def service(self) -> str:
        return self.plan.split(":", 1)[0]

    @property
    def container_name(self) -> str:
        return f"herosim.{self.app}.{self.name}"


@dataclass(frozen=True)
class SidecarSpec:
    image: str
    environment: dict[str, str]
    command: list[str] | None
    port: int                  # inside the container
    data_path: str             # where the volume is mounted
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # path -> (content, mode)


class AddonService:
    """One kind of add-on. Subclasses say how to provision, run and probe it."""

    service = ""           # heroku-postgresql
    default_plan = ""      # heroku-postgresql:essential-0
    name_prefix = ""       # postgresql
    ready_timeout = 90.0

    def new_attachment(self, app: str, plan: str, name: str, volume: str,
                       taken_vars: set[str], options: dict) -> Attachment:
        raise NotImplementedError

    def sidecar(self, attachment: Attachment, stack: Stack) -> SidecarSpec:
        raise NotImplementedError

    def probe(self, container) -> tuple[bool, str]:
        """(ready, what was seen) for one readiness check."""
        raise NotImplementedError

    def random_name(self) -> str:
        return f"{self.name_prefix}-{random.choice(ADJECTIVES)}-{random.randint(10000, 99999)}"


def attachments(client: docker.DockerClient, app: str) -> list[Attachment]:
    out = []
    for volume in client.volumes.list(filters={"label": [f"{LABEL_APP}={app}", f"{LABEL_ROLE}={ROLE_ADDON}"]}):
        labels = volume.attrs.get("Labels") or {}
        out.append(Attachment(
            app=app, plan=labels.get(LABEL_ADDON_PLAN, ""), name=labels.get(LABEL_ADDON_NAME, volume.name),
            volume=volume.name, config=json.loads(labels.get(LABEL_ADDON_CONFIG, "{}")),
            secret=json.loads(labels.get(LABEL_ADDON_SECRET, "{}")),
        ))
    return sorted(out, key=lambda a: a.name)


def config_vars(found: list[Attachment]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for attachment in found:
        merged.update(attachment.config)
    return merged


def provision(client: docker.DockerClient, service: AddonService, app: str, plan: str | None = None,
              options: dict | None = None) -> Attachment:
    """Create the attachment: a data volume whose labels carry name, plan and config vars."""
    existing = attachments(client, app)
    name = service.random_name()
    volume = f"herosim-{app}-{name}"
    attachment = service.new_attachment(app, plan or service.default_plan, name, volume,
                                        set(config_vars(existing)), options or {})
    with translated(f"creating the volume for {name}"):
        client.volumes.create(volume, labels={
            LABEL_APP: app, LABEL_ROLE: ROLE_ADDON, LABEL_ADDON_PLAN: attachment.plan,
            LABEL_ADDON_NAME: name, LABEL_ADDON_CONFIG: json.dumps(attachment.config),
            LABEL_ADDON_SECRET: json.dumps(attachment.secret),
        })
    return attachment


def find_container(client: docker.DockerClient, attachment: Attachment):
    found = client.containers.list(all=True, filters={"label": [
        f"{LABEL_APP}={attachment.app}", f"{LABEL_ROLE}={ROLE_ADDON}", f"{LABEL_ADDON_NAME}={attachment.name}"]})
    return found[0] if found else None


def ensure_running(client: docker.DockerClient, service: AddonService, attachment: Attachment,
                   stack: Stack, network: str, progress: Callable[[str], None]):
    """Start the sidecar (creating it if needed) and wait until it answers."""
    container = find_container(client, attachment)
    spec = service.sidecar(attachment, stack)
    if container is not None and container.image.tags and spec.image not in container.image.tags \
            and container.status != "running":
        container.remove(force=True)  # the stack changed: recreate on the new image, same volume
        container = None
    if container is None:
        with translated(f"creating the {attachment.name} container"):
            container = client.containers.create(
                spec.image, command=spec.command, name=attachment.container_name,
                environment=spec.environment,
                labels={LABEL_APP: attachment.app, LABEL_ROLE: ROLE_ADDON,
                        LABEL_ADDON_NAME: attachment.name, LABEL_ADDON_PLAN: attachment.plan},
                volumes={attachment.volume: {"bind": spec.data_path, "mode": "rw"}},
                ports={f"{spec.port}/tcp": ("127.0.0.1", None)},
                network=network,
                networking_config={network: client.api.create_endpoint_config(aliases=[attachment.name])},
                restart_policy={"Name": "unless-stopped"},
            )
            if spec.files:
                archive = TarWriter(mtime=time.time())
                for path, (content, mode) in spec.files.items():
                    archive.add_bytes(path.lstrip("/"), content, mode)
                container.put_archive("/", archive.close())
    if container.status != "running":
        progress(f"Starting {attachment.name} ({attachment.plan})")
        with translated(f"starting {attachment.name}"):
            container.start()
    wait_ready(service, container, attachment)
    return container


def wait_ready(service: AddonService, container, attachment: Attachment) -> None:
    deadline = time.monotonic() + service.ready_timeout
    seen = ""
    while time.monotonic() < deadline:
        container.reload()
        if container.status in ("exited", "dead"):
            break
        ready, seen = service.probe(container)
        if ready:
            return
        time.sleep(0.3)
    logs = container.logs(tail=15).decode("utf-8", errors="replace").rstrip()
    raise AddonError(
        f"{attachment.name} ({attachment.plan}) did not become ready within {service.ready_timeout:.0f} s "
        f"(container {container.status}; last check: {seen or 'no answer'})",
        hint=f"its log is below; `docker logs {container.name}` shows all of it",
        details=logs,
    )


def host_port(container, port: int) -> int | None:
    container.reload()
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{port}/tcp") or []
    for binding in bindings:
        if binding.get("HostPort"):
            return int(binding["HostPort"])
    return None


def stop(client: docker.DockerClient, app: str) -> int:
    stopped = 0
    for container in client.containers.list(filters={"label": [f"{LABEL_APP}={app}", f"{LABEL_ROLE}={ROLE_ADDON}"]}):
        container.stop(timeout=30)
        stopped += 1
    return stopped


def remove(client: docker.DockerClient, app: str, attachment_name: str | None = None) -> list[str]:
    """Remove sidecars and their volumes (destroy / addons:destroy): the data goes too."""
    removed = []
    labels = [f"{LABEL_APP}={app}", f"{LABEL_ROLE}={ROLE_ADDON}"]
    if attachment_name:
        labels.append(f"{LABEL_ADDON_NAME}={attachment_name}")
    for container in client.containers.list(all=True, filters={"label": labels}):
        container.remove(force=True, v=True)
    for volume in client.volumes.list(filters={"label": labels}):
        removed.append((volume.attrs.get("Labels") or {}).get(LABEL_ADDON_NAME, volume.name))
        volume.remove(force=True)
    return removed
