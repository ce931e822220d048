"""Images on the engine: look up, pull with progress, build from a tar context."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import docker
import docker.errors

from herosim.engine.client import translated
from herosim.errors import HerosimError


class RegistryUnavailable(HerosimError):
    """No registry answered a pull (offline machine, blocked network)."""


def listed(client: docker.DockerClient, filters: dict) -> list:
    """Images matching `filters`. The SDK lists, then inspects each: an image removed in
    between (another herosim command pruning) is a retry, not a crash."""
    for _ in range(5):
        try:
            return client.images.list(filters=filters)
        except docker.errors.ImageNotFound:
            continue
    return client.images.list(filters=filters)


def exists(client: docker.DockerClient, ref: str) -> bool:
    try:
        client.images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def image_id(client: docker.DockerClient, ref: str) -> str:
    with translated(f"inspecting image {ref}"):
        return client.images.get(ref).id


def pull(client: docker.DockerClient, ref: str, progress: Callable[[str], None]) -> None:
    repository, _, tag = ref.partition(":")
    last = None
    try:
        for event in client.api.pull(repository, tag=tag or "latest", stream=True, decode=True):
            if "error" in event:
                raise RegistryUnavailable(f"Pulling {ref} failed: {event['error']}",
                                          hint="set HEROSIM_OFFLINE=1 to use herosim's offline stack")
            status = event.get("status", "")
            if status and status != last and not event.get("progressDetail"):
                progress(f"{event.get('id', ref)}: {status}" if event.get("id") else status)
                last = status
    except docker.errors.APIError as exc:
        raise RegistryUnavailable(
            f"No registry answered for {ref}: {exc.explanation or exc}",
            hint="check your network, or set HEROSIM_OFFLINE=1 to use herosim's offline stack",
        ) from exc


def build(client: docker.DockerClient, context: BinaryIO, tag: str | None,
          progress: Callable[[str], None], *, buildargs: dict | None = None,
          labels: dict | None = None, nocache: bool = False, what: str = "image") -> str:
    """Build from a tar context through the API (files travel in the request)."""
    image = None
    tail: list[str] = []
    with translated(f"building {what}"):
        for event in client.api.build(fileobj=context, custom_context=True, tag=tag, rm=True,
                                      forcerm=True, decode=True, buildargs=buildargs or {},
                                      labels=labels or {}, nocache=nocache):
            if "stream" in event:
                for line in event["stream"].splitlines():
                    if line.strip():
                        tail = (tail + [line])[-30:]
                        progress(line)
            if "error" in event:
                raise HerosimError(f"Building {what} failed: {event['error'].strip()}",
                                   hint="the build output above shows the failing step",
                                   details="\n".join(tail[-10:]))
            if "aux" in event and "ID" in event["aux"]:
                image = event["aux"]["ID"]
    if image is None and tag:
        image = image_id(client, tag)
    if image is None:
        raise HerosimError(f"Building {what} produced no image", hint="run again; check `docker info`")
    return image
