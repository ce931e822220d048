"""The dyno manager: one process per running app that owns its dynos.

It starts the formation of the current release, replaces dynos on restart and
release, restarts crashed ones on Heroku's schedule (see lifecycle.py), routes
HTTP to web dynos and collects every line into the app's log. Which containers
exist is read from labels when it starts; what it keeps in memory (states,
crash counts, timers) is what Heroku's dyno manager keeps too.
"""

from __future__ import annotations

import signal
import threading
import time

import docker
import docker.errors

from herosim.runtime import containers as dyno_mod
from herosim.engine import network
from herosim.runtime import oneoff
from herosim.platform import procfile
from herosim.platform.state import AppState, Release
from herosim.runtime.server import Server
from herosim.errors import HerosimError
from herosim.runtime.dynos import DynoRecord, Lifecycle
from herosim.platform.logplex import Logplex
from herosim.runtime.router.proxy import Backends, Router
from herosim.platform.timeouts import Timeouts

TICK = 0.1
MEMORY_INTERVAL = 2.0


class Manager:
    def __init__(self, client: docker.DockerClient, app: str, state: AppState, timeouts: Timeouts,
                 router_port: int, size: str = dyno_mod.DEFAULT_SIZE, cycle_every: float | None = None):
        self.client = client
        self.app = app
        self.state = state
        self.timeouts = timeouts
        self.default_size = size
        self.logs = Logplex(state.path("logplex.log"))
        self.current: Release | None = None
        self.formation: dict[str, int] = {}
        self.dynos = Lifecycle(client, app, self.logs, timeouts, network.name_for(app), lambda: self.current,
                               cycle_every=cycle_every)
        self.done = threading.Event()
        self.router_log = self.logs.buffered("heroku", "router")
        self.router = Router(router_port, self.backends, self.router_log, timeouts)
        self.control = Server(state.dir, self.handle)
        self.settings = {"router_port": router_port, "size": size, "cycle_every": cycle_every,
                         "timeouts": timeouts.to_dict()}

    # -- process lifetime ----------------------------------------------------------------------
    def run(self) -> None:
        self.router.start()           # fails fast when the port is taken
        self.adopt()
        self.control.start()
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=self.stop_all, daemon=True).start())
        threading.Thread(target=self._memory_loop, daemon=True, name="memory").start()
        try:
            while not self.done.is_set():
                self.dynos.tick()
                self.done.wait(TICK)
        finally:
            self.router.stop()
            self.router_log.flush()
            self.control.stop()

    def _memory_loop(self) -> None:
        while not self.done.wait(MEMORY_INTERVAL):
            try:
                self.dynos.sample_memory()
            except Exception:  # noqa: BLE001 - a sample that fails is skipped
                pass

    def handle(self, op: str, args: dict) -> dict:
        if op == "ping":
            return {"app": self.app, **self.settings}
        if op == "deploy":
            return self.deploy(int(args["release"]))
        if op == "restart":
            return {"restarted": self.restart(args.get("dyno"), args.get("process_type"))}
        if op == "scale":
            return self.scale({k: int(v) for k, v in args.get("counts", {}).items()})
        if op == "status":
            return {"dynos": self.status(), "release": self.current.version if self.current else None}
        if op == "stop":
            self.stop_all()
            return {"stopped": True}
        if op == "run_detached":
            return self.run_detached(int(args["release"]), args["command"], args.get("user", ""))
        raise HerosimError(f"unknown request {op!r}", hint="herosim and its manager differ in version")

    # -- formation -----------------------------------------------------------------------------
    def adopt(self) -> None:
        """Take over dyno containers a previous manager left: running ones stay, others go."""
        self.current = self.state.current_release()
        self.formation = self.state.formation() or {}
        for container in dyno_mod.find(self.client, self.app):
            found = dyno_mod.Dyno.from_container(container)
            if container.status != "running" or found.name in self.dynos.dynos:
                container.remove(force=True, v=True)
                continue
            record = DynoRecord(found.name, found.process_type, found.command, found.release,
                                size=self._size_of(found.process_type), state="up", container=container,
                                port=found.port, started=time.monotonic(), up_at=time.monotonic(),
                                host_port=dyno_mod.host_port(container, found.port) if found.port else None)
            record.address = self.dynos.route_to(record) if found.port else None
            self.dynos.dynos[found.name] = record
            self.dynos.follow(record, container, since=int(time.time()))

    def deploy(self, version: int) -> dict:
        """A new release: every dyno restarts on it; the formation is converged."""
        release = next((r for r in self.state.releases() if r.version == version), None)
        if release is None:
            raise HerosimError(f"Release v{version} does not exist", hint="run `herosim releases`")
        with self.dynos.lock:
            self.current = release
            self.formation = self.state.formation() or {}
            for record in self.dynos.dynos.values():
                record.crashes = 0  # a new release resets the crash cool-off
        return self._converge(replace_existing=True)

    def scale(self, counts: dict[str, int]) -> dict:
        with self.dynos.lock:
            self.formation = {**self.formation, **counts}
            for record in self.dynos.dynos.values():
                if counts.get(record.process_type) == 0:
                    record.crashes = 0
        return self._converge(replace_existing=False)

    def _converge(self, replace_existing: bool) -> dict:
        wanted = self._wanted()
        jobs = []
        with self.dynos.lock:
            for name, spec in wanted.items():
                record = self.dynos.dynos.get(name)
                size = self._size_of(spec.process_type)
                if record is None:
                    record = DynoRecord(name, spec.process_type, spec.command, self.current.version, size=size)
                    self.dynos.dynos[name] = record
                    jobs.append(self.dynos.pool.submit(self.dynos.boot, record))
                elif replace_existing:
                    record.command, record.release, record.size = spec.command, self.current.version, size
                    jobs.append(self.dynos.pool.submit(self.dynos.replace, record, "Restarting"))
            for name in [n for n in self.dynos.dynos if n not in wanted]:
                jobs.append(self.dynos.pool.submit(self.dynos.retire, self.dynos.dynos[name]))
        for job in jobs:
            job.result()
        self._settle(set(wanted))
        return {"dynos": self.status()}

    def _wanted(self) -> dict[str, procfile.DynoSpec]:
        if self.current is None or not self.current.slug:
            return {}
        parsed = procfile.Procfile(self.current.processes)
        counts = {t: self.formation.get(t, 1) for t in parsed.formation_types}
        return {spec.name: spec for spec in procfile.expand(parsed, counts)}

    def _size_of(self, process_type: str) -> str:
        return (self.state.settings().get("sizes") or {}).get(process_type, self.default_size)

    def restart(self, dyno: str | None, process_type: str | None) -> list[str]:
        with self.dynos.lock:
            targets = [r for r in self.dynos.dynos.values()
                       if (dyno is None or r.name == dyno) and (process_type is None or r.process_type == process_type)]
            if dyno and not targets:
                raise HerosimError(f"No such dyno: {dyno}", hint="see `herosim ps`")
            for record in targets:
                record.crashes = 0  # `heroku restart` resets the cool-off
            jobs = [self.dynos.pool.submit(self.dynos.replace, r, "Restarting") for r in targets]
        for job in jobs:
            job.result()
        self._settle({r.name for r in targets})
        return [r.name for r in targets]

    def run_detached(self, version: int, command: str, user: str) -> dict:
        release = next((r for r in self.state.releases() if r.version == version), None)
        if release is None or not release.slug:
            raise HerosimError("No release to run on yet", hint=f"deploy first: herosim up -a {self.app}")
        one_off = oneoff.new("run", command)
        container = oneoff.create(self.client, self.app, self.state, release, one_off,
                                  size=self._size_of("run"))
        record = DynoRecord(one_off.name, "run", command, release.version, size=self._size_of("run"))
        self.dynos.run_detached(record, container, user)
        return {"name": one_off.name}

    def stop_all(self) -> None:
        with self.dynos.lock:
            for record in list(self.dynos.one_offs.values()):
                if record.container is not None:
                    self.dynos.pool.submit(self.dynos.stop_container, record, record.container)
            jobs = [self.dynos.pool.submit(self.dynos.retire, r) for r in list(self.dynos.dynos.values())]
        for job in jobs:
            job.result()
        self.dynos.closing = True
        self.done.set()

    def _settle(self, names: set[str]) -> None:
        """Wait until the named dynos have left `starting` (up or crashed), at most the boot timeout."""
        deadline = time.monotonic() + self.timeouts.boot + 5
        while time.monotonic() < deadline:
            with self.dynos.lock:
                pending = [r for n, r in self.dynos.dynos.items() if n in names and (r.state == "starting" or r.busy)]
            if not pending:
                return
            time.sleep(0.05)

    # -- views ----------------------------------------------------------------------------------
    def backends(self) -> Backends:
        with self.dynos.lock:
            web = [r for r in self.dynos.dynos.values() if r.web]
            up = tuple((r.name, *r.address) for r in web if r.state == "up" and r.address)
            starting = any(r.state == "starting" for r in web)
        return Backends(web_formation=len(web), up=up, starting=starting)

    def status(self) -> list[dict]:
        with self.dynos.lock:
            return [{"name": r.name, "type": r.process_type, "command": r.command, "state": r.state,
                     "since": r.since.isoformat(), "release": r.release, "size": dyno_mod.SIZES[r.size].name,
                     "port": r.port, "host_port": r.host_port, "crashes": r.crashes,
                     "container": r.container.id if r.container is not None else None}
                    for r in sorted(self.dynos.dynos.values(), key=_order)]


def _order(record: DynoRecord):
    kind, _, index = record.name.rpartition(".")
    return (kind != "web", kind, int(index) if index.isdigit() else 0)
