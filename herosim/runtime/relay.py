"""The app's relay container: when this machine does not reach the engine's container
addresses, the router reaches web dynos through execs of the relay (engine/frames.py) in it.
One per app, on the app's network, from a dyno's image (perl is in every stack), idle, no
config var, no capability, unprivileged; found by its label, removed with the manager (and by
`down` and `destroy`, as everything labelled with the app).

Not in the dyno itself: a relay per connection there would count in the dyno's memory and
process limits and show in its `ps`, which Heroku's router never does."""

from __future__ import annotations

import threading
import uuid

import docker.errors
import requests.exceptions

from herosim.const import ROLE_RELAY
from herosim.engine import cleanup, labels
from herosim.engine.client import translated


class Relay:
    def __init__(self, client, app: str, network: str):
        self.client, self.app, self.network = client, app, network
        self.id = ""
        self._lock = threading.Lock()

    def ensure(self, image: str) -> str:
        """The running relay's ID (made from `image` when there is none)."""
        with self._lock:
            if self.id:
                return self.id
            for container in self.client.containers.list(all=True, filters=labels.of_app(self.app, ROLE_RELAY)):
                if container.status == "running" and not self.id:
                    self.id = container.id
                else:
                    cleanup.container(container)
            if not self.id:
                with translated("starting the app's relay"):
                    container = self.client.containers.run(
                        image, ["infinity"], entrypoint=["sleep"],
                        name=f"herosim.{self.app}.relay.{uuid.uuid4().hex[:8]}",
                        labels=labels.for_app(self.app, ROLE_RELAY), network=self.network, user="nobody",
                        environment={}, working_dir="/", detach=True, cap_drop=["ALL"],
                        security_opt=["no-new-privileges"], mem_limit="512m", pids_limit=512)
                self.id = container.id
            return self.id

    def remove(self) -> None:
        """Gone with the manager (`down` removes one a killed manager left)."""
        with self._lock:
            if not self.id:
                return
            self.id = ""
            try:
                for container in self.client.containers.list(all=True, filters=labels.of_app(self.app, ROLE_RELAY)):
                    cleanup.container(container)
            except (docker.errors.DockerException, requests.exceptions.RequestException):
                pass   # the engine is away: `down` or the next manager removes it
