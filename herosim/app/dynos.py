"""The app's dynos: restart, scale, one-offs, status, health, down."""

from __future__ import annotations

from dataclasses import dataclass

from herosim import poll
from herosim.addons.attachment import dyno_environment
from herosim.app import probe
from herosim.app.context import AppContext
from herosim.const import HEXAGON, LABEL_DYNO, LABEL_RELEASE, ROLE_DYNO, ROLE_ONE_OFF
from herosim.engine import cleanup, labels
from herosim.errors import HerosimError
from herosim.platform import formation, metadata, procfile
from herosim.platform.releases import Release, current_user
from herosim.platform.sizes import DEFAULT_SIZE, SIZES
from herosim.runtime import attach, launcher, oneoff
from herosim.runtime.dyno import DynoView
from herosim.runtime.plan import CRASHED, UP

# A Heroku Exec session: the dyno's .profile.d and .profile, then an interactive shell.
EXEC_SESSION = ('for f in "$HOME"/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; '
                '[ -r "$HOME/.profile" ] && . "$HOME/.profile"; exec bash')


@dataclass(frozen=True)
class Scaled:
    counts: dict[str, int]
    types: list[str]
    sizes: dict[str, str]


@dataclass(frozen=True)
class PreparedRun:
    one_off: oneoff.OneOff
    release: Release
    size: str

    @property
    def size_name(self) -> str:
        return SIZES[self.size].name


def counted(dynos: list[DynoView], process_type: str | None, with_run: bool, version: int | None) -> tuple[int, int]:
    """`ps:wait`'s count: (dynos up on release `version`, dynos counted); the release phase's dyno
    never counts, one-offs only `with_run`."""
    kept = [d for d in dynos if d.type != "release" and (with_run or d.type != "run")
            and (process_type is None or d.type == process_type)]
    return sum(d.state == UP and d.release == version for d in kept), len(kept)


def readiness(dynos: list[DynoView]) -> tuple[bool | None, str] | None:
    """What the dynos say before the router is asked: (False, why) the web dynos crashed into
    their cool-off, (True, why) there is no web dyno to wait for, (None, what) none is up yet;
    None once one is up (the router is asked next)."""
    web = [d for d in dynos if d.type == "web"]
    if web and all(d.state == CRASHED and d.crashes >= 2 for d in web):
        return False, "web dynos crashed: " + ", ".join(f"{d.name} ({d.crashes} crashes)" for d in web)
    if dynos and not web:
        return True, "no web process type"
    if not any(d.state == UP for d in web):
        return None, "web dynos: " + ", ".join(f"{d.name} {d.state}" for d in web)
    return None


class Dynos:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def status(self) -> list[DynoView]:
        manager = self.ctx.manager()
        return manager.status() if manager else []

    def restart(self, dyno: str | None = None, process_type: str | None = None) -> list[str]:
        return self.ctx.require_manager().restart(dyno, process_type)

    def stop(self, dyno: str | None = None, process_type: str | None = None) -> list[str]:
        """`ps:stop`: formation dynos stop and the dyno manager starts them again; a one-off
        (run.N, attached or detached) stops for good."""
        manager = self.ctx.manager()
        stopped = manager.stop_dynos(dyno, process_type) if manager else []
        if dyno and not stopped:
            for container in self.ctx.client.containers.list(filters=labels.of_app(self.ctx.name, ROLE_ONE_OFF)):
                if (container.labels or {}).get(LABEL_DYNO) == dyno:
                    container.kill(signal="SIGTERM")   # the terminal attached to it logs how it ended
                    stopped.append(dyno)
        if not stopped:
            raise HerosimError(f"No {dyno or process_type} dynos on {HEXAGON} {self.ctx.name}",
                               hint="see `herosim ps`")
        return stopped

    def exec_into(self, dyno: str, output: oneoff.Output, use_tty: bool) -> int:
        """`ps:exec`: bash inside the running dyno (its filesystem, unlike `run`). As with Heroku
        Exec, the session sources .profile.d but has no config vars (heroku-buildpack-ruby#871):
        they are unset by name, so no value is ever a process argument."""
        for container in self.ctx.client.containers.list(filters=labels.of_app(self.ctx.name, ROLE_DYNO)):
            if (container.labels or {}).get(LABEL_DYNO) == dyno:
                unset = [arg for name in sorted(self._config_var_names(container)) for arg in ("-u", name)]
                return attach.exec_and_run(self.ctx.client, container, ["env", *unset, "bash", "-c", EXEC_SESSION],
                                           use_tty=use_tty, on_output=output)
        raise HerosimError(f"Could not connect to dyno {dyno}: it is not running",
                           hint=f"check dyno status with `herosim ps -a {self.ctx.name}`")

    def _config_var_names(self, container) -> set[str]:
        """The names of the config vars (add-on vars and runtime metadata included) the dyno's
        release gave it."""
        release = self.ctx.state.release(int((container.labels or {}).get(LABEL_RELEASE) or 0))
        if release is None:
            return set()
        return set(dyno_environment(self.ctx.client, self.ctx.name, release.config_vars,
                                    metadata.for_release(self.ctx.name, self.ctx.state.settings(), release)))

    def waiting_for(self, process_type: str | None, with_run: bool) -> tuple[int, int, int | None]:
        """`ps:wait`: (dynos up on the current release, dynos counted, that release)."""
        release = self.ctx.state.current_release()
        version = release.version if release else None
        return (*counted(self.status(), process_type, with_run, version), version)

    # -- maintenance mode --------------------------------------------------------------------
    def maintenance(self) -> bool:
        return self.ctx.state.settings().maintenance

    def set_maintenance(self, on: bool) -> None:
        """The router answers every request with the maintenance page (H80); dynos keep running."""
        with self.ctx.changing():
            self.ctx.state.update_settings(maintenance=on)
            manager = self.ctx.manager()
            if manager is not None:
                manager.refresh()

    def formation(self) -> Scaled:
        release = self.ctx.state.current_release()
        types = procfile.Procfile(release.processes).formation_types if release else []
        return Scaled(formation.quantities(self.ctx.state.formation(), types), types,
                      dict(self.ctx.state.settings().sizes))

    def scale(self, args: list[str]) -> Scaled:
        """`ps:scale`: the new formation (persisted); running dynos converge to it (a new size
        means new containers)."""
        now = self.formation()
        if not now.types:
            raise HerosimError(f"No process types on {HEXAGON} {self.ctx.name}.",
                               hint="deploy an app with a Procfile first: herosim up")
        if not args:
            return now
        counts, new_sizes = formation.parse_scale(args, now.counts, now.types)
        updated = {**now.counts, **counts}
        sizes = {**now.sizes, **new_sizes}
        formation.check(updated, sizes, self.ctx.default_size())
        with self.ctx.changing():
            self.ctx.state.set_formation(updated)
            self.ctx.state.update_settings(sizes=sizes)
            named = [t for t in now.types if t in counts or t in new_sizes]
            self.ctx.logs.emit("app", "api", "Scaled to " + " ".join(
                f"{t}@{updated.get(t, 0)}:{SIZES[sizes.get(t, DEFAULT_SIZE)].name}" for t in named)
                + f" by user {current_user()}")
            manager = self.ctx.manager()
            if manager is not None:
                manager.converge()
        return Scaled(updated, now.types, sizes)

    def prepare_run(self, args: list[str]) -> PreparedRun:
        release = self.ctx.state.current_release()
        if release is None or not release.slug:
            raise HerosimError(f"{self.ctx.name} has no release to run on yet", hint=f"herosim up -a {self.ctx.name}")
        size = self.ctx.state.settings().size_of("run", DEFAULT_SIZE)
        return PreparedRun(oneoff.new("run", oneoff.command_for(args, release)), release, size)

    def run(self, prepared: PreparedRun, output: oneoff.Output, interactive: bool, use_tty: bool) -> int:
        """A one-off dyno attached to this terminal; its exit status."""
        return oneoff.run(self.ctx.client, self.ctx.state, prepared.release, prepared.one_off, output=output,
                          interactive=interactive, use_tty=use_tty, size=prepared.size)

    def run_detached(self, args: list[str]) -> str:
        """A one-off dyno whose output goes to the log; its name."""
        prepared = self.prepare_run(args)
        manager = self.ctx.manager()
        if manager is None:
            raise HerosimError(f"No dyno manager is running for {self.ctx.name}",
                               hint=f"start the app first: herosim up -d -a {self.ctx.name}")
        return manager.run_detached(prepared.release.version, prepared.one_off.command, current_user())

    def down(self, stop_timeout: float) -> bool:
        """Stop the dyno manager and every dyno; True when a manager was running."""
        stopped = launcher.stop(self.ctx.state, stop_timeout + 60)
        for role in (ROLE_DYNO, ROLE_ONE_OFF):  # left by a manager that died, or attached one-offs
            for container in self.ctx.client.containers.list(all=True, filters=labels.of_app(self.ctx.name, role)):
                cleanup.container(container)
        return stopped

    def wait_until_answering(self, url: str, timeout: float) -> tuple[bool, str]:
        """(answered, what was seen). Heroku's `up`: a web dyno is up and the router gets an
        answer from it — any answer of the dyno, a redirect or a 404 too (Heroku has no HTTP
        health check; redirects are not followed); a web dyno crashed into its cool-off is a
        failure, not a wait."""
        seen = {"what": "no answer"}
        release = self.ctx.state.current_release()
        if release is not None and "web" not in release.processes:
            return True, "no web process type"  # the router answers H14, as Heroku's does

        def answered():
            found = readiness(self.status())
            if found is not None:
                verdict, what = found
                if verdict is None:
                    seen["what"] = what
                    return None
                return verdict, what
            try:
                answer = probe.get(url)
            except OSError as exc:
                seen["what"] = str(exc)
                return None
            if answer.router_error:
                seen["what"] = f"router {answer.router_error}"
                return None
            return True, answer.describe()

        return poll.until(answered, timeout, 0.1) or (False, seen["what"])
