"""The verbs on one app, composed: releases, deploys, config vars, add-ons, dynos and the
filesystem audit, each a small object over one shared AppContext. Verbs return data;
the CLI prints it (long-running ones report their steps through the context's Progress)."""

from __future__ import annotations

import docker

from herosim.addons import sidecar
from herosim.app import catalog, rotation
from herosim.app.addons import Addons
from herosim.app.config import ConfigVars
from herosim.app.context import AppContext
from herosim.app.deploy import Deployer, UpOptions
from herosim.app.dynos import Dynos
from herosim.app.followers import Followers
from herosim.app.fs import Filesystem
from herosim.app.keyvalue import KeyValue
from herosim.app.labs import Labs
from herosim.app.pgbackups import Backups
from herosim.app.pgextras import Extras
from herosim.app.pgtransfer import Transfer
from herosim.app.pooling import Pooling
from herosim.app.postgres import Databases
from herosim.app.releases import Releases
from herosim.app.scheduler import Jobs
from herosim.app.snapshots import Snapshots
from herosim.engine import cleanup, labels, network
from herosim.engine.client import translated
from herosim.git import repo
from herosim.platform.state import AppState
from herosim.progress import Progress
from herosim.runtime import launcher
from herosim.tls import authority


class App:
    def __init__(self, client: docker.DockerClient, progress: Progress, name: str, state: AppState):
        self.ctx = AppContext(client, name, state, progress)
        self.releases = Releases(self.ctx)
        self.addons = Addons(self.ctx, self.releases)
        self.ctx.recover = rotation.Rotations(self.addons).recover
        self.config = ConfigVars(self.ctx, self.releases, self.addons)
        self.deployer = Deployer(self.ctx, self.releases, self.addons, self.config)
        self.dynos = Dynos(self.ctx)
        self.fs = Filesystem(self.ctx)
        self.labs = Labs(self.ctx)
        self.keyvalue = KeyValue(self.addons)
        self.jobs = Jobs(self.ctx, self.addons)
        self.pg = Databases(self.addons)
        self.pgbackups = Backups(self.pg)
        self.pooling = Pooling(self.pg)
        self.followers = Followers(self.pg)
        self.pgextras = Extras(self.pg)
        self.pgtransfer = Transfer(self.pg)
        self.snapshots = Snapshots(self.ctx, self.releases, self.addons, self.dynos)

    @property
    def name(self) -> str:
        return self.ctx.name

    @property
    def state(self) -> AppState:
        return self.ctx.state

    @property
    def logs(self):
        return self.ctx.logs

    def url(self, port: int | None = None) -> str:
        """The web URL over plain HTTP (the router's port answers HTTPS too: `https_url`)."""
        return catalog.http_url(port or self.router_port)

    def https_url(self, port: int | None = None) -> str:
        return catalog.https_url(port or self.router_port)

    def urls(self) -> str:
        """Both web URLs, as Heroku's CLI joins two URLs: `http://… | https://…`."""
        return f"{self.url()} | {self.https_url()}"

    @property
    def router_port(self) -> int:
        return catalog.router_port(self.state)

    def describe(self) -> dict:
        """What scripts want after `up -d`: URL, release, dynos, add-ons and their config vars."""
        release = self.state.current_release()
        return {"app": self.name, "url": self.url(), "https_url": self.https_url(),
                "ca_bundle": str(authority.ca_path()), "release": release.name if release else None,
                "dynos": [d.to_dict() for d in self.dynos.status()],
                "addons": [{"name": a.name, "plan": a.plan, "config_vars": a.config,
                            "local_url": self.addons.local_url(a)} for a in self.addons.attached()]}

    def down(self, stop_timeout: float) -> tuple[bool, int]:
        """Stop the dynos and the add-on containers (their data is kept): (a manager was
        running, how many add-on containers stopped)."""
        return self.dynos.down(stop_timeout), sidecar.stop(self.ctx.client, self.name)

    def destroy(self) -> dict[str, int]:
        """Everything labelled with the app, its state and its Heroku Git repository: nothing
        of it remains."""
        client = self.ctx.client
        with self.ctx.changing():
            launcher.stop(self.state, 60)
            counts = {"containers": 0, "volumes": 0, "networks": 0, "images": 0}
            with translated(f"destroying {self.name}"):
                for container in client.containers.list(all=True, filters=labels.of_app(self.name)):
                    counts["containers"] += cleanup.container(container)
                for volume in client.volumes.list(filters=labels.of_app(self.name)):
                    counts["volumes"] += cleanup.quietly(volume, force=True)
                counts["networks"] = network.remove(client, self.name)
                counts["images"] = cleanup.images(client, labels.of_app(self.name))
            self.state.remove()
            repo.remove(self.name)
            authority.forget(self.name)
        return counts


__all__ = ["App", "UpOptions"]
