"""The app's private network: dynos and add-ons reach each other by name on it."""

from __future__ import annotations

import docker

from herosim.const import ROLE_NETWORK
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
    return sum(cleanup.quietly(net) for net in client.networks.list(filters=labels.of_app(app)))
