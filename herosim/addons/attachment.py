"""The attachment record of an add-on provisioned for an app, in two halves.

Its data volume's labels say what is not secret (plan, name, the names of the config vars it
sets), so labels alone say what an app has. The values of those config vars (URLs with their
passwords) and the credentials its sidecar needs are the app's private state (addons.json,
0600, written atomically under the state lock), never a label.

Volumes made by herosim before carry their values on labels (LABEL_ADDON_CONFIG,
LABEL_ADDON_SECRET), which cannot be changed: they are copied into the private record the
first time they are read, and a credential rotation makes them stale.

A credential rotation is recorded before it is applied (`pending`), confirmed after, and its
release noted until it is made (`unreleased`), so a command killed half-way leaves what the
next one needs to finish it (app/rotation.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import docker

from herosim import paths
from herosim.const import (
    LABEL_ADDON_CONFIG,
    LABEL_ADDON_NAME,
    LABEL_ADDON_PLAN,
    LABEL_ADDON_SECRET,
    LABEL_ADDON_VARS,
    ROLE_ADDON,
)
from herosim.engine import cleanup, labels
from herosim.engine.client import translated
from herosim.errors import AddonError
from herosim.platform import jsonfile
from herosim.platform.config_vars import merge
from herosim.platform.state import AppState

ROTATED = "rotated-credentials.json"   # older herosim's record of rotations: migrated, then removed


@dataclass(frozen=True)
class Attachment:
    app: str
    plan: str                  # heroku-postgresql:essential-0
    name: str                  # postgresql-concave-52656
    volume: str
    config: dict[str, str] = field(default_factory=dict)   # vars it gives the app
    secret: dict[str, str] = field(default_factory=dict)   # what the sidecar needs to start
    pending: dict | None = None   # a rotation recorded, perhaps applied, not confirmed: {"config", "secret"}
    unreleased: str = ""          # a confirmed rotation's release, still to be made
    lost: bool = False            # no private record, and a volume too new to carry one on its labels

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
    """The app's add-ons: which ones from their volumes' labels, their values from the app's
    private record (an older volume's labels are copied into it the first time)."""
    state = AppState(app)
    records = state.addon_records()
    out = []
    for volume in client.volumes.list(filters=labels.of_app(app, ROLE_ADDON)):
        found = volume.attrs.get("Labels") or {}
        name = found.get(LABEL_ADDON_NAME, volume.name)
        record_ = records.get(name)
        if record_ is None:
            record_ = _migrate(state, name, found) if LABEL_ADDON_SECRET in found else {"lost": True}
        out.append(Attachment(app=app, plan=found.get(LABEL_ADDON_PLAN, ""), name=name, volume=volume.name,
                              config=dict(record_.get("config", {})), secret=dict(record_.get("secret", {})),
                              pending=record_.get("pending"), unreleased=record_.get("unreleased", ""),
                              lost=bool(record_.get("lost"))))
    return sorted(out, key=lambda a: a.name)


def _migrate(state: AppState, name: str, found: dict[str, str]) -> dict:
    """An add-on of an older herosim: its labels' values (and a rotation recorded since, which
    the labels never saw) become its private record."""
    rotated_path = state.path(ROTATED)
    rotated = jsonfile.read(rotated_path, {}).get(name, {})
    moved = {"config": {**_json_label(found, LABEL_ADDON_CONFIG), **rotated.get("config", {})},
             "secret": {**_json_label(found, LABEL_ADDON_SECRET), **rotated.get("secret", {})}}

    def change(records):
        records.setdefault(name, moved)

    record_ = state.change_addon_records(change)[name]
    left = {k: v for k, v in jsonfile.read(rotated_path, {}).items() if k != name}
    if left:
        jsonfile.write(rotated_path, left)
    else:
        rotated_path.unlink(missing_ok=True)
    return record_


def public_labels(found: dict[str, str]) -> dict[str, str]:
    """A volume's labels without an older herosim's copies of secrets (a new volume for the same
    add-on, apps:rename's, carries only these: the private record has the rest)."""
    return {k: v for k, v in found.items() if k not in (LABEL_ADDON_CONFIG, LABEL_ADDON_SECRET)}


def require_credentials(attachment: Attachment) -> None:
    """An add-on whose credentials herosim no longer has (its record removed) cannot be run."""
    if attachment.lost and attachment.plan.split(":", 1)[0] != "scheduler":
        path = AppState(attachment.app).path("addons.json")
        raise AddonError(f"The credentials of {attachment.name} are not in {path}",
                         hint=f"restore that file from a backup, or remove the add-on and its data: "
                              f"herosim addons:destroy {attachment.name} --confirm {attachment.app}")


def _json_label(found: dict[str, str], key: str) -> dict:
    try:
        value = json.loads(found.get(key, "{}"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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
    """The private record first (a record without its volume is no add-on), then the data
    volume, labelled with what is not secret."""
    def change(records):
        records[attachment.name] = {"config": attachment.config, "secret": attachment.secret}

    AppState(attachment.app).change_addon_records(change)
    with translated(f"creating the volume for {attachment.name}"):
        client.volumes.create(attachment.volume, labels=labels.for_app(attachment.app, ROLE_ADDON, **{
            LABEL_ADDON_PLAN: attachment.plan, LABEL_ADDON_NAME: attachment.name,
            LABEL_ADDON_VARS: ",".join(attachment.config)}))


# -- credential rotation: pending, confirmed, released ---------------------------------------------
def rotation_release(attachment: Attachment) -> str:
    """Heroku's description of the release a rotated credential makes."""
    return f"Update {attachment.attachment_name} by {attachment.name}"


def begin_rotation(attachment: Attachment, config: dict[str, str], secret: dict[str, str]) -> Attachment:
    """Record the new credential before anything applies it."""
    pending = {"config": {**attachment.config, **config}, "secret": {**attachment.secret, **secret}}
    _change(attachment, lambda entry: entry.__setitem__("pending", pending))
    return replace(attachment, pending=pending)


def confirm_rotation(attachment: Attachment, release: str) -> Attachment:
    """The server has the pending credential: it is the add-on's now, its release still to make."""
    pending = attachment.pending or {}

    def change(entry):
        entry.update(config=pending["config"], secret=pending["secret"], unreleased=release)
        entry.pop("pending", None)

    _change(attachment, change)
    return replace(attachment, config=pending["config"], secret=pending["secret"], pending=None, unreleased=release)


def released(attachment: Attachment) -> Attachment:
    _change(attachment, lambda entry: entry.pop("unreleased", None))
    return replace(attachment, unreleased="")


def add_config(attachment: Attachment, config: dict[str, str]) -> Attachment:
    """More config vars the add-on gives the app (an attachment of it, as the pooler's)."""
    merged = {**attachment.config, **config}
    _change(attachment, lambda entry: entry.__setitem__("config", {**entry.get("config", {}), **config}))
    return replace(attachment, config=merged)


def set_secret(attachment: Attachment, secret: dict[str, str]) -> Attachment:
    """What the add-on's sidecar needs, replaced (a follower promoted: no leader to follow)."""
    _change(attachment, lambda entry: entry.__setitem__("secret", dict(secret)))
    return replace(attachment, secret=dict(secret))


def _change(attachment: Attachment, edit) -> None:
    def change(records):
        entry = records.setdefault(attachment.name, {"config": attachment.config, "secret": attachment.secret})
        edit(entry)

    AppState(attachment.app).change_addon_records(change)


def remove(client: docker.DockerClient, app: str, name: str | None = None) -> list[str]:
    """Remove sidecars and their volumes (destroy / addons:destroy): the data goes too."""
    removed = []
    for container in client.containers.list(all=True, filters=labels.of_app(app, ROLE_ADDON, addon=name)):
        cleanup.container(container)
    for volume in client.volumes.list(filters=labels.of_app(app, ROLE_ADDON, addon=name)):
        removed.append((volume.attrs.get("Labels") or {}).get(LABEL_ADDON_NAME, volume.name))
        cleanup.quietly(volume, force=True)
    state = AppState(app)
    if state.exists and (removed or name):
        def change(records):
            for gone in [*removed, *([name] if name else [])]:
                records.pop(gone, None)
        state.change_addon_records(change)
    path = paths.app_dir(app) / ROTATED
    if path.exists():
        rotated = {k: v for k, v in jsonfile.read(path, {}).items() if k not in removed}
        jsonfile.write(path, rotated)
    return removed
