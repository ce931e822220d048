"""The verbs on one app: up, down, destroy, restart, ps, config changes.

Each verb takes the Docker client it is given; containers, volumes, networks and
images are found by the app's label; platform data (config vars, releases,
formation) comes from AppState.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from herosim.runtime import server as control
from herosim.runtime import client as daemon
from herosim.platform import formation
from herosim.engine import network
from herosim.runtime import oneoff
from herosim.platform import procfile
from herosim.runtime import containers as dyno_mod
from herosim.addons import base as addons
from herosim.platform.state import AppState, Release, current_user
from herosim.slug import cabundle
from herosim.slug import size as slugsize
from herosim.slug.compile import BuildResult, compile_app
from herosim.platform.config_vars import check_not_addon_owned, check_size, describe_keys, merge
from herosim.const import (DEFAULT_ROUTER_PORT, HEXAGON, LABEL_APP, LABEL_ROLE, ROLE_SLUG)
from herosim.engine.client import translated
from herosim.errors import HerosimError
from herosim.platform.logplex import Logplex
from herosim.cli.output import Printer
from herosim.app.addons import AddonVerbs
from herosim.app.fs import FilesystemVerbs
from herosim.platform.timeouts import Timeouts


@dataclass
class App(AddonVerbs, FilesystemVerbs):
    client: docker.DockerClient
    printer: Printer
    name: str
    state: AppState

    @property
    def logs(self) -> Logplex:
        return Logplex(self.state.path("logplex.log"))

    # -- up -----------------------------------------------------------------------------
    def up(self, path: Path, *, port: int | None, timeouts: Timeouts, size: str,
           ca_bundle: str | None = None, no_cache: bool = False, cycle_every: float | None = None) -> Release:
        """Build, provision, release and (re)start the formation. Returns the new release."""
        settings = self.state.settings()
        port = port or settings.get("router_port") or DEFAULT_ROUTER_PORT
        running = daemon.running_settings(self.state)
        if running is None:
            daemon.check_port(port)  # before a long build, not after it
        self.state.update_settings(source=str(path.resolve()), router_port=port)
        self.printer.step(f"Building {self.name} from {path.resolve()}")
        result = self.build(path, ca_bundle=ca_bundle, no_cache=no_cache)
        self.provision_addons(result)
        description = f"Deploy {result.commit or 'working tree'}"
        release = self.new_release(description, result.slug_image, result.processes, self.state.config_vars())
        self.printer.step("Launching...")
        self.printer.detail(f"Released v{release.version}")
        self._ensure_manager(daemon.ManagerSettings(port, timeouts, size, cycle_every), running)
        control.call(self.state.dir, "deploy", timeout=timeouts.boot + timeouts.stop + 60,
                     release=release.version)
        self.printer.detail(f"{self.url(port)} deployed to herosim")
        self._prune_slugs()
        return release

    def build(self, path: Path, ca_bundle: str | None = None, no_cache: bool = False) -> BuildResult:
        """The slug compiler alone: no release, no dynos touched."""
        result = compile_app(self.client, self.printer, self.name, path, ca_bundle=cabundle.find(ca_bundle),
                             no_cache=no_cache, config_vars=self._all_config_vars(),
                             previous=self.state.settings().get("last_build"))
        self.report_slug(result)
        self.state.update_settings(last_build={"python": result.python_version, "deps": result.deps_inputs})
        return result

    def new_release(self, description: str, slug: str | None, processes: dict[str, str],
                    config_vars: dict[str, str]) -> Release:
        """Create vN; with a `release:` process, run the release phase first (heroku.md §8).
        A failed release phase leaves the previous release running and raises."""
        phase = bool(slug) and "release" in processes
        release = self.state.add_release(description, slug=slug, processes=processes, config_vars=config_vars,
                                         status="pending" if phase else "succeeded")
        self.logs.emit("app", "api", f"{description} by user {release.user}")
        self.logs.emit("app", "api", f"Release v{release.version} created by user {release.user}")
        if phase:
            self.release_phase(release)
        return release

    def release_phase(self, release: Release) -> None:
        command = release.processes["release"]
        self.printer.step(f"Running release command `{command}` (release phase)")
        one_off = oneoff.new("release", command)

        def echo(stream: int, data: bytes) -> None:
            for line in data.decode("utf-8", errors="replace").splitlines():
                self.printer.detail(line)

        status = oneoff.run(self.client, self.name, self.state, release, one_off, interactive=False,
                            use_tty=False, echo=echo)
        if status != 0:
            self.state.set_release_status(release.version, "failed")
            previous = self.state.current_release()
            raise HerosimError(
                f"Release command failed: `{command}` exited with status {status} (v{release.version} failed)",
                hint=(f"v{previous.version} keeps running; " if previous else "") + "fix it and deploy again",
            )
        self.state.set_release_status(release.version, "succeeded")

    def report_slug(self, result: BuildResult) -> None:
        self.printer.step(f"Compressed size: {slugsize.human(result.compressed_size)}")
        warning = slugsize.check(result.compressed_size)
        if warning:
            self.printer.warn(warning)

    def _ensure_manager(self, settings: daemon.ManagerSettings, running: dict | None) -> None:
        if settings.matches(running):
            return
        if running is not None:  # other settings: the dynos restart under a new manager anyway
            daemon.stop(self.state, settings.timeouts.stop + 30)
            daemon.check_port(settings.router_port)
        daemon.spawn(self.state, settings)

    # -- config vars -----------------------------------------------------------------------
    def _all_config_vars(self) -> dict[str, str]:
        return merge(addons.config_vars(addons.attachments(self.client, self.name)), self.state.config_vars())

    def config(self) -> dict[str, str]:
        return self._all_config_vars()

    def set_config(self, values: dict[str, str], unset: list[str] = ()) -> Release:
        addon_vars = addons.config_vars(addons.attachments(self.client, self.name))
        check_not_addon_owned(list(values) + list(unset), addon_vars)
        current = self.state.config_vars()
        check_size(merge(addon_vars, {**current, **values}))
        new = self.state.update_config_vars(values, list(unset))
        previous = self.state.current_release()
        keys = describe_keys(values or unset)
        description = f"Set {keys} config vars" if values else f"Remove {keys} config vars"
        release = self.new_release(description, previous.slug if previous else None,
                                   previous.processes if previous else {}, new)
        if release.slug and daemon.running_settings(self.state) is not None:
            control.call(self.state.dir, "deploy", timeout=300, release=release.version)
        return release

    # -- dynos ------------------------------------------------------------------------------
    def restart(self, dyno: str | None = None, process_type: str | None = None) -> list[str]:
        try:
            reply = control.call(self.state.dir, "restart", timeout=300, dyno=dyno, process_type=process_type)
        except control.NotRunning:
            raise HerosimError(f"No dynos are running for {self.name}",
                               hint=f"start them with `herosim up -a {self.name}`") from None
        return reply["restarted"]

    def scale(self, args: list[str]) -> tuple[dict[str, int], list[str], dict[str, str]]:
        """`ps:scale`: the new formation (persisted) and, when dynos run, the dynos converged."""
        release = self.state.current_release()
        types = procfile.Procfile(release.processes).formation_types if release else []
        if not types:
            raise HerosimError(f"No process types on {HEXAGON} {self.name}.",
                               hint="deploy an app with a Procfile first: herosim up")
        current = self.state.formation() or {t: 1 for t in types}
        current = {t: current.get(t, 1) for t in types}
        sizes = dict(self.state.settings().get("sizes") or {})
        if not args:
            return current, types, sizes
        counts, new_sizes = formation.parse_scale(args, current, types)
        updated = {**current, **counts}
        self.state.set_formation(updated)
        resized = [t for t, size in new_sizes.items() if sizes.get(t, "basic") != size]
        if new_sizes:
            sizes.update(new_sizes)
            self.state.update_settings(sizes=sizes)
        if daemon.running_settings(self.state) is not None:
            control.call(self.state.dir, "scale", timeout=300, counts=updated)
            for kind in resized:  # a new size means new containers
                if updated.get(kind):
                    control.call(self.state.dir, "restart", timeout=300, process_type=kind)
        return updated, types, sizes

    def run(self, args: list[str], detached: bool = False) -> tuple[str, int | None]:
        """A one-off dyno: attached (exit status back) or detached (output to the log)."""
        release = self.state.current_release()
        if release is None or not release.slug:
            raise HerosimError(f"{self.name} has no release to run on yet", hint=f"herosim up -a {self.name}")
        command = oneoff.command_for(args, release)
        size = (self.state.settings().get("sizes") or {}).get("run", "basic")
        if detached:
            try:
                reply = control.call(self.state.dir, "run_detached", timeout=60, release=release.version,
                                     command=command, user=current_user())
            except control.NotRunning:
                raise HerosimError(f"No dyno manager is running for {self.name}",
                                   hint=f"start the app first: herosim up -d -a {self.name}") from None
            return reply["name"], None
        one_off = oneoff.new("run", command)
        interactive = not sys.stdin.closed
        use_tty = sys.stdin.isatty() and sys.stdout.isatty()
        self.printer.info(f"Running {command} on {HEXAGON} {self.name}... up, {one_off.name} "
                          f"({dyno_mod.SIZES[size].name})")
        return one_off.name, oneoff.run(self.client, self.name, self.state, release, one_off,
                                        interactive=interactive, use_tty=use_tty, size=size)

    def status(self) -> list[dict]:
        try:
            return control.call(self.state.dir, "status", timeout=10)["dynos"]
        except control.NotRunning:
            return []

    def down(self, stop_timeout: float) -> None:
        if daemon.stop(self.state, stop_timeout + 60):
            self.printer.info(f"Stopping all dynos on {HEXAGON} {self.name}... done")
        for container in self.client.containers.list(all=True, filters={"label": [
                f"{LABEL_APP}={self.name}", f"{LABEL_ROLE}=dyno"]}):
            container.remove(force=True, v=True)  # left over from a manager that died
        stopped = addons.stop(self.client, self.name)
        if stopped:
            self.printer.info(f"Stopped {stopped} add-on container(s); their data is kept")

    def destroy(self) -> dict[str, int]:
        daemon.stop(self.state, 60)
        counts = {"containers": 0, "volumes": 0, "networks": 0, "images": 0}
        label = f"{LABEL_APP}={self.name}"
        with translated(f"destroying {self.name}"):
            for container in self.client.containers.list(all=True, filters={"label": label}):
                container.remove(force=True, v=True)
                counts["containers"] += 1
            for volume in self.client.volumes.list(filters={"label": label}):
                volume.remove(force=True)
                counts["volumes"] += 1
            counts["networks"] = network.remove(self.client, self.name)
            counts["images"] = self._remove_images(label)
        self.state.remove()
        return counts

    def _remove_images(self, label: str) -> int:
        """Every image labelled with the app (slug, compile, dependency layers); a layer that
        another still builds on goes in a later pass, after its child."""
        removed = 0
        for _ in range(4):
            left = self.client.images.list(filters={"label": label})
            progress = False
            for image in left:
                try:
                    self.client.images.remove(image.id, force=True)
                    removed += 1
                    progress = True
                except docker.errors.APIError:
                    pass
            if not left or not progress:
                break
        return removed

    def _prune_slugs(self, keep: int = 5) -> None:
        """Slug images of the last few releases stay (for rollback); older ones go."""
        wanted = {r.slug for r in self.state.releases()[-keep:] if r.slug}
        for image in self.client.images.list(filters={"label": [f"{LABEL_APP}={self.name}",
                                                                f"{LABEL_ROLE}={ROLE_SLUG}"]}):
            if image.id not in wanted:
                try:
                    self.client.images.remove(image.id)
                except docker.errors.APIError:
                    pass

    def describe(self) -> dict:
        """What scripts want after `up -d`: URL, release, dynos, add-ons and their config vars."""
        release = self.state.current_release()
        return {"app": self.name, "url": self.url(), "release": release.name if release else None,
                "dynos": self.status(),
                "addons": [{"name": a.name, "plan": a.plan, "config_vars": a.config}
                           for a in addons.attachments(self.client, self.name)]}

    def url(self, port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.state.settings().get('router_port', DEFAULT_ROUTER_PORT)}/"

    def wait_until_answering(self, timeout: float) -> tuple[bool, str]:
        """(answered, what was seen). Heroku's `up`: a web dyno is up and the router gets an
        answer from it; a web dyno crashed into its cool-off is a failure, not a wait."""
        deadline = time.monotonic() + timeout
        seen = "no answer"
        while time.monotonic() < deadline:
            dynos = self.status()
            web = [d for d in dynos if d["type"] == "web"]
            if web and all(d["state"] == "crashed" and d["crashes"] >= 2 for d in web):
                return False, "web dynos crashed: " + ", ".join(
                    f"{d['name']} ({d['crashes']} crashes)" for d in web)
            if dynos and not web:
                return True, "no web process type"
            if any(d["state"] == "up" for d in web):
                try:
                    with urllib.request.urlopen(self.url(), timeout=5) as response:
                        return True, f"HTTP {response.status}"
                except urllib.error.HTTPError as exc:
                    code = exc.headers.get("X-Herosim-Error")
                    if not code:
                        return True, f"HTTP {exc.code}"
                    seen = f"router {code}"
                except (urllib.error.URLError, OSError) as exc:
                    seen = str(exc)
            else:
                seen = "web dynos: " + ", ".join(f"{d['name']} {d['state']}" for d in web)
            time.sleep(0.2)
        return False, seen
