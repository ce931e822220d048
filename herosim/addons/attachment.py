"""The attachment record: an add-on provisioned for an app lives on its data volume's labels
(plan, name, config vars, what its sidecar needs), so labels alone say what an app has."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import docker

from herosim.const import LABEL_ADDON_CONFIG, LABEL_ADDON_NAME, LABEL_ADDON_PLAN, LABEL_ADDON_SECRET, ROLE_ADDON
from herosim.engine import cleanup, labels
from herosim.engine.client import translated
from herosim import paths
from herosim.platform import jsonfile
from herosim.platform.config_vars import merge

ROTATED = "rotated-credentials.json"   # credentials changed after provisioning (pg:credentials:rotate)


@dataclass(frozen=True)
class Attachment:
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
    def tier(self) -> str:
        return self.plan.partition(":")[2]

    @property
    def attachment_name(self) -> str:
        """Heroku's name of the attachment (DATABASE, REDIS, SCHEDULER): its release says
        `Attach DATABASE (@ref:postgresql-curly-33328)`."""
        if not self.config:
            return self.service.upper()
        keys = [k.removesuffix("_URL") for k in self.config]
        return next((k for k in keys if not k.startswith("HEROKU_POSTGRESQL_")), keys[0])

    @property
    def container_name(self) -> str:
        return f"herosim.{self.app}.{self.name}"


def attachments(client: docker.DockerClient, app: str) -> list[Attachment]:
    """The app's add-ons from their volumes' labels; a credential rotated since (labels
    cannot change) comes from the app's private record of rotations."""
    rotated = jsonfile.read(paths.app_dir(app) / ROTATED, {})
    out = []
    for volume in client.volumes.list(filters=labels.of_app(app, ROLE_ADDON)):
        found = volume.attrs.get("Labels") or {}
        name = found.get(LABEL_ADDON_NAME, volume.name)
        newer = rotated.get(name, {})
        out.append(Attachment(
            app=app, plan=found.get(LABEL_ADDON_PLAN, ""), name=name, volume=volume.name,
            config={**json.loads(found.get(LABEL_ADDON_CONFIG, "{}")), **newer.get("config", {})},
            secret={**json.loads(found.get(LABEL_ADDON_SECRET, "{}")), **newer.get("secret", {})},
        ))
    return sorted(out, key=lambda a: a.name)


def record_rotation(attachment: Attachment, config: dict[str, str], secret: dict[str, str]) -> Attachment:
    """A new credential: kept in the app's folder (0600), read over the volume's labels."""
    path = paths.app_dir(attachment.app) / ROTATED
    rotated = jsonfile.read(path, {})
    rotated[attachment.name] = {"config": config, "secret": secret}
    jsonfile.write(path, rotated)
    return Attachment(attachment.app, attachment.plan, attachment.name, attachment.volume,
                      {**attachment.config, **config}, {**attachment.secret, **secret})


def config_vars(found: list[Attachment]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for attachment in found:
        merged.update(attachment.config)
    return merged


def dyno_environment(client: docker.DockerClient, app: str, user_vars: dict[str, str],
                     metadata: dict[str, str] | None = None) -> dict[str, str]:
    """What every dyno of the app sees: the add-ons' vars, the user's config vars, and the
    runtime-dyno-metadata vars when that labs feature is on."""
    return {**merge(config_vars(attachments(client, app)), user_vars), **(metadata or {})}


def record(client: docker.DockerClient, attachment: Attachment) -> None:
    """Create the attachment's data volume, its labels the record."""
    with translated(f"creating the volume for {attachment.name}"):
        client.volumes.create(attachment.volume, labels=labels.for_app(attachment.app, ROLE_ADDON, **{
            LABEL_ADDON_PLAN: attachment.plan, LABEL_ADDON_NAME: attachment.name,
            LABEL_ADDON_CONFIG: json.dumps(attachment.config), LABEL_ADDON_SECRET: json.dumps(attachment.secret)}))


def remove(client: docker.DockerClient, app: str, name: str | None = None) -> list[str]:
    """Remove sidecars and their volumes (destroy / addons:destroy): the data goes too."""
    removed = []
    for container in client.containers.list(all=True, filters=labels.of_app(app, ROLE_ADDON, addon=name)):
        cleanup.container(container)
    for volume in client.volumes.list(filters=labels.of_app(app, ROLE_ADDON, addon=name)):
        removed.append((volume.attrs.get("Labels") or {}).get(LABEL_ADDON_NAME, volume.name))
        cleanup.quietly(volume, force=True)
    path = paths.app_dir(app) / ROTATED
    if path.exists():
        rotated = {k: v for k, v in jsonfile.read(path, {}).items() if k not in removed}
        jsonfile.write(path, rotated)
    return removed
