"""The app's private network: dynos and add-ons reach each other by name on it."""

from __future__ import annotations

import docker
import docker.errors

from herosim.const import LABEL_APP, LABEL_ROLE, ROLE_NETWORK
from herosim.engine.client import translated


def name_for(app: str) -> str:
    return f"herosim-{app}"


def ensure(client: docker.DockerClient, app: str) -> str:
    found = client.networks.list(filters={"label": [f"{LABEL_APP}={app}", f"{LABEL_ROLE}={ROLE_NETWORK}"]})
    if found:
        return found[0].name
    with translated(f"creating the network for {app}"):
        client.networks.create(name_for(app), driver="bridge",
                               labels={LABEL_APP: app, LABEL_ROLE: ROLE_NETWORK})
    return name_for(app)


def remove(client: docker.DockerClient, app: str) -> int:
    removed = 0
    for net in client.networks.list(filters={"label": f"{LABEL_APP}={app}"}):
        try:
            net.remove()
            removed += 1
        except docker.errors.APIError:
            pass
    return removed
