"""snapshot:save / snapshot:load / snapshots / snapshot:remove: an app's whole state, saved
and put back exactly: every add-on's data (each Postgres database, the Key-Value Store, the
search indices), the config vars, the current release and the formation.

Both stop the dynos first (no write in flight, no connection left to a server that stops)
and the add-on servers (their files as a clean shutdown leaves them), and start them after.
A load makes a release of the snapshot's slug and config vars (no release phase: a migration
would change what was saved); another app's snapshot loads only when asked, its data into
this app's add-ons (matched by service and attachment: DATABASE, REDIS, …) and its config
vars, on this app's own slug."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass

from herosim.addons import sidecar
from herosim.addons.attachment import Attachment
from herosim.addons.registry import service_for_plan
from herosim.app import snapshotdata
from herosim.app.addons import Addons
from herosim.app.context import AppContext
from herosim.app.dynos import Dynos
from herosim.app.releases import Releases
from herosim.const import HEXAGON
from herosim.engine import images
from herosim.errors import HerosimError
from herosim.platform import snapshots as store
from herosim.platform.releases import Release
from herosim.platform.snapshots import AddonData, Snapshot
from herosim.runtime import launcher
from herosim.runtime.settings import ManagerSettings

POSTGRES = "heroku-postgresql"


@dataclass(frozen=True)
class Loaded:
    snapshot: Snapshot
    pairs: tuple[tuple[AddonData, str], ...]   # (what was saved, the add-on it went into)
    untouched: tuple[str, ...]                 # this app's add-ons the snapshot has nothing for
    release: Release | None                    # None: the current release already ran that state
    own_slug: bool                             # the snapshot's slug (else this app's current one)


class Snapshots:
    def __init__(self, ctx: AppContext, releases: Releases, addons: Addons, dynos: Dynos):
        self.ctx, self.releases, self.addons, self.dynos = ctx, releases, addons, dynos

    def all(self) -> list[Snapshot]:
        return store.all_snapshots()

    def remove(self, name: str) -> Snapshot:
        return store.remove(name)

    # -- save ---------------------------------------------------------------------------------
    def save(self, name: str, replace: bool = False) -> Snapshot:
        store.check_name(name)
        if store.exists(name) and not replace:
            raise HerosimError(f"Snapshot {name} already exists.",
                               hint=f"--force replaces it; `herosim snapshot:remove {name}` removes it")
        with self.ctx.changing():
            attached = self._with_sidecars()
            stack = self.addons.stack()
            current = self.ctx.state.current_release()
            staged = store.staging(name)
            try:
                with self._stopped(attached):
                    saved = tuple(self._save_one(a, stack, staged) for a in attached)
                snapshot = Snapshot(
                    name=name, app=self.ctx.name, created_at=store.now(),
                    release=current.version if current else None, slug=current.slug if current else None,
                    commit=current.commit if current else "", processes=current.processes if current else {},
                    release_config_vars=current.config_vars if current else {},
                    config_vars=self.ctx.state.config_vars(), formation=self.ctx.state.formation(), addons=saved)
                store.commit(name, staged, snapshot)
            except BaseException:
                shutil.rmtree(staged, ignore_errors=True)
                raise
            return snapshot

    def _save_one(self, attachment: Attachment, stack, staged) -> AddonData:
        service = service_for_plan(attachment.plan)
        container = sidecar.find(self.ctx.client, attachment)
        if container is None:
            raise HerosimError(f"{attachment.name} has no container to read its data from",
                               hint=f"start the app once: herosim up -a {self.ctx.name}")
        self.ctx.progress.info(f"Saving {attachment.name} ({attachment.plan})...")
        file = f"{attachment.name}.tar.gz"
        size = snapshotdata.save(container, service.sidecar(attachment, stack).data_path, attachment.service,
                                 staged / file)
        postgres = attachment.service == POSTGRES
        return AddonData(name=attachment.name, service=attachment.service, plan=attachment.plan,
                         attachment=attachment.attachment_name,
                         version=attachment.secret.get("version", "") if postgres else "", file=file, size=size,
                         role=attachment.secret.get("user", "") if postgres else "",
                         database=attachment.secret.get("database", "") if postgres else "")

    # -- load ---------------------------------------------------------------------------------
    def loadable(self, name: str, other_app: bool = False) -> Snapshot:
        """The snapshot, when this app may load it: its own, or another app's when told."""
        snapshot = store.read(name)
        if snapshot.app != self.ctx.name and not other_app:
            raise HerosimError(f"Snapshot {name} is of {HEXAGON} {snapshot.app}, not of {HEXAGON} {self.ctx.name}.",
                               hint=f"--other-app loads it anyway: its data and config vars replace {self.ctx.name}'s")
        return snapshot

    def load(self, name: str, other_app: bool = False) -> Loaded:
        snapshot = self.loadable(name, other_app)
        with self.ctx.changing():
            pairs = self._match(snapshot)
            stack = self.addons.stack()
            with self._stopped([target for _, target in pairs]):
                for data, target in pairs:
                    self.ctx.progress.info(f"Loading {data.name}'s data into {target.name}...")
                    service = service_for_plan(target.plan)
                    spec = service.sidecar(target, stack)
                    snapshotdata.load(self.ctx.client, self.ctx.name, spec.image.ref, target.volume, spec.data_path,
                                      target.service, store.folder(name) / data.file, _fixup(data, target))
                release, own_slug = self._release(snapshot)
            used = {target.name for _, target in pairs}
            untouched = tuple(a.name for a in self._with_sidecars() if a.name not in used)
            return Loaded(snapshot, tuple((d, t.name) for d, t in pairs), untouched, release, own_slug)

    def _match(self, snapshot: Snapshot) -> list[tuple[AddonData, Attachment]]:
        """Each saved add-on's target: the same add-on, else this app's one of that service and
        attachment (DATABASE, REDIS, …), else its only one of that service. Refused before
        anything changes when one is missing or runs another Postgres major."""
        targets = self._with_sidecars()
        pairs, used = [], set()
        for data in snapshot.addons:
            same = [a for a in targets if a.name == data.name]
            kind = [a for a in targets if a.service == data.service and a.name not in used]
            named = [a for a in kind if a.attachment_name == data.attachment]
            found = same or named or (kind if len(kind) == 1 else [])
            if not found:
                raise HerosimError(f"{HEXAGON} {self.ctx.name} has no {data.service} add-on for the snapshot's "
                                   f"{data.attachment} ({data.name}).", hint=f"herosim addons:create {data.plan}")
            target = found[0]
            if data.service == POSTGRES and data.version and target.secret.get("version") != data.version:
                raise HerosimError(f"{target.name} runs Postgres {target.secret.get('version')}, the snapshot's "
                                   f"{data.name} Postgres {data.version}: its files cannot be loaded into it.",
                                   hint=f"herosim addons:create heroku-postgresql --version {data.version}, "
                                        "or pg:backups to move the data across versions")
            used.add(target.name)
            pairs.append((data, target))
        return pairs

    def _release(self, snapshot: Snapshot) -> tuple[Release | None, bool]:
        """The snapshot's config vars and formation; its slug when it is this app's and still kept."""
        state = self.ctx.state
        current = state.current_release()
        own = bool(snapshot.app == self.ctx.name and snapshot.slug
                   and images.exists(self.ctx.client, snapshot.slug))
        slug = snapshot.slug if own else (current.slug if current else None)
        processes = snapshot.processes if own else (current.processes if current else {})
        config = snapshot.release_config_vars if own else snapshot.config_vars
        state.replace_config_vars(config)
        if snapshot.formation is not None:
            state.set_formation(snapshot.formation)
        if current is not None and (current.slug, current.processes, current.config_vars) == (slug, processes, config):
            return None, own
        description = f"Load snapshot {snapshot.name}" + (f" (v{snapshot.release})" if own and snapshot.release else "")
        release = self.releases.create(description, slug, processes, config,
                                       commit=snapshot.commit if own else (current.commit if current else ""),
                                       release_phase=False)
        return release, own

    # -- stopping and starting -----------------------------------------------------------------
    def _with_sidecars(self) -> list[Attachment]:
        return [a for a in self.addons.attached() if service_for_plan(a.plan).has_sidecar]

    @contextlib.contextmanager
    def _stopped(self, attachments: list[Attachment]):
        """The dynos and these add-ons' servers stopped; afterwards, when they ran before, the
        add-ons started and the formation on the current release (an app that was down stays
        down)."""
        manager = self.ctx.manager()
        settings = manager.ping().settings if manager else None
        if settings is not None:
            self.ctx.progress.info(f"Stopping all dynos on {HEXAGON} {self.ctx.name}...")
            self.dynos.down(settings.timeouts.stop)
        running = False
        for attachment in attachments:
            container = sidecar.find(self.ctx.client, attachment)
            if container is not None and container.status == "running":
                running = True
                container.stop(timeout=30)
        try:
            yield
        finally:
            if running or settings is not None:
                self.addons.start_all(self.addons.stack())
            if settings is not None:
                self._start_dynos(settings)

    def _start_dynos(self, settings: ManagerSettings) -> None:
        timeouts = settings.timeouts
        current = self.ctx.state.current_release()
        manager = launcher.ensure(self.ctx.state, settings)
        if current is not None:
            self.ctx.progress.info(f"Starting the dynos on v{current.version}...")
            manager.deploy(current.version, timeout=timeouts.boot + timeouts.stop + 60)


def _fixup(data: AddonData, target: Attachment) -> dict[str, str] | None:
    """Postgres: the saved cluster's role and database renamed to the target's, its password set."""
    if data.service != POSTGRES:
        return None
    secret = target.secret
    return {"ROLE_OLD": data.role or secret["user"], "ROLE_NEW": secret["user"],
            "DB_OLD": data.database or secret["database"], "DB_NEW": secret["database"],
            "SECRET": secret["password"]}
