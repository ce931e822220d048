"""What the dyno manager does to one dyno: boot it, watch it, stop it, replace it.

Every transition writes Heroku's line to the app's log. The record is the
manager's memory of a dyno (state, crash count, timers); the container itself
is found and described by its labels.
"""

from __future__ import annotations

import datetime as dt
import random
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import docker
import docker.errors
import requests.exceptions

from herosim.runtime import containers as dyno_mod
from herosim.platform import logline
from herosim.runtime import memory
from herosim.addons import base as addons
from herosim.platform.state import Release
from herosim.platform.config_vars import merge
from herosim.platform.logplex import Logplex
from herosim.platform.timeouts import Timeouts

# Seconds up before a dyno counts as started successfully and its crash cool-off resets.
# Not scaled by --time-scale: a dyno that dies a second after each start is crash-looping
# however fast the schedule runs.
SUCCESS_WINDOW = 60.0
R14_REPEAT = 60.0       # seconds between repeated R14 lines for one dyno (times time_scale)
CYCLE_JITTER = 0.15     # Heroku: 24 h plus up to 216 min, i.e. up to 15 % of the period


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class DynoRecord:
    name: str
    process_type: str
    command: str
    release: int
    size: str = dyno_mod.DEFAULT_SIZE
    state: str = "down"          # starting, up, crashed, down
    since: dt.datetime = field(default_factory=utcnow)
    container: object = None
    port: int | None = None
    host_port: int | None = None
    address: tuple[str, int] | None = None  # where the router reaches it
    started: float = 0.0         # monotonic time of the last start
    up_at: float | None = None
    crashes: int = 0
    restart_at: float | None = None
    cycle_at: float | None = None
    r14_at: float | None = None  # monotonic time of the last R14 line
    stopping: bool = False
    busy: bool = False           # a restart or stop is in progress
    one_off: bool = False        # run:detached: never restarted, removed when done

    @property
    def web(self) -> bool:
        return self.process_type == "web"


class Lifecycle:
    """Dyno transitions for one app; the Manager decides which dynos, this does the how."""

    def __init__(self, client: docker.DockerClient, app: str, logs: Logplex, timeouts: Timeouts,
                 network: str, release: Callable[[], Release | None], cycle_every: float | None = None):
        self.client = client
        self.app = app
        self.logs = logs
        self.timeouts = timeouts
        self.network = network
        self.release = release
        self.cycle_every = cycle_every
        self.lock = threading.RLock()
        self.dynos: dict[str, DynoRecord] = {}
        self.one_offs: dict[str, DynoRecord] = {}
        self.pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="dyno")
        self.closing = False

    # -- log lines ---------------------------------------------------------------------
    def platform(self, record: DynoRecord, message: str) -> None:
        self.logs.platform(record.name, message)

    def set_state(self, record: DynoRecord, new: str) -> None:
        old, record.state, record.since = record.state, new, utcnow()
        if old != new:
            self.platform(record, f"State changed from {old} to {new}")

    # -- transitions ------------------------------------------------------------------------
    def create(self, record: DynoRecord):
        release = self.release()
        env = merge(addons.config_vars(addons.attachments(self.client, self.app)),
                    release.config_vars if release else {})
        return dyno_mod.create(self.client, app=self.app, name=record.name, process_type=record.process_type,
                               command=record.command, image=release.slug, env=env, network=self.network,
                               release=record.release, size=dyno_mod.SIZES[record.size])

    def start(self, record: DynoRecord, container) -> None:
        self.platform(record, f"Starting process with command `{record.command}`")
        container.start()
        container.reload()
        with self.lock:
            record.container = container
            record.port = dyno_mod.Dyno.from_container(container).port
            record.host_port = dyno_mod.host_port(container, record.port) if record.port else None
            record.started = time.monotonic()
            record.stopping = False
            record.up_at = None
            record.cycle_at = self._next_cycle()
        self.follow(record, container)
        if not record.web:  # a worker is up as soon as its process starts
            with self.lock:
                self.set_state(record, "up")
                record.up_at = time.monotonic()

    def boot(self, record: DynoRecord, from_state: str | None = None) -> None:
        """Start a dyno that has no running container (new, or crashed)."""
        record.busy = True
        try:
            container = self.create(record)
            with self.lock:
                if from_state is None:
                    record.state = "starting"
                else:
                    self.set_state(record, "starting")
            self.start(record, container)
        finally:
            record.busy = False

    def replace(self, record: DynoRecord, reason: str = "Restarting") -> None:
        """Heroku's restart: a new container from the slug, the old one stopped first."""
        record.busy = True
        try:
            self.platform(record, reason)
            with self.lock:
                self.set_state(record, "starting")
            new = self.create(record)  # before the old one stops, so the swap is quick
            if record.container is not None:
                self.stop_container(record, record.container)
            self.start(record, new)
        finally:
            record.busy = False

    def retire(self, record: DynoRecord) -> None:
        """Stop and remove a dyno for good (scale down, down)."""
        record.busy = True
        try:
            if record.container is not None:
                was_running = record.state in ("starting", "up")
                self.stop_container(record, record.container)
                if was_running:
                    with self.lock:
                        self.set_state(record, "down")
            with self.lock:
                self.dynos.pop(record.name, None)
        finally:
            record.busy = False

    def stop_container(self, record: DynoRecord, container) -> None:
        """SIGTERM to every process, SIGKILL after the stop timeout (R12), then remove."""
        record.stopping = True
        try:
            container.reload()
            running = container.status == "running"
        except docker.errors.NotFound:
            return
        if running:
            self.platform(record, "Stopping all processes with SIGTERM")
            _kill(container, "SIGTERM")
            status = wait(container, self.timeouts.stop)
            if status is None:
                self.platform(record, "Error R12 (Exit timeout) -> At least one process failed to exit "
                                      f"within {self.timeouts.stop:g} seconds of SIGTERM")
                self.platform(record, "Stopping remaining processes with SIGKILL")
                _kill(container, "SIGKILL")
                status = wait(container, 30) or 137
            self.platform(record, f"Process exited with status {status}")
        try:
            container.remove(force=True, v=True)
        except docker.errors.APIError:
            pass

    def restart_crashed(self, record: DynoRecord) -> None:
        old = record.container
        self.boot(record, from_state="crashed")
        if old is not None:
            try:
                old.remove(force=True, v=True)
            except docker.errors.APIError:
                pass

    # -- watching ------------------------------------------------------------------------------
    def follow(self, record: DynoRecord, container, since: int | None = None) -> None:
        threading.Thread(target=self._pump, args=(record, container, since), daemon=True,
                         name=f"logs-{record.name}").start()

    def _pump(self, record: DynoRecord, container, since: int | None) -> None:
        """Copy a dyno's output into the log, then report how it ended."""
        buffer = b""
        try:
            for chunk in container.logs(stream=True, follow=True, timestamps=True,
                                        **({"since": since} if since else {})):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    self._app_line(record, raw)
            if buffer:
                self._app_line(record, buffer)
        except (docker.errors.APIError, requests.exceptions.RequestException):
            pass
        status = wait(container, 60)
        self.exited(record, container, 0 if status is None else status)

    def _app_line(self, record: DynoRecord, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        stamp, _, message = text.partition(" ")
        try:
            when = logline.parse_docker_timestamp(stamp)
        except ValueError:
            when, message = None, text
        self.logs.emit("app", record.name, message, when=when)

    def exited(self, record: DynoRecord, container, status: int) -> None:
        """Any exit of a formation dyno that nobody asked for is a crash, exit 0 included."""
        if record.one_off:
            self._one_off_done(record, container, status)
            return
        with self.lock:
            if record.container is not container or record.stopping or self.closing:
                return
            if _oom_killed(container):
                quota = dyno_mod.SIZES[record.size].memory_mb
                self.platform(record, memory.usage_line(int(quota * 2 * 1024 * 1024), quota))
                self.platform(record, "Error R15 (Memory quota vastly exceeded)")
                self.platform(record, "Stopping process with SIGKILL")
            self.platform(record, f"Process exited with status {status}")
            self.set_state(record, "crashed")
            record.crashes += 1
            record.restart_at = time.monotonic() + self.timeouts.crash_delay(record.crashes)

    def run_detached(self, record: DynoRecord, container, user: str) -> None:
        """A one-off dyno whose output goes to the log (`run:detached`)."""
        record.one_off = True
        with self.lock:
            self.one_offs[record.name] = record
        self.platform(record, f"Starting process with command `{record.command}` by user {user}")
        container.start()
        with self.lock:
            record.container = container
            record.started = time.monotonic()
            record.state = "starting"
            self.set_state(record, "up")
        self.follow(record, container)

    def _one_off_done(self, record: DynoRecord, container, status: int) -> None:
        if not record.stopping:  # stop_container already logged how it ended
            self.platform(record, f"Process exited with status {status}")
        with self.lock:
            self.set_state(record, "complete")
            self.one_offs.pop(record.name, None)
        try:
            container.remove(force=True, v=True)
        except docker.errors.APIError:
            pass

    def tick(self) -> None:
        """One pass of the dyno manager's clock: boots, crash restarts, cycling, counters."""
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
                self.pool.submit(self.restart_crashed, record)
            elif record.state == "up":
                if record.crashes and record.up_at and now - record.up_at > SUCCESS_WINDOW:
                    record.crashes = 0
                if record.cycle_at is not None and now >= record.cycle_at:
                    record.cycle_at = None
                    record.busy = True
                    self.pool.submit(self._cycle, record)

    def _cycle(self, record: DynoRecord) -> None:
        record.busy = False
        self.replace(record, "Cycling")

    def _next_cycle(self) -> float | None:
        if not self.cycle_every:
            return None
        return time.monotonic() + self.cycle_every * (1 + random.uniform(0, CYCLE_JITTER))

    def _check_boot(self, record: DynoRecord, now: float) -> None:
        container = record.container
        if record.port in dyno_mod.wildcard_listeners(dyno_mod.read_proc_net(container)):
            address = self.route_to(record)
            with self.lock:
                if record.container is container and record.state == "starting":
                    record.address = address
                    self.set_state(record, "up")
                    record.up_at = now
            return
        if now - record.started > self.timeouts.boot:
            self.platform(record, "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within "
                                  f"{self.timeouts.boot:g} seconds of launch")
            self.platform(record, "Stopping process with SIGKILL")
            record.started = float("inf")  # report once
            _kill(container, "SIGKILL")

    def route_to(self, record: DynoRecord) -> tuple[str, int] | None:
        """The container's own address when this host reaches the bridge network (Linux),
        else the port published on 127.0.0.1 (Docker Desktop, remote engines)."""
        ip = ((record.container.attrs.get("NetworkSettings", {}).get("Networks") or {})
              .get(self.network, {}).get("IPAddress"))
        if ip and record.port and _reachable(ip, record.port):
            return ip, record.port
        return ("127.0.0.1", record.host_port) if record.host_port else None

    def sample_memory(self) -> None:
        """R14 when a dyno uses more than its quota (it keeps running, as on Heroku)."""
        now = time.monotonic()
        with self.lock:
            records = [r for r in self.dynos.values() if r.state in ("starting", "up") and r.container is not None]
        for record in records:
            pid = dyno_mod.host_pid(record.container)
            used = memory.cgroup_usage(pid) if pid and memory.local_engine() else memory.stats_usage(record.container)
            quota = dyno_mod.SIZES[record.size].memory_mb
            if used is None or used <= quota * 1024 * 1024:
                continue
            if record.r14_at is None or now - record.r14_at >= R14_REPEAT * self.timeouts.time_scale:
                record.r14_at = now
                self.platform(record, memory.usage_line(used, quota))
                self.platform(record, "Error R14 (Memory quota exceeded)")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


def wait(container, timeout: float) -> int | None:
    try:
        return int(container.wait(timeout=timeout).get("StatusCode", 0))
    except (requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout):
        return None
    except docker.errors.NotFound:
        return 0


def _kill(container, signal: str) -> None:
    try:
        container.kill(signal=signal)
    except docker.errors.APIError:
        pass


def _oom_killed(container) -> bool:
    try:
        container.reload()
        return bool(container.attrs.get("State", {}).get("OOMKilled"))
    except docker.errors.APIError:
        return False
