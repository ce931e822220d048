"""`apps:rename`: the app under a new name, its add-on data, releases and slugs kept.

Docker cannot change a label, and labels say which app owns what. So the dynos and add-on
containers stop (they are made again under the new name), each add-on volume's content is
copied by a helper container into a new volume labelled for the new name before the old one
goes, each image of the app gets a child image that only relabels it (the releases point at
the new ids), the app's state folder and Heroku Git repository move, and its router
certificate is made again for the new name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import docker

from herosim import paths
from herosim.addons import sidecar
from herosim.addons.attachment import Attachment, public_labels
from herosim.addons.registry import service_for_plan
from herosim.const import LABEL_APP, ROLE_ADDON
from herosim.engine import cleanup, images, labels, network
from herosim.engine.client import translated
from herosim.engine.tarball import TarWriter
from herosim.errors import HerosimError
from herosim.git import repo
from herosim.platform import jsonfile, names
from herosim.platform.state import AppState
from herosim.runtime import launcher
from herosim.tls import authority

if TYPE_CHECKING:
    from herosim.app import App
    from herosim.runtime.settings import ManagerSettings


def rename(app: App, new: str) -> AppState:
    """Returns the new name's state. The app runs again afterwards when it ran before."""
    client, old = app.ctx.client, app.name
    names.check_new(new)
    if AppState(new).exists or repo.exists(new):
        raise HerosimError(f"Name {new} is already taken", hint="choose another name")
    with app.ctx.changing():
        running = app.ctx.manager()
        settings = running.ping().settings if running is not None else None
        app.dynos.down(60)
        for attachment in app.addons.attached():
            _move_volume(client, app, attachment, new)
        for container in client.containers.list(all=True, filters=labels.of_app(old)):
            cleanup.container(container)
        network.remove(client, old)
        moved = _relabel_images(client, old, new)
        _point_releases(app.state, moved)
        app.state.dir.rename(paths.app_dir(new))
    repo.rename(old, new)
    authority.forget(old)   # the router's certificate names the app: the new name's is made on start
    state = AppState(new)
    if settings is not None:
        _start_again(app, state, settings)
    return state


def _move_volume(client: docker.DockerClient, app: App, attachment: Attachment, new: str) -> None:
    old_volume = client.volumes.get(attachment.volume)
    found = dict(old_volume.attrs.get("Labels") or {})
    target = f"herosim-{new}-{attachment.name}"
    with translated(f"copying {attachment.name}'s data"):
        client.volumes.create(target, labels={**public_labels(found), LABEL_APP: new})
        status = _copy(client, _helper_image(client, app, attachment), attachment.volume, target)
    if status != 0:
        cleanup.quietly(client.volumes.get(target), force=True)
        raise HerosimError(f"Copying {attachment.name}'s data to the new name failed (status {status})",
                           hint="nothing was removed: the app keeps its old name; see `docker volume ls`")
    container = sidecar.find(client, attachment)
    if container is not None:
        cleanup.container(container)
    cleanup.quietly(old_volume, force=True)


def _copy(client: docker.DockerClient, image: str, source: str, target: str) -> int:
    """`cp -a` from one volume to the other, as root (ownership and modes kept)."""
    container = client.containers.create(
        image, ["sh", "-c", "cp -a /from/. /to/"], entrypoint=[], user="0", labels=labels.for_tool(ROLE_ADDON),
        volumes={source: {"bind": "/from", "mode": "ro"}, target: {"bind": "/to", "mode": "rw"}})
    try:
        container.start()
        return int(container.wait().get("StatusCode", 1))
    finally:
        cleanup.container(container)


def _helper_image(client: docker.DockerClient, app: App, attachment: Attachment) -> str:
    """An image that has sh and cp: the add-on's own (its sidecar's, else its stack's)."""
    container = sidecar.find(client, attachment)
    if container is not None:
        return container.image.id
    return service_for_plan(attachment.plan).sidecar(attachment, app.addons.stack()).image.ref


def _relabel_images(client: docker.DockerClient, old: str, new: str) -> dict[str, str]:
    """A child of each of the app's images that says it belongs to `new` (no new layer; the
    old one loses its tags and goes with its child): old id -> new id."""
    moved: dict[str, str] = {}
    for image in images.listed(client, labels.of_app(old)):
        tags = [t.replace(f"/{old}:", f"/{new}:") for t in image.tags]
        archive = TarWriter(mtime=0)
        archive.add_bytes("Dockerfile", f"FROM {image.id}\n".encode(), 0o644)
        moved[image.id] = images.build(client, archive.close(), tags[0] if tags else None, lambda _line: None,
                                       labels={LABEL_APP: new}, what=f"the relabelled image of {new}")
        for tag in image.tags:
            _untag(client, tag)
        for tag in tags[1:]:
            client.images.get(moved[image.id]).tag(tag)
    return moved


def _untag(client: docker.DockerClient, tag: str) -> None:
    try:
        client.images.remove(tag, noprune=True)
    except docker.errors.APIError:
        pass


def _point_releases(state: AppState, moved: dict[str, str]) -> None:
    path = state.path(paths.RELEASES)
    releases = jsonfile.read(path, [])
    for release in releases:
        if release.get("slug") in moved:
            release["slug"] = moved[release["slug"]]
    jsonfile.write(path, releases)


def _start_again(app: App, state: AppState, settings: ManagerSettings) -> None:
    """The manager under the new name, with the settings it had; add-ons started first."""
    from herosim.app import App as AppClass
    from herosim.progress import Recorder
    renamed = AppClass(app.ctx.client, Recorder(), state.app, state)   # Heroku's rename says nothing of this
    renamed.addons.start_all(renamed.addons.stack(), quiet=True)
    current = state.current_release()
    manager = launcher.ensure(state, settings)
    if current is not None and current.slug:
        manager.deploy(current.version, timeout=settings.timeouts.boot + settings.timeouts.stop + 60)
