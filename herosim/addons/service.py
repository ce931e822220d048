"""One kind of add-on: how it is provisioned, run and probed. Subclasses, one module each."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import docker

from herosim.addons.attachment import Attachment, attachments, config_vars, record
from herosim.engine.recipes import Image
from herosim.engine.stack import Stack

ADJECTIVES = ("concave", "convex", "curly", "silent", "shallow", "rigid", "fluffy", "round", "solid",
              "tapered", "transparent", "vertical", "horizontal", "clean", "cubic", "dimensional",
              "elliptical", "encircled", "opaque", "polished", "reticulated", "sinuous", "symmetrical")


@dataclass(frozen=True)
class SidecarSpec:
    image: Image               # what it runs (`image.ref`), and how the engine gets it
    environment: dict[str, str]
    command: list[str] | None
    port: int                  # inside the container
    data_path: str             # where the volume is mounted
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # path -> (content, mode)
    entrypoint: list[str] | None = None   # None: the image's own


class AddonService:
    service = ""           # heroku-postgresql
    default_plan = ""      # heroku-postgresql:essential-0
    name_prefix = ""       # postgresql
    ready_timeout = 90.0
    has_sidecar = True     # Heroku Scheduler has none: its jobs run as one-off dynos

    def new_attachment(self, app: str, plan: str, name: str, volume: str,
                       taken_vars: set[str], options: dict) -> Attachment:
        raise NotImplementedError

    def sidecar(self, attachment: Attachment, stack: Stack) -> SidecarSpec:
        raise NotImplementedError

    def probe(self, container, attachment: Attachment) -> tuple[bool, str]:
        """(ready, what was seen) for one readiness check."""
        raise NotImplementedError

    def validate(self, plan: str, options: dict, stack: Stack) -> None:
        """Refuse, before anything is created, what this stack cannot run."""

    def after_ready(self, container, attachment: Attachment) -> None:
        """Settings applied at every start, once the server answers (plan limits)."""

    def apply_credential(self, container, attachment: Attachment, secret: dict[str, str]) -> None:
        """The server takes `secret` as its credential (a rotation; the services that rotate)."""
        raise NotImplementedError

    def credentials(self, attachment: Attachment) -> str:
        """What protects its data (`addons:info`)."""
        return "a password in its URL"

    def random_name(self) -> str:
        return f"{self.name_prefix}-{random.choice(ADJECTIVES)}-{random.randint(10000, 99999)}"

    def provision(self, client: docker.DockerClient, app: str, plan: str | None = None,
                  options: dict | None = None) -> Attachment:
        """A new attachment for `app`, recorded on its data volume."""
        name = self.random_name()
        attachment = self.new_attachment(app, plan or self.default_plan, name, f"herosim-{app}-{name}",
                                         set(config_vars(attachments(client, app))), options or {})
        record(client, attachment)
        return attachment
