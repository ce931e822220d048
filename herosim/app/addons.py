"""The app's add-ons: provisioned from its dependencies or by `addons:create`, each a sidecar
on the app's stack and network; each change is a release, as on Heroku."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import docker.errors

from herosim.addons import attachment as addons
from herosim.addons import pooler, sidecar
from herosim.addons.registry import canonical_plan, check_not_retired, service_for_plan, wanted_services
from herosim.app import rotation
from herosim.app.context import AppContext
from herosim.app.releases import Releases
from herosim.const import HEXAGON, LABEL_PYTHON, LABEL_STACK
from herosim.engine import network, resolution
from herosim.engine import stack as stack_mod
from herosim.engine.dialer import Dialer, direct_address
from herosim.engine.forwarder import Forwarder
from herosim.engine.stackimages import StackImages
from herosim.errors import HerosimError
from herosim.platform.releases import current_user

if TYPE_CHECKING:  # the slug compiler is imported only by the commands that build
    from herosim.slug.compile import BuildResult


class Addons:
    def __init__(self, ctx: AppContext, releases: Releases):
        self.ctx = ctx
        self.releases = releases

    def attached(self) -> list[addons.Attachment]:
        return rotation.finish_interrupted(self, addons.attachments(self.ctx.client, self.ctx.name))

    def config_vars(self) -> dict[str, str]:
        return addons.config_vars(self.attached())

    def start_all(self, stack: stack_mod.Stack, quiet: bool = False) -> None:
        """Start every add-on of the app on `stack` (herosim ci: only the ones app.json asks for;
        a push: quietly, as Heroku's add-ons simply run)."""
        net = network.ensure(self.ctx.client, self.ctx.name)
        for attachment in self.attached():
            self._start(attachment, stack, net, quiet=quiet)

    def provision_for(self, result: BuildResult) -> None:
        """`up`: the add-ons the app's dependencies call for, created once, started every time."""
        net = network.ensure(self.ctx.client, self.ctx.name)
        attached = self.attached()
        have = {a.service for a in attached}
        for service in wanted_services(result.dependencies):
            if service.service not in have:
                attached.append(self._provision(service, engine=default_engine(result.stack)))
        for attachment in attached:
            self._start(attachment, result.stack, net)

    def create(self, plan: str, engine: str | None = None, version: str | None = None,
               copy: dict | None = None) -> addons.Attachment:
        """`addons:create`: provision, start, and make a release (the dynos restart with its vars).
        Says nothing itself: the add-on is ready when this returns, and the CLI says so. `copy`:
        a follower's or a fork's leader, mode and lag (app/followers.py)."""
        check_not_retired(plan)
        service = service_for_plan(plan)
        plan = canonical_plan(plan) if ":" in plan else service.default_plan
        with self.ctx.changing():
            stack = self.stack()
            service.validate(plan, {"engine": engine, "version": version}, stack)
            attachment = self._provision(service, plan, engine=engine or default_engine(stack), version=version,
                                         announce=False, copy=copy)
            self._start(attachment, stack, network.ensure(self.ctx.client, self.ctx.name), quiet=True)
            self.releases.again(f"Attach {attachment.attachment_name} (@ref:{attachment.name})")
            return attachment

    def ensure_plan(self, plan: str, options: dict, stack: stack_mod.Stack) -> addons.Attachment:
        """app.json's add-on: provisioned unless the app has one of that service (started by `up`)."""
        service = service_for_plan(plan)
        found = next((a for a in self.attached() if a.service == service.service), None)
        if found is not None:
            return found
        check_not_retired(plan)
        plan = canonical_plan(plan) if ":" in plan else service.default_plan
        service.validate(plan, options, stack)
        return self._provision(service, plan, engine=options.get("engine") or default_engine(stack),
                               version=options.get("version"), alias=options.get("as"))

    def destroy(self, name: str) -> list[str]:
        with self.ctx.changing():
            found = self.find(name)
            removed = addons.remove(self.ctx.client, self.ctx.name, found.name)
            self.releases.again(f"Detach {found.attachment_name} (@ref:{found.name})")
            return removed

    def find(self, name: str) -> addons.Attachment:
        """By its name (postgresql-curly-123), service, plan or one of its config vars' names;
        several matches are an error, as Heroku's CLI says."""
        attached = self.attached()
        exact = [a for a in attached if a.name == name]
        found = exact or [a for a in attached if name in (a.service, a.plan)
                          or name in {k.removesuffix("_URL") for k in a.config} or name in a.config]
        if not found:
            raise HerosimError(f"Couldn't find that add-on: {name}", hint="see `herosim addons`")
        if len(found) > 1:
            raise HerosimError(f"Ambiguous identifier; multiple matching add-ons found: "
                               f"{', '.join(a.name for a in found)}.", hint="name one of them exactly")
        return found[0]

    def wait_ready(self) -> None:
        for attachment in self.attached():
            if not service_for_plan(attachment.plan).has_sidecar:
                continue
            container = self.container(attachment)
            sidecar.wait_ready(service_for_plan(attachment.plan), container, attachment)

    def state(self, attachment: addons.Attachment) -> str:
        """Heroku's add-on state: created (running, or nothing to run), else stopped."""
        if not service_for_plan(attachment.plan).has_sidecar:
            return "created"
        container = sidecar.find(self.ctx.client, attachment)
        return "created" if container is not None and container.status == "running" else "stopped"

    def container(self, attachment: addons.Attachment):
        container = sidecar.find(self.ctx.client, attachment)
        if container is None or container.status != "running":
            raise HerosimError(f"{attachment.name} is not running",
                               hint=f"start the app: herosim up -a {self.ctx.name}")
        return container

    def credentials(self, attachment: addons.Attachment) -> str:
        """What protects the add-on's data, in a line."""
        return service_for_plan(attachment.plan).credentials(attachment)

    def local_url(self, attachment: addons.Attachment) -> str | None:
        """The add-on's URL as this machine reaches it (the sidecar's address on the app's
        network), for tools and tests on the host; None when it is not running or this machine
        does not reach the engine's containers (then `forwarded()`, while the caller lives)."""
        container, parts = self._running(attachment)
        if container is None or not parts.port:
            return None
        direct = direct_address(container, parts.port)
        return _with_host(parts, *direct) if direct else None

    def forwarded(self, attachment: addons.Attachment) -> tuple[Forwarder, str] | None:
        """A forwarder on this machine's 127.0.0.1 to the add-on through the engine's API, and
        the add-on's URL through it; valid while the forwarder is open (close it)."""
        container, parts = self._running(attachment)
        if container is None or not parts.port:
            return None
        dialer, port = Dialer(self.ctx.client), parts.port
        forwarder = Forwarder(lambda: dialer.open(container, port))
        return forwarder, _with_host(parts, "127.0.0.1", forwarder.port)

    def _running(self, attachment: addons.Attachment):
        container = sidecar.find(self.ctx.client, attachment)
        parts = urlsplit(next(iter(attachment.config.values()), ""))
        if container is None or container.status != "running":
            return None, parts
        return container, parts

    def stack(self) -> stack_mod.Stack:
        """The stack of the running release (add-ons match it), else the machine's default."""
        current = self.ctx.state.current_release()
        if current and current.slug:
            try:
                found_labels = self.ctx.client.images.get(current.slug).labels
                found = stack_mod.from_name(found_labels.get(LABEL_STACK, ""), found_labels.get(LABEL_PYTHON))
                if found:
                    return found
            except docker.errors.ImageNotFound:
                pass
        return resolution.addon_stack(self.ctx.client, self.ctx.progress)

    def _provision(self, service, plan: str | None = None, engine: str | None = None,
                   version: str | None = None, alias: str | None = None, announce: bool = True,
                   copy: dict | None = None) -> addons.Attachment:
        attachment = service.provision(self.ctx.client, self.ctx.name, plan, options={
            "engine": engine, "version": version, "as": alias, **(copy or {})})
        if announce:   # provisioned by a deploy (the app's dependencies, app.json): said as it happens
            self.ctx.progress.info(f"Creating {attachment.plan} on {HEXAGON} {self.ctx.name}... free")
            self.ctx.progress.info(f"{attachment.name} is being created in the background. "
                                   "The app will restart when complete...")
        self.ctx.logs.emit("app", "api", f"Attach {attachment.attachment_name} (@ref:{attachment.name}) "
                                         f"by user {current_user()}")
        return attachment

    def _start(self, attachment: addons.Attachment, stack: stack_mod.Stack, net: str, quiet: bool = False) -> None:
        service = service_for_plan(attachment.plan)
        if not service.has_sidecar:
            return
        StackImages(self.ctx.client, self.ctx.progress).ensure(service.sidecar(attachment, stack).image)
        started = time.monotonic()
        sidecar.ensure_running(self.ctx.client, service, attachment, stack, net,
                               (lambda _line: None) if quiet else self.ctx.progress.step)
        if pooler.pooled_vars(attachment):
            self.start_pooler(attachment, net)
        if not quiet:
            self.ctx.progress.detail(f"{attachment.name} is ready ({time.monotonic() - started:.1f}s): "
                                     + ", ".join(attachment.config))


    def start_pooler(self, attachment: addons.Attachment, net: str | None = None) -> None:
        """The add-on's connection pooler, created or refreshed (its credentials may have changed)."""
        StackImages(self.ctx.client, self.ctx.progress).ensure(pooler.image())
        pooler.ensure_running(self.ctx.client, attachment, net or network.ensure(self.ctx.client, self.ctx.name))


def default_engine(stack: stack_mod.Stack) -> str:
    """Search engines: the official image when a registry answers, herosim's lite engine offline."""
    return "lite" if stack.offline else "elasticsearch"


def _with_host(parts, host: str, port: int) -> str:
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{credentials + '@' if credentials else ''}{host}:{port}"))
