"""An add-on's sidecar container: created on the app's network with its data volume, started,
waited for with the service's probe (a timeout says what was seen and shows its log)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import docker

from herosim import poll
from herosim.addons.attachment import Attachment, confirm_rotation, require_credentials, rotation_release
from herosim.addons.service import AddonService
from herosim.const import LABEL_ADDON_NAME, LABEL_ADDON_PART, LABEL_ADDON_PLAN, ROLE_ADDON, ROLE_PG_TRANSFER
from herosim.engine import cleanup, labels
from herosim.engine.client import translated
from herosim.engine.stack import Stack
from herosim.engine.tarball import TarWriter
from herosim.errors import AddonError


def find(client: docker.DockerClient, attachment: Attachment):
    """The add-on's server (not a part beside it, as its pooler)."""
    found = [c for c in client.containers.list(all=True, filters=labels.of_app(attachment.app, ROLE_ADDON,
                                                                               addon=attachment.name))
             if LABEL_ADDON_PART not in c.labels]
    return found[0] if found else None

def ensure_running(client: docker.DockerClient, service: AddonService, attachment: Attachment,
                   stack: Stack, network: str, progress: Callable[[str], None]):
    """Start the sidecar (creating it if needed) and wait until it answers."""
    require_credentials(attachment)
    container = find(client, attachment)
    spec = service.sidecar(attachment, stack)
    if container is not None and container.image.tags and spec.image.ref not in container.image.tags \
            and container.status != "running":
        cleanup.quietly(container, force=True)  # the stack changed: recreate on the new image, same volume
        container = None
    if container is None:
        container = _create(client, spec, attachment, network)
    if container.status != "running":
        progress(f"Starting {attachment.name} ({attachment.plan})")
        with translated(f"starting {attachment.name}"):
            container.start()
    wait_ready(service, container, attachment)
    service.after_ready(container, attachment)
    return container

def _create(client: docker.DockerClient, spec, attachment: Attachment, network: str):

    with translated(f"creating the {attachment.name} container"):
        container = client.containers.create(
            spec.image.ref, command=spec.command, entrypoint=spec.entrypoint, name=attachment.container_name,
            environment=spec.environment,
            labels=labels.for_app(attachment.app, ROLE_ADDON, **{LABEL_ADDON_NAME: attachment.name,
                                                                  LABEL_ADDON_PLAN: attachment.plan}),
            volumes={attachment.volume: {"bind": spec.data_path, "mode": "rw"}},
            ports={f"{spec.port}/tcp": ("127.0.0.1", None)},
            network=network,
            networking_config={network: client.api.create_endpoint_config(aliases=[attachment.name])},
            restart_policy={"Name": "unless-stopped"},
        )
        if spec.files:
            archive = TarWriter(mtime=time.time())
            folders = sorted({"/".join(p.lstrip("/").split("/")[:i]) for p in spec.files
                              for i in range(1, p.lstrip("/").count("/") + 1)})
            for folder in folders:
                archive.add_dir(folder, mode=0o755)
            for path, (content, mode) in spec.files.items():
                archive.add_bytes(path.lstrip("/"), content, mode)
            container.put_archive("/", archive.close())
    return container

def wait_ready(service: AddonService, container, attachment: Attachment) -> None:
    """Until the probe answers. With a rotation left pending (a command killed while rotating)
    the server may have either credential: both are tried, and a pending one the server
    already has is confirmed, so the add-on's record always holds the one that works."""
    seen = {"last": ""}
    candidates = [attachment]
    if attachment.pending:
        candidates.append(replace(attachment, config=attachment.pending["config"],
                                  secret=attachment.pending["secret"]))
    works: list[Attachment] = []

    def ready():
        container.reload()
        if container.status in ("exited", "dead"):
            raise _not_ready(service, container, attachment, seen["last"])
        for candidate in candidates:
            ok, seen["last"] = service.probe(container, candidate)
            if ok:
                works.append(candidate)
                return True
        return False

    if not poll.until(ready, service.ready_timeout, 0.3):
        raise _not_ready(service, container, attachment, seen["last"])
    if works[0] is not attachment:
        confirm_rotation(attachment, rotation_release(attachment))

def _not_ready(service: AddonService, container, attachment: Attachment, seen: str) -> AddonError:
    logs = container.logs(tail=15).decode("utf-8", errors="replace").rstrip()
    return AddonError(
        f"{attachment.name} ({attachment.plan}) did not become ready within {service.ready_timeout:.0f} s "
        f"(container {container.status}; last check: {seen or 'no answer'})",
        hint=f"its log is below; `docker logs {container.name}` shows all of it",
        details=logs,
    )

def stop(client: docker.DockerClient, app: str) -> int:
    """`down`: the add-ons' containers stop (their data is kept), and a pg:pull or pg:push
    helper a killed command left goes: it holds passwords."""
    stopped = 0
    for container in client.containers.list(filters=labels.of_app(app, ROLE_ADDON)):
        container.stop(timeout=30)
        stopped += 1
    remove_helpers(client, app)
    return stopped


def remove_helpers(client: docker.DockerClient, app: str) -> None:
    for container in client.containers.list(all=True, filters=labels.of_app(app, ROLE_PG_TRANSFER)):
        cleanup.container(container)


def published_port(container, port: int) -> int | None:
    """The port on 127.0.0.1 of this machine where the sidecar's `port` is published."""
    container.reload()
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{port}/tcp") or []
    return next((int(b["HostPort"]) for b in bindings if b.get("HostPort")), None)
