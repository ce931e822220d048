"""The dyno manager: one process per running app that owns its dynos.

It runs the formation of the current release, replaces dynos on restart and release,
restarts crashed ones on Heroku's schedule (dynos.py), routes HTTP to web dynos
(router/) and collects every line into the app's log. Which containers exist is read
from labels when it starts; what it keeps in memory (states, crash counts, timers) is
what Heroku's dyno manager keeps too.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import signal
import threading
import traceback

import docker

from herosim import paths
from herosim.addons.attachment import dyno_environment
from herosim.const import ENV_OBSERVER
from herosim.engine import network
from herosim.errors import HerosimError
from herosim.platform import metadata, schedule
from herosim.platform.logplex import Logplex
from herosim.platform.state import AppState
from herosim.runtime import duties, holder, oneoff, plan
from herosim.runtime.backend import DockerDynos
from herosim.runtime.detached import DetachedRuns
from herosim.runtime.dyno import DynoView
from herosim.runtime.dynos import DynoSet
from herosim.runtime.memwatch import MemoryWatch
from herosim.runtime.observer import Observer
from herosim.runtime.protocol import ManagerInfo
from herosim.runtime.router.link import RouterProcess
from herosim.runtime.scheduler import JobClock
from herosim.runtime.server import Server
from herosim.runtime.settings import ManagerSettings
from herosim.tls import authority

TICK = 0.1           # the clock's period
TICK_BOOTING = 0.01  # while a web dyno boots: it is up as soon as it listens
MEMORY_INTERVAL = 2.0


SCHEDULER_USER = "scheduler@addons.heroku.com"


class AlreadyRunning(HerosimError):
    pass


class Manager:
    """The service behind the control channel: a method per operation of protocol.py."""

    def __init__(self, client: docker.DockerClient, state: AppState, settings: ManagerSettings):
        self.client = client
        self.app = state.app
        self.state = state
        self.settings = settings
        self.logs = Logplex(state.path(paths.LOG))
        self.current = state.current_release()
        self.backend = DockerDynos(client, self.app, network.name_for(self.app), self._release_env)
        self.dynos = DynoSet(self.backend, self.logs, settings.timeouts, cycle_every=settings.cycle_every,
                             on_change=self._publish)
        self.detached = DetachedRuns(self.backend, self.logs, settings.timeouts)
        self.memory = MemoryWatch(self.dynos, self.backend, self.logs, settings.timeouts.time_scale)
        # drains, metrics, runtime samples; HEROSIM_OBSERVER=0 leaves them out
        # (bench/bench_observe.py measures their cost)
        self.observer = Observer(state, self.logs, self.dynos, self.backend,
                                 enabled=os.environ.get(ENV_OBSERVER) != "0")
        self.done = threading.Event()
        self.tls = authority.router_files(self.app)
        self.router = RouterProcess(settings.router_port, state.path(paths.LOG), settings.timeouts, self.tls)
        self.maintenance = state.settings().maintenance
        self.jobs = JobClock(self._run_job, settings.timeouts.time_scale)
        self.jobs.load(schedule.load(state.jobs()))
        self.server = Server(state.dir, self)

    # -- process lifetime -------------------------------------------------------------------
    def run(self) -> None:
        lock = self._hold_lock()
        self.router.start()           # fails fast when the port is taken
        self.dynos.adopt(self.backend.adoptable())
        self.server.start()
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=self.stop, daemon=True).start())
        self.observer.start()
        duties.every(duties.Duty("memory watch", self.memory.sample), MEMORY_INTERVAL, self.done)
        clock = [duties.Duty("the dyno clock (boots, crash restarts, cycling)", self.dynos.tick),
                 duties.Duty("the scheduler", self.jobs.tick),
                 duties.Duty("the router's table", self._publish),
                 duties.Duty("the router", self._keep_router)]
        try:
            while not self.done.is_set():
                for duty in clock:
                    duty()
                self.done.wait(TICK_BOOTING if self.dynos.starting() else TICK)
        finally:
            self.router.stop()
            self.backend.relay.remove()
            self.server.stop()
            self.observer.stop()
            os.close(lock)

    def _keep_router(self) -> None:
        if not self.router.alive:  # it died: start another (the port is ours)
            self._restart_router()

    def _publish(self) -> None:
        """The router's table: the web dynos, maintenance mode, the app's own error pages."""
        config = self.current.config_vars if self.current else {}
        self.router.publish(dataclasses.replace(
            self.dynos.backends(), maintenance=self.maintenance,
            maintenance_page_url=config.get("MAINTENANCE_PAGE_URL", ""),
            error_page_url=config.get("ERROR_PAGE_URL", ""), via=self.backend.via))

    def _restart_router(self) -> None:
        try:
            self.router.stop()
            self.router = RouterProcess(self.settings.router_port, self.state.path(paths.LOG), self.settings.timeouts,
                                        authority.router_files(self.app))
            self.router.start()
        except HerosimError:
            traceback.print_exc()

    def _hold_lock(self) -> int:
        """One manager per app, for its whole life."""
        fd = os.open(holder.lock_path(self.state), os.O_RDWR | os.O_CREAT, paths.PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(f"A dyno manager for {self.app} is already running",
                                 hint="`herosim down` stops it") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, where /proc/locks cannot say
        return fd

    def _release_env(self, version: int) -> tuple[str, dict[str, str]]:
        release = self.state.release(version) if not self.current or self.current.version != version else self.current
        if release is None or not release.slug:
            raise HerosimError(f"Release v{version} has no slug", hint="deploy again: herosim up")
        return release.slug, dyno_environment(self.client, self.app, release.config_vars,
                                              metadata.for_release(self.app, self.state.settings(), release))

    # -- operations (protocol.py) --------------------------------------------------------------
    def ping(self) -> ManagerInfo:
        return ManagerInfo(self.app, self.settings, self.current.version if self.current else None)

    def deploy(self, version: int) -> list[DynoView]:
        """A new release: every dyno restarts on it (a new release resets crash cool-offs)."""
        release = self.state.release(int(version))
        if release is None:
            raise HerosimError(f"Release v{version} does not exist", hint="run `herosim releases`")
        self.current = release
        self.dynos.reset_crashes()
        return self.converge()

    def deploy_synced(self, version: int, synced: list[str]) -> list[DynoView]:
        """A release whose files `herosim dev` copied into the `synced` dynos (their server
        reloads by itself): those keep running, now on it; every other dyno restarts on it."""
        if self.state.release(int(version)) is None:
            raise HerosimError(f"Release v{version} does not exist", hint="run `herosim releases`")
        self.dynos.relabel(list(synced), int(version))
        return self.deploy(version)

    def converge(self) -> list[DynoView]:
        """Start, replace or stop dynos until they match the formation of the current release."""
        wanted = plan.wanted(self.current, self.state.formation(), self.state.settings().sizes, self.settings.size)
        self.dynos.apply(plan.converge(wanted, self.dynos.seen()))
        return self.status()

    def restart(self, dyno: str | None = None, process_type: str | None = None) -> list[str]:
        names = self.dynos.names(dyno, process_type)
        if dyno and not names:
            raise HerosimError(f"No such dyno: {dyno}", hint="see `herosim ps`")
        return self.dynos.restart(names)

    def status(self) -> list[DynoView]:
        return self.dynos.views()

    def stop_dynos(self, dyno: str | None = None, process_type: str | None = None) -> list[str]:
        """`ps:stop`: formation dynos stop and start again; a detached one-off stops for good."""
        if dyno and self.detached.stop(dyno):
            return [dyno]
        return self.dynos.stop(self.dynos.names(dyno, process_type))

    def run_detached(self, version: int, command: str, user: str) -> str:
        release = self.state.release(int(version))
        if release is None or not release.slug:
            raise HerosimError("No release to run on yet", hint=f"deploy first: herosim up -a {self.app}")
        settings = self.state.settings()
        one_off = oneoff.new("run", command)
        handle = oneoff.create(self.client, self.app, release, one_off,
                               size=settings.size_of("run", self.settings.size),
                               metadata=metadata.for_release(self.app, settings, release))
        self.detached.start(one_off.name, command, handle, user)
        return one_off.name

    def refresh(self) -> None:
        """The app's settings changed (maintenance mode): tell the router now."""
        self.maintenance = self.state.settings().maintenance
        self.jobs.load(schedule.load(self.state.jobs()))
        self._publish()

    def run_job(self, job_id: int) -> str:
        """`scheduler:run`: the job now, as its schedule would run it."""
        job = next((j for j in schedule.load(self.state.jobs()) if j.id == int(job_id)), None)
        if job is None:
            raise HerosimError(f"No scheduler job {job_id}", hint="see `herosim scheduler`")
        return self._run_job(job, job.interval * self.settings.timeouts.time_scale)

    def next_runs(self) -> dict[int, float | None]:
        """Seconds until each job's next run (on the scaled clock)."""
        return {j.id: self.jobs.due_in(j.id) for j in schedule.load(self.state.jobs())}

    def _run_job(self, job, limit: float) -> str:
        if self.current is None or not self.current.slug:
            return ""
        one_off = oneoff.new("scheduler", job.command)
        handle = oneoff.create(self.client, self.app, self.current, one_off, size=job.size,
                               metadata=metadata.for_release(self.app, self.state.settings(), self.current))
        self.detached.start(one_off.name, job.command, handle, SCHEDULER_USER, limit=limit)
        return one_off.name

    def stop(self) -> None:
        self.detached.stop_all()
        self.dynos.stop_all()
        self.done.set()
