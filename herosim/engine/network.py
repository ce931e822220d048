"""The app's private network: dynos and add-ons reach each other by name on it."""

from __future__ import annotations

import docker
import docker.errors

from herosim.const import LABEL_APP, ROLE_NETWORK
from herosim.engine import cleanup, labels
from herosim.engine.client import translated


def name_for(app: str) -> str:
    return f"herosim-{app}"


def ensure(client: docker.DockerClient, app: str) -> str:
    found = client.networks.list(filters=labels.of_app(app, ROLE_NETWORK))
    if found:
        return found[0].name
    with translated(f"creating the network for {app}"):
        client.networks.create(name_for(app), driver="bridge", labels=labels.for_app(app, ROLE_NETWORK))
    return name_for(app)


def remove(client: docker.DockerClient, app: str) -> int:
    """The app's networks; containers of other apps still on one (another app's add-ons that a
    test fork used) are disconnected first, never removed."""
    removed = 0
    for net in client.networks.list(filters=labels.of_app(app)):
        for container in _attached(net):
            if (container.labels or {}).get(LABEL_APP) != app:
                try:
                    net.disconnect(container, force=True)
                except docker.errors.APIError:
                    pass
        removed += cleanup.quietly(net)
    return removed


def connect(client: docker.DockerClient, app: str, container, alias: str) -> None:
    """Another app's container (an add-on a test fork shares) on this app's network, by `alias`."""
    net = client.networks.get(ensure(client, app))
    if container.id in {c.id for c in _attached(net)}:
        return
    with translated(f"connecting {container.name} to {app}'s network"):
        net.connect(container, aliases=[alias])


def _attached(net) -> list:
    try:
        net.reload()
        return list(net.containers)
    except docker.errors.APIError:
        return []
