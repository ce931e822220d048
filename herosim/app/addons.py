"""The App's add-on verbs: provisioning (from dependencies or addons:create), starting
sidecars on the app's stack, removing them; each change is a release, as on Heroku."""

from __future__ import annotations

import time

import docker.errors

from herosim.runtime import server as control
from herosim.runtime import client as daemon
from herosim.engine import network
from herosim.engine import stack as stack_mod
from herosim.addons import base as addons
from herosim.addons.registry import service_for_plan, wanted_services
from herosim.platform.state import current_user
from herosim.slug.compile import BuildResult
from herosim.const import HEXAGON, LABEL_STACK
from herosim.errors import HerosimError


class AddonVerbs:
    """Mixed into App (client, printer, name, state, logs, new_release)."""

    def provision_addons(self, result: BuildResult) -> None:
        net = network.ensure(self.client, self.name)
        attached = addons.attachments(self.client, self.name)
        have = {a.service for a in attached}
        for service in wanted_services(result.dependencies):
            if service.service not in have:
                attached.append(self.create_addon(service, engine=default_engine(result.stack)))
        for attachment in attached:
            self.start_addon(attachment, result.stack, net)

    def create_addon(self, service, plan: str | None = None, engine: str | None = None) -> addons.Attachment:
        attachment = addons.provision(self.client, service, self.name, plan, options={"engine": engine})
        self.printer.info(f"Creating {attachment.plan} on {HEXAGON} {self.name}... free")
        self.printer.info(f"{attachment.name} is being created in the background. "
                          "The app will restart when complete...")
        names = ", ".join(attachment.config)
        self.logs.emit("app", "api", f"Attach {names} ({attachment.name}) by user {current_user()}")
        return attachment

    def start_addon(self, attachment: addons.Attachment, stack: stack_mod.Stack, net: str) -> None:
        service = service_for_plan(attachment.plan)
        spec_image = service.sidecar(attachment, stack).image
        stack_mod.StackImages(self.client, self.printer).ensure(spec_image)
        started = time.monotonic()
        addons.ensure_running(self.client, service, attachment, stack, net,
                              lambda msg: self.printer.step(msg))
        self.printer.detail(f"{attachment.name} is ready ({time.monotonic() - started:.1f}s): "
                            + ", ".join(attachment.config))

    def wait_addons(self, timeout: float) -> None:
        for attachment in addons.attachments(self.client, self.name):
            container = addons.find_container(self.client, attachment)
            if container is None or container.status != "running":
                raise HerosimError(f"{attachment.name} is not running", hint=f"herosim up -a {self.name}")
            service = service_for_plan(attachment.plan)
            addons.wait_ready(service, container, attachment)

    def addon_stack(self, kind: str = "postgres") -> stack_mod.Stack:
        """The stack of the running release (add-ons match it), else the machine's default."""
        current = self.state.current_release()
        if current and current.slug:
            try:
                name = self.client.images.get(current.slug).labels.get(LABEL_STACK, "")
                found = stack_mod.from_name(name)
                if found:
                    return found
            except docker.errors.ImageNotFound:
                pass
        return stack_mod.resolve(self.client, self.printer, None, kinds=(kind,))

    def add_addon(self, plan: str, engine: str | None = None) -> addons.Attachment:
        service = service_for_plan(plan)
        plan = plan if ":" in plan else service.default_plan
        stack = self.addon_stack()
        attachment = self.create_addon(service, plan, engine=engine or default_engine(stack))
        self.start_addon(attachment, stack, network.ensure(self.client, self.name))
        self._release_for_addons(f"Attach {', '.join(attachment.config)} ({attachment.name})")
        return attachment

    def remove_addon(self, name: str) -> list[str]:
        found = [a for a in addons.attachments(self.client, self.name) if name in (a.name, a.service, a.plan)]
        if not found:
            raise HerosimError(f"Couldn't find that add-on: {name}", hint="see `herosim addons`")
        removed = addons.remove(self.client, self.name, found[0].name)
        self._release_for_addons(f"Detach {', '.join(found[0].config)} ({found[0].name})")
        return removed

    def _release_for_addons(self, description: str) -> None:
        """An add-on change is a release, and restarts the dynos (heroku.md §4)."""
        current = self.state.current_release()
        release = self.new_release(description, current.slug if current else None,
                                   current.processes if current else {}, self.state.config_vars())
        if release.slug and daemon.running_settings(self.state) is not None:
            control.call(self.state.dir, "deploy", timeout=300, release=release.version)

    def addon_container(self, attachment: addons.Attachment):
        container = addons.find_container(self.client, attachment)
        if container is None or container.status != "running":
            raise HerosimError(f"{attachment.name} is not running", hint=f"start the app: herosim up -a {self.name}")
        return container




def default_engine(stack: stack_mod.Stack) -> str:
    """Search engines: the official image when a registry answers, herosim's lite engine offline."""
    return "lite" if stack.offline else "elasticsearch"
