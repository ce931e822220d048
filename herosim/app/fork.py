"""A test fork: an app that runs another app's current slug (no build), config vars and
formation on that app's add-ons, with its DATABASE_URL on a database of its own in that
app's Postgres. pytest-xdist workers each run on one (herosim/testing/). Not Heroku's old
`heroku fork`, which copied the add-ons' data into new add-ons of the fork."""

from __future__ import annotations

from herosim.addons import sidecar
from herosim.addons.registry import service_for_plan
from herosim.engine import network
from herosim.errors import HerosimError
from herosim.platform.releases import Release
from herosim.runtime import launcher
from herosim.runtime.settings import ManagerSettings

POSTGRES = "heroku-postgresql"


def on_database(url: str, database: str) -> str:
    """The same Postgres URL, naming another database of that server."""
    return url.rsplit("/", 1)[0] + "/" + database


def fork(source, target, database: str | None, settings: ManagerSettings) -> Release:
    """Start `target` on `source`'s current release; with `database`, every config var of
    source's primary Postgres URL names that database instead."""
    release = source.state.current_release()
    if release is None or not release.slug:
        raise HerosimError(f"{source.name} has no release to fork", hint=f"herosim up -a {source.name}")
    with target.ctx.changing():
        config = _config_vars(source, database)
        for attachment in source.addons.attached():
            if not service_for_plan(attachment.plan).has_sidecar:
                continue
            container = sidecar.find(source.ctx.client, attachment)
            if container is None or container.status != "running":
                raise HerosimError(f"{attachment.name} of {source.name} is not running",
                                   hint=f"start it: herosim up -a {source.name}")
            network.connect(target.ctx.client, target.name, container, attachment.name)
        target.state.replace_config_vars(config)
        target.state.set_formation(source.state.formation() or {})
        forked = source.state.settings()
        target.state.update_settings(router_port=settings.router_port, fork_of=source.name, source=forked.source,
                                     sizes=dict(forked.sizes))
        new = target.releases.create(f"Deploy {release.commit[:8] or 'working tree'} (fork of {source.name} "
                                     f"v{release.version})", release.slug, release.processes, config,
                                     commit=release.commit, release_phase=False)
        manager = launcher.ensure(target.state, settings)
        timeouts = settings.timeouts
        manager.deploy(new.version, timeout=timeouts.boot + timeouts.stop + 60)
        return new


def _config_vars(source, database: str | None) -> dict[str, str]:
    """Source's add-on vars (the fork reaches the same add-ons) and its own, the primary
    database's URL pointed at `database`."""
    addon_vars = source.addons.config_vars()
    primary = addon_vars.get("DATABASE_URL")
    if database and not primary:
        raise HerosimError(f"{source.name} has no Postgres add-on (no DATABASE_URL)",
                           hint=f"herosim addons:create heroku-postgresql -a {source.name}")
    moved = {k: (on_database(v, database) if database and v == primary else v) for k, v in addon_vars.items()}
    return {**moved, **source.state.config_vars()}
