"""The dyno manager: one process per running app that owns its dynos' lifecycle.

It starts dynos from the current release, watches them boot (`up` once the web
process listens on 0.0.0.0:$PORT), restarts crashed ones on Heroku's schedule,
replaces them on restart and release, stops them with SIGTERM then SIGKILL,
routes HTTP to web dynos and collects every line into the app's log. Which
containers exist is always read from labels; what it keeps in memory (states,
crash counts) is what Heroku's dyno manager keeps too.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import docker
import docker.errors
import requests.exceptions

from herosim import dyno as dyno_mod
from herosim import logline, network, procfile
from herosim.addons import base as addons
from herosim.appstate import AppState, Release
from herosim.config_vars import merge
from herosim.control import Server
from herosim.errors import HerosimError
from herosim.logplex import Logplex
from herosim.router import Backends, Router
from herosim.timeouts import Timeouts

TICK = 0.1
SUCCESS_WINDOW = 60.0  # seconds up before a crash counter resets (scaled by time_scale)


@dataclass
class DynoRecord:
    name: str
    process_type: str
    command: str
    release: int
    state: str = "down"          # starting, up, crashed, down
    since: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    container: object = None
    port: int | None = None
    host_port: int | None = None
    started: float = 0.0         # monotonic time of the last start
    up_at: float | None = None
    crashes: int = 0
    restart_at: float | None = None
    stopping: bool = False
    busy: bool = False           # a restart or stop is in progress

    @property
    def web(self) -> bool:
        return self.process_type == "web"


class Manager:
    def __init__(self, client: docker.DockerClient, app: str, state: AppState, timeouts: Timeouts,
                 router_port: int, size: str = dyno_mod.DEFAULT_SIZE):
        self.client = client
        self.app = app
        self.state = state
        self.timeouts = timeouts
        self.size = dyno_mod.SIZES[size]
        self.logs = Logplex(state.path("logplex.log"))
        self.lock = threading.RLock()
        self.dynos: dict[str, DynoRecord] = {}
        self.release: Release | None = None
        self.formation: dict[str, int] = {}
        self.network = network.name_for(app)
        self.done = threading.Event()
        self.router = Router(router_port, self.backends, lambda msg: self.logs.platform("router", msg), timeouts)
        self.control = Server(state.dir, self.handle)
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="dyno")

    # -- process lifetime ----------------------------------------------------------
    def run(self) -> None:
        self.router.start()           # fails fast when the port is taken
        self.adopt()
        self.control.start()
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=self.stop_all, daemon=True).start())
        try:
            while not self.done.is_set():
                self.tick()
                self.done.wait(TICK)
        finally:
            self.control.stop()
            self.router.stop()

    def handle(self, op: str, args: dict) -> dict:
        if op == "ping":
            return {"app": self.app, "router_port": self.router.port}
        if op == "deploy":
            return self.deploy(int(args["release"]), args.get("reason", "deploy"))
        if op == "restart":
            return {"restarted": self.restart(args.get("dyno"), args.get("process_type"))}
        if op == "scale":
            return self.scale({k: int(v) for k, v in args["formation"].items()})
        if op == "status":
            return {"dynos": self.status(), "router_port": self.router.port,
                    "release": self.release.version if self.release else None}
        if op == "stop":
            self.stop_all()
            return {"stopped": True}
        raise HerosimError(f"unknown request {op!r}", hint="herosim and its manager differ in version")

    # -- formation -----------------------------------------------------------------------
    def adopt(self) -> None:
        """Take over dyno containers left by a previous manager: running ones stay, others go."""
        for container in dyno_mod.find(self.client, self.app):
            found = dyno_mod.Dyno.from_container(container)
            if container.status != "running" or found.name in self.dynos:
                container.remove(force=True, v=True)
                continue
            record = DynoRecord(found.name, found.process_type, found.command, found.release,
                                state="up", container=container, port=found.port,
                                host_port=dyno_mod.host_port(container, found.port) if found.port else None,
                                started=time.monotonic(), up_at=time.monotonic())
            self.dynos[found.name] = record
            self._follow(record, container, since=int(time.time()))
        current = self.state.current_release()
        if current:
            self.release = current
            self.formation = self.state.formation() or {}

    def deploy(self, version: int, reason: str) -> dict:
        release = next((r for r in self.state.releases() if r.version == version), None)
        if release is None:
            raise HerosimError(f"Release v{version} does not exist", hint="run `herosim releases`")
        with self.lock:
            self.release = release
            self.formation = self.state.formation() or {}
            wanted = self._wanted()
            jobs = []
            for name, spec in wanted.items():
                record = self.dynos.get(name)
                if record is None:
                    record = DynoRecord(name, spec.process_type, spec.command, release.version)
                    self.dynos[name] = record
                    jobs.append(self.pool.submit(self._boot, record))
                else:
                    record.command, record.release = spec.command, release.version
                    jobs.append(self.pool.submit(self._replace, record, "Restarting"))
            for name in [n for n in self.dynos if n not in wanted]:
                jobs.append(self.pool.submit(self._retire, self.dynos[name]))
        for job in jobs:
            job.result()
        self._settle(wanted)
        return {"dynos": self.status()}

    def _wanted(self) -> dict[str, procfile.DynoSpec]:
        if self.release is None:
            return {}
        parsed = procfile.Procfile(self.release.processes)
        formation = {t: self.formation.get(t, 1) for t in parsed.formation_types}
        return {spec.name: spec for spec in procfile.expand(parsed, formation)}

    def restart(self, dyno: str | None, process_type: str | None) -> list[str]:
        with self.lock:
            targets = [r for r in self.dynos.values()
                       if (dyno is None or r.name == dyno) and (process_type is None or r.process_type == process_type)]
            if dyno and not targets:
                raise HerosimError(f"No such dyno: {dyno}", hint="see `herosim ps`")
            jobs = [self.pool.submit(self._replace, r, "Restarting") for r in targets]
        for job in jobs:
            job.result()
        self._settle({r.name: None for r in targets})
        return [r.name for r in targets]

    def scale(self, formation: dict[str, int]) -> dict:
        with self.lock:
            self.formation = {**self.formation, **formation}
            self.state.set_formation(self.formation)
            wanted = self._wanted()
            jobs = []
            for name, spec in wanted.items():
                if name not in self.dynos:
                    record = DynoRecord(name, spec.process_type, spec.command,
                                        self.release.version if self.release else 0)
                    self.dynos[name] = record
                    jobs.append(self.pool.submit(self._boot, record))
            for name in [n for n in self.dynos if n not in wanted]:
                jobs.append(self.pool.submit(self._retire, self.dynos[name]))
        for job in jobs:
            job.result()
        return {"dynos": self.status()}

    def stop_all(self) -> None:
        with self.lock:
            jobs = [self.pool.submit(self._retire, r) for r in list(self.dynos.values())]
        for job in jobs:
            job.result()
        self.done.set()

    def _settle(self, names: dict, limit: float | None = None) -> None:
        """Wait until the named dynos have left `starting` (up, crashed) or the boot timeout passed."""
        deadline = time.monotonic() + (limit or self.timeouts.boot + 5)
        while time.monotonic() < deadline:
            with self.lock:
                pending = [r for n, r in self.dynos.items() if n in names and (r.state == "starting" or r.busy)]
            if not pending:
                return
            time.sleep(0.05)

    # -- one dyno ---------------------------------------------------------------------------
    def _platform(self, record: DynoRecord, message: str) -> None:
        self.logs.platform(record.name, message)

    def _set_state(self, record: DynoRecord, new: str) -> None:
        old = record.state
        record.state = new
        record.since = dt.datetime.now(dt.timezone.utc)
        if old != new:
            self._platform(record, f"State changed from {old} to {new}")

    def _create(self, record: DynoRecord):
        env = merge(addons.config_vars(addons.attachments(self.client, self.app)),
                    self.release.config_vars if self.release else {})
        return dyno_mod.create(self.client, app=self.app, name=record.name, process_type=record.process_type,
                               command=record.command, image=self.release.slug, env=env,
                               network=self.network, release=record.release, size=self.size)

    def _start(self, record: DynoRecord, container) -> None:
        self._platform(record, f"Starting process with command `{record.command}`")
        container.start()
        container.reload()
        with self.lock:
            record.container = container
            record.port = dyno_mod.Dyno.from_container(container).port
            record.host_port = dyno_mod.host_port(container, record.port) if record.port else None
            record.started = time.monotonic()
            record.stopping = False
            record.up_at = None
        self._follow(record, container)
        if not record.web:
            with self.lock:
                self._set_state(record, "up")
                record.up_at = time.monotonic()

    def _boot(self, record: DynoRecord, from_state: str | None = None) -> None:
        record.busy = True
        try:
            container = self._create(record)
            with self.lock:
                record.state = "starting" if from_state is None else record.state
                if from_state is not None:
                    self._set_state(record, "starting")
            self._start(record, container)
        finally:
            record.busy = False

    def _replace(self, record: DynoRecord, reason: str) -> None:
        record.busy = True
        try:
            self._platform(record, reason)
            with self.lock:
                self._set_state(record, "starting")
            new = self._create(record)       # before the old one stops: the swap is quick
            old = record.container
            if old is not None:
                self._stop_container(record, old)
            self._start(record, new)
        finally:
            record.busy = False

    def _retire(self, record: DynoRecord) -> None:
        """Stop and remove a dyno for good (scale down, down)."""
        record.busy = True
        try:
            if record.container is not None:
                was_running = record.state in ("starting", "up")
                self._stop_container(record, record.container)
                if was_running:
                    with self.lock:
                        self._set_state(record, "down")
            with self.lock:
                self.dynos.pop(record.name, None)
        finally:
            record.busy = False

    def _stop_container(self, record: DynoRecord, container) -> None:
        """SIGTERM to every process, SIGKILL after the stop timeout (R12), then remove."""
        record.stopping = True
        try:
            container.reload()
            running = container.status == "running"
        except docker.errors.NotFound:
            return
        if running:
            self._platform(record, "Stopping all processes with SIGTERM")
            try:
                container.kill(signal="SIGTERM")
            except docker.errors.APIError:
                pass
            status = self._wait(container, self.timeouts.stop)
            if status is None:
                self._platform(record, f"Error R12 (Exit timeout) -> At least one process failed to exit "
                                       f"within {self.timeouts.stop:g} seconds of SIGTERM")
                self._platform(record, "Stopping remaining processes with SIGKILL")
                try:
                    container.kill(signal="SIGKILL")
                except docker.errors.APIError:
                    pass
                status = self._wait(container, 30) or 137
            self._platform(record, f"Process exited with status {status}")
        try:
            container.remove(force=True, v=True)
        except docker.errors.APIError:
            pass

    @staticmethod
    def _wait(container, timeout: float) -> int | None:
        try:
            return int(container.wait(timeout=timeout).get("StatusCode", 0))
        except (requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout):
            return None
        except docker.errors.NotFound:
            return 0

    # -- watching ---------------------------------------------------------------------------
    def _follow(self, record: DynoRecord, container, since: int | None = None) -> None:
        threading.Thread(target=self._pump, args=(record, container, since), daemon=True,
                         name=f"logs-{record.name}").start()

    def _pump(self, record: DynoRecord, container, since: int | None) -> None:
        """Copy a dyno's output into the log, then report how it ended."""
        buffer = b""
        try:
            kwargs = {"since": since} if since else {}
            for chunk in container.logs(stream=True, follow=True, timestamps=True, **kwargs):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    self._app_line(record, raw)
            if buffer:
                self._app_line(record, buffer)
        except (docker.errors.APIError, requests.exceptions.RequestException):
            pass
        status = self._wait(container, 60)
        self._exited(record, container, 0 if status is None else status)

    def _app_line(self, record: DynoRecord, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        stamp, _, message = text.partition(" ")
        try:
            when = logline.parse_docker_timestamp(stamp)
        except ValueError:
            when, message = None, text
        self.logs.emit("app", record.name, message, when=when)

    def _exited(self, record: DynoRecord, container, status: int) -> None:
        with self.lock:
            if record.container is not container or record.stopping or self.done.is_set():
                return
            self._platform(record, f"Process exited with status {status}")
            self._set_state(record, "crashed")
            record.crashes += 1
            record.restart_at = time.monotonic() + self.timeouts.crash_delay(record.crashes)

    def tick(self) -> None:
        now = time.monotonic()
        with self.lock:
            records = list(self.dynos.values())
        for record in records:
            if record.busy:
                continue
            if record.state == "starting" and record.web and record.container is not None:
                self._check_boot(record, now)
            elif record.state == "crashed" and record.restart_at is not None and now >= record.restart_at:
                record.restart_at = None
                self.pool.submit(self._restart_crashed, record)
            elif record.state == "up" and record.crashes and record.up_at and \
                    now - record.up_at > SUCCESS_WINDOW * self.timeouts.time_scale:
                record.crashes = 0

    def _check_boot(self, record: DynoRecord, now: float) -> None:
        container = record.container
        if record.port in dyno_mod.wildcard_listeners(dyno_mod.read_proc_net(container)):
            with self.lock:
                if record.container is container and record.state == "starting":
                    self._set_state(record, "up")
                    record.up_at = now
            return
        if now - record.started > self.timeouts.boot:
            self._platform(record, f"Error R10 (Boot timeout) -> Web process failed to bind to $PORT within "
                                   f"{self.timeouts.boot:g} seconds of launch")
            self._platform(record, "Stopping process with SIGKILL")
            record.started = float("inf")  # report once
            try:
                container.kill(signal="SIGKILL")
            except docker.errors.APIError:
                pass

    def _restart_crashed(self, record: DynoRecord) -> None:
        old = record.container
        self._boot(record, from_state="crashed")
        if old is not None:
            try:
                old.remove(force=True, v=True)
            except docker.errors.APIError:
                pass

    # -- views -------------------------------------------------------------------------------
    def backends(self) -> Backends:
        with self.lock:
            web = [r for r in self.dynos.values() if r.web]
            up = tuple((r.name, r.host_port) for r in web if r.state == "up" and r.host_port)
            starting = any(r.state == "starting" for r in web)
        return Backends(web_formation=len(web), up=up, starting=starting)

    def status(self) -> list[dict]:
        with self.lock:
            return [{"name": r.name, "type": r.process_type, "command": r.command, "state": r.state,
                     "since": r.since.isoformat(), "release": r.release, "port": r.port,
                     "host_port": r.host_port, "crashes": r.crashes,
                     "container": r.container.id if r.container is not None else None}
                    for r in sorted(self.dynos.values(), key=_order)]


def _order(record: DynoRecord):
    kind, _, index = record.name.rpartition(".")
    return (kind != "web", kind, int(index) if index.isdigit() else 0)
