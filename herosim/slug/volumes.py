"""The volumes a build step mounts, and nothing else: the app's own cache (Poetry's and Pipenv's
download caches; labelled with the app, so `destroy` removes it), writable in the install step
alone; herosim's tools volume (uv, Poetry), read-only in every step of an app. No step that
runs an app's code (its hooks, collectstatic, its dependencies' build scripts) can write to
anything another app's build reads, as on Heroku, where each app has its own build cache."""

from __future__ import annotations

import os

import docker
import docker.errors
import docker.types

from herosim.const import ENV_CACHE_VOLUME, LABEL_APP, LABEL_ROLE, ROLE_CACHE
from herosim.engine import labels
from herosim.engine.client import translated
from herosim.errors import BuildError
from herosim.slug.managers.base import CACHE, TOOLS, PackageManager

TOOLS_VOLUME = "herosim-tools"
ROLE_TOOLS = "tools"
CACHE_VOLUME_ENV = ENV_CACHE_VOLUME   # names the app's cache volume (benchmarks: a cold one)


def cache_name(app: str) -> str:
    return os.environ.get(CACHE_VOLUME_ENV) or f"herosim-cache-{app}"


def mounts(manager: PackageManager, app_cache: str | None = None) -> dict[str, dict[str, str]]:
    """The `volumes=` of a step: the tools read-only when the manager's tool lives there, the
    app's cache (writable) only when given (the install step)."""
    found = {TOOLS_VOLUME: {"bind": TOOLS, "mode": "ro"}} if manager.on_tools_volume else {}
    if app_cache:
        found[app_cache] = {"bind": CACHE, "mode": "rw"}
    return found


def as_mounts(spec: dict[str, dict[str, str]]) -> list[docker.types.Mount]:
    """`mounts` as the engine's Mount objects: unlike `volumes=`, they leave no VOLUME in an
    image committed from the step, so no later container gets a volume there."""
    return [docker.types.Mount(target=bind["bind"], source=name, type="volume", read_only=bind["mode"] == "ro")
            for name, bind in spec.items()]


def ensure_app_cache(client: docker.DockerClient, app: str) -> str:
    """The app's cache volume, made when missing; one of another app (or of none) is refused."""
    name = cache_name(app)
    with translated("preparing the app's build cache"):
        try:
            volume = client.volumes.get(name)
        except docker.errors.NotFound:
            client.volumes.create(name, labels=labels.for_app(app, ROLE_CACHE))
            return name
    found = volume.attrs.get("Labels") or {}
    if found.get(LABEL_APP) != app or found.get(LABEL_ROLE) != ROLE_CACHE:
        raise BuildError(f"volume {name} is not {app}'s build cache",
                         hint=f"unset {CACHE_VOLUME_ENV}, or name a volume herosim has not made for another app")
    return name


def ensure_tools(client: docker.DockerClient):
    """The tools volume (made when missing)."""
    with translated("preparing herosim's tools volume"):
        try:
            return client.volumes.get(TOOLS_VOLUME)
        except docker.errors.NotFound:
            return client.volumes.create(TOOLS_VOLUME, labels={LABEL_ROLE: ROLE_TOOLS})
