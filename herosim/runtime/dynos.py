"""The dyno state machine: every dyno's record, and each transition with Heroku's log line.

`DynoSet` owns the records (state, crash count, timers); nothing outside reaches into
them: the manager asks for views, gives it a convergence plan to carry out, and ticks
its clock. Docker is behind `backend` (backend.DockerDynos), time behind `clock`,
randomness behind `rng` and concurrency behind `pool`, so tests drive it without Docker.
"""

from __future__ import annotations

import random
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor

from herosim.platform.logplex import Logplex
from herosim.platform.sizes import SIZES
from herosim.platform.timeouts import Timeouts
from herosim.runtime import duties, follow, memory, plan
from herosim.runtime.dyno import Dyno, DynoView, utcnow
from herosim.runtime.plan import CRASHED, DOWN, STARTING, UP
from herosim.runtime.router.exchange import Backends

# Seconds up before a dyno counts as started successfully and its crash cool-off resets.
# Not scaled by --time-scale: a dyno that dies a second after each start is crash-looping
# however fast the schedule runs.
SUCCESS_WINDOW = 60.0
CYCLE_JITTER = 0.15     # Heroku: 24 h plus up to 216 min, i.e. up to 15 % of the period
RETRY_DELAYS = (1, 2, 5, 10, 30)  # a start that failed on the platform's side (engine gone) is retried


class DynoSet:
    def __init__(self, backend, logs: Logplex, timeouts: Timeouts, *, cycle_every: float | None = None,
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
                 pool: Executor | None = None, success_window: float = SUCCESS_WINDOW,
                 report: Callable[[str], None] | None = None, on_change: Callable[[], None] | None = None):
        self.backend = backend
        self.logs = logs
        self.timeouts = timeouts
        self.cycle_every = cycle_every
        self.clock = clock
        self.rng = rng or random.Random()
        self.pool = pool or ThreadPoolExecutor(max_workers=16, thread_name_prefix="dyno")
        self.success_window = success_window
        self.report = report or (lambda text: print(text, file=sys.stderr, flush=True))
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._dynos: dict[str, Dyno] = {}
        self._closing = False
        self.on_change = on_change or (lambda: None)

    # -- views ------------------------------------------------------------------------------
    def views(self) -> list[DynoView]:
        with self._lock:
            found = sorted(self._dynos.values(), key=_order)
            return [DynoView(d.name, d.process_type, d.command, d.state, d.since.isoformat(), d.release,
                             SIZES[d.size].name, d.port, d.host_port, d.crashes) for d in found]

    def seen(self) -> dict[str, plan.Seen]:
        with self._lock:
            return {name: dyno.seen() for name, dyno in self._dynos.items()}

    def names(self, dyno: str | None = None, process_type: str | None = None) -> list[str]:
        with self._lock:
            return [d.name for d in sorted(self._dynos.values(), key=_order)
                    if (dyno is None or d.name == dyno) and (process_type is None or d.process_type == process_type)]

    def backends(self) -> Backends:
        """The router's view: web dynos asked for, those up and where, whether one boots."""
        with self._lock:
            web = [d for d in self._dynos.values() if d.web]
            up = tuple((d.name, *d.address) for d in web if d.state == UP and d.address)
            starting = any(d.state == STARTING for d in web)
        return Backends(web_formation=len(web), up=up, starting=starting)

    def starting(self) -> bool:
        with self._lock:
            return any(d.state == STARTING for d in self._dynos.values())

    # -- commands ---------------------------------------------------------------------------
    def apply(self, actions: Iterable[plan.Action], wait: bool = True) -> None:
        """Carry out a convergence plan; with `wait`, return once the dynos it touched have
        left `starting` (up or crashed), at most the boot timeout later."""
        touched = set()
        with self._lock:
            for action in actions:
                if isinstance(action, plan.Boot):
                    want = action.wanted
                    dyno = Dyno(want.name, want.process_type, want.command, want.release, want.size)
                    self._dynos[want.name] = dyno
                    self.on_change()
                    self._submit(dyno, self._boot, dyno)
                elif isinstance(action, plan.Replace):
                    dyno = self._dynos[action.wanted.name]
                    want = action.wanted
                    dyno.command, dyno.release, dyno.size = want.command, want.release, want.size
                    self._submit(dyno, self._replace, dyno, action.reason)
                else:
                    dyno = self._dynos.get(action.name)
                    if dyno is None:
                        continue
                    self._submit(dyno, self._retire, dyno)
                touched.add(dyno.name)
        if wait:
            self.wait_settled(touched)

    def restart(self, names: Iterable[str], reason: str = "Restarting") -> list[str]:
        """`heroku restart`: new containers from the slug; the crash cool-off resets."""
        with self._lock:
            targets = [self._dynos[n] for n in names if n in self._dynos]
            for dyno in targets:
                dyno.crashes = 0
                dyno.restart_at = None
                self._submit(dyno, self._replace, dyno, reason)
        self.wait_settled({d.name for d in targets})
        return [d.name for d in targets]

    def stop(self, names: Iterable[str]) -> list[str]:
        """`ps:stop` on formation dynos: each stops (SIGTERM, SIGKILL after the stop timeout),
        and the dyno manager starts it again, as Heroku's does."""
        with self._lock:
            targets = [self._dynos[n] for n in names if n in self._dynos]
            for dyno in targets:
                self._submit(dyno, self._stop_and_boot, dyno)
        self.wait_settled({d.name for d in targets})
        return [d.name for d in targets]

    def relabel(self, names: Iterable[str], release: int) -> list[str]:
        """Dynos that took a release's files without a restart (`herosim dev`, when their
        server reloads by itself) now count as running it; returns those that do."""
        with self._lock:
            done = []
            for name in names:
                dyno = self._dynos.get(name)
                if dyno is not None and dyno.state in (STARTING, UP) and not dyno.busy:
                    dyno.release = release
                    done.append(name)
            return done

    def reset_crashes(self) -> None:
        """A new release resets every dyno's crash cool-off."""
        with self._lock:
            for dyno in self._dynos.values():
                dyno.crashes = 0

    def wait_settled(self, names: set[str], timeout: float | None = None) -> bool:
        # Real time, not the injected clock: this waits for other threads to finish their work.
        timeout = self.timeouts.boot + 5 if timeout is None else timeout
        deadline = time.monotonic() + timeout

        def pending() -> bool:
            return any(d.state == STARTING or d.busy for n, d in self._dynos.items() if n in names)

        with self._changed:
            while pending():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.5))
        return True

    def adopt(self, found: Iterable[tuple[object, object]]) -> None:
        """Take over running dyno containers a previous manager left: (container, Described)."""
        now = self.clock()
        for handle, described in found:
            with self._lock:
                if described.name in self._dynos:
                    self.backend.remove(handle)
                    continue
                dyno = Dyno(described.name, described.process_type, described.command, described.release,
                            described.size, state=UP, handle=handle, port=described.port, started=now, up_at=now,
                            host_port=self.backend.host_port(handle, described.port))
                dyno.address = self.backend.address(handle, dyno.port, dyno.host_port) if dyno.port else None
                self._dynos[dyno.name] = dyno
            self._follow(dyno, handle, since=int(time.time()))

    def stop_all(self) -> None:
        """`herosim down`: every dyno stopped (SIGTERM, SIGKILL after the stop timeout) and removed."""
        with self._lock:
            self._closing = True
            jobs = [self.pool.submit(self._retire, d) for d in list(self._dynos.values())]
        for job in jobs:
            job.result()

    # -- the clock ----------------------------------------------------------------------------
    def tick(self) -> None:
        """One pass of the dyno manager's clock: boots, crash restarts, cycling, counters."""
        now = self.clock()
        for due in plan.due(self.seen().values(), now, self.success_window):
            if due.kind == "boot-check":
                self._check_boot(due.name, now)
                continue
            with self._lock:
                dyno = self._dynos.get(due.name)
                if dyno is None or dyno.busy:
                    continue
                if due.kind == "restart":
                    dyno.restart_at = None
                    self._submit(dyno, self._restart_crashed, dyno)
                elif due.kind == "reset-crashes":
                    dyno.crashes = 0
                elif due.kind == "cycle":
                    dyno.cycle_at = None
                    self._submit(dyno, self._replace, dyno, "Cycling")

    def running(self) -> list[tuple[str, str, object]]:
        """(name, size, container) of every formation dyno starting or up: for the memory watch."""
        with self._lock:
            return [(d.name, d.size, d.handle) for d in self._dynos.values()
                    if d.state in (STARTING, UP) and d.handle is not None]

    # -- transitions (run on the pool) ----------------------------------------------------------
    def _submit(self, dyno: Dyno, work, *args) -> None:
        dyno.busy = True
        self.pool.submit(self._guarded, dyno, work, *args)

    def _guarded(self, dyno: Dyno, work, *args) -> None:
        """Run a transition; a platform failure (the engine gone, a refused create) is logged to
        the manager's log and retried later with a backoff, never dropped."""
        try:
            work(*args)
            dyno.faults = 0
        except Exception:  # noqa: BLE001 - the manager keeps running whatever one dyno does
            self.report(f"{dyno.name}: {work.__name__} failed:\n{traceback.format_exc()}")
            with self._lock:
                if work == self._retire:  # whatever is left is found by its labels later
                    if self._dynos.get(dyno.name) is dyno:
                        del self._dynos[dyno.name]
                        self.on_change()
                elif dyno.name in self._dynos and not self._closing:
                    dyno.faults += 1
                    if dyno.state != CRASHED:
                        self._set_state(dyno, CRASHED)
                    dyno.restart_at = self.clock() + RETRY_DELAYS[min(dyno.faults, len(RETRY_DELAYS)) - 1]
        finally:
            with self._changed:
                dyno.busy = False
                self._changed.notify_all()

    def _boot(self, dyno: Dyno, from_state: str | None = None) -> None:
        """Start a dyno that has no running container (new, or crashed)."""
        handle = self.backend.create(dyno)
        with self._lock:
            if from_state is None:
                dyno.state = STARTING
                self._changed.notify_all()
            else:
                self._set_state(dyno, STARTING)
        self._start(dyno, handle)

    def _replace(self, dyno: Dyno, reason: str) -> None:
        """Heroku's restart: the old processes get SIGTERM and the new dyno starts at once (old and
        new can overlap, as on Heroku); the old one is SIGKILLed after the stop timeout."""
        self._log(dyno, reason)
        with self._lock:
            self._set_state(dyno, STARTING)
        new = self.backend.create(dyno)
        with self._lock:
            old, dyno.handle = dyno.handle, None  # its exit is expected from now on, not a crash
        if old is not None:
            self._signal_stop(dyno, old)
            self.pool.submit(self._finish_stop, dyno, old)
        self._start(dyno, new)

    def _stop_to_down(self, dyno: Dyno) -> None:
        """Stop the dyno's container, if it has one; a dyno that was running is then down."""
        if dyno.handle is not None:
            was_running = dyno.state in (STARTING, UP)
            self._stop(dyno, dyno.handle)
            if was_running:
                with self._lock:
                    self._set_state(dyno, DOWN)

    def _retire(self, dyno: Dyno) -> None:
        """Stop and remove a dyno for good (scale down, down)."""
        self._stop_to_down(dyno)
        with self._lock:
            if self._dynos.get(dyno.name) is dyno:
                del self._dynos[dyno.name]
                self.on_change()

    def _stop_and_boot(self, dyno: Dyno) -> None:
        self._stop_to_down(dyno)
        self._boot(dyno, from_state=DOWN)

    def _restart_crashed(self, dyno: Dyno) -> None:
        old = dyno.handle
        self._boot(dyno, from_state=CRASHED)
        if old is not None:
            self.backend.remove(old)

    def _start(self, dyno: Dyno, handle) -> None:
        self._log(dyno, f"Starting process with command `{dyno.command}`")
        port, host_port = self.backend.start(handle)
        with self._lock:
            dyno.handle, dyno.port, dyno.host_port, dyno.address = handle, port, host_port, None
            dyno.started = self.clock()
            dyno.up_at = None
            dyno.boot_reported = False
            dyno.cycle_at = plan.next_cycle(dyno.started, self.cycle_every, CYCLE_JITTER, self.rng)
            if not dyno.web:  # a worker is up as soon as its process starts
                self._set_state(dyno, UP)
                dyno.up_at = dyno.started
        self._follow(dyno, handle)

    def _signal_stop(self, dyno: Dyno, handle) -> None:
        self._log(dyno, "Stopping all processes with SIGTERM")
        self.backend.signal(handle, "SIGTERM")

    def _finish_stop(self, dyno: Dyno, handle) -> None:
        """Wait for the processes to exit; R12 and SIGKILL after the stop timeout; remove."""
        status = follow.terminate(self.backend, handle, lambda line: self._log(dyno, line), self.timeouts.stop)
        self._log(dyno, f"Process exited with status {status}")
        self.backend.remove(handle)

    def _stop(self, dyno: Dyno, handle) -> None:
        with self._lock:
            if dyno.handle is handle:
                dyno.handle = None  # its exit is expected, not a crash
        self._signal_stop(dyno, handle)
        self._finish_stop(dyno, handle)

    def _check_boot(self, name: str, now: float) -> None:
        """Up once it listens on 0.0.0.0:$PORT (read without holding the lock); R10 past the
        boot timeout."""
        with self._lock:
            dyno = self._dynos.get(name)
            if dyno is None or dyno.busy or dyno.state != STARTING or dyno.handle is None:
                return
            handle, port, started = dyno.handle, dyno.port, dyno.started
        verdict = plan.boot_verdict(port in self.backend.listening(handle), started, now, self.timeouts.boot)
        if verdict == STARTING:
            return
        address = self.backend.address(handle, port, dyno.host_port) if verdict == UP else None
        with self._lock:
            if dyno.handle is not handle or dyno.state != STARTING or dyno.boot_reported:
                return
            if verdict == UP:
                dyno.address = address
                self._set_state(dyno, UP)
                dyno.up_at = now
                return
            dyno.boot_reported = True
        self._log(dyno, "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within "
                        f"{self.timeouts.boot:g} seconds of launch")
        self._log(dyno, "Stopping process with SIGKILL")
        self.backend.signal(handle, "SIGKILL")

    # -- watching -----------------------------------------------------------------------------
    def _follow(self, dyno: Dyno, handle, since: int | None = None) -> None:
        threading.Thread(target=duties.restarting, daemon=True, name=f"logs-{dyno.name}",
                         args=(f"{dyno.name}'s log follower", lambda since: self._pump(dyno, handle, since), since,
                               lambda: dyno.handle is handle and not self._closing, self.report)).start()

    def _pump(self, dyno: Dyno, handle, since: int | None) -> None:
        """Copy a dyno's output into the log, then report how it ended."""
        status = follow.until_exit(self.backend, handle, lambda lines: self.logs.emit_many("app", dyno.name, lines),
                                   since, lambda: dyno.handle is handle and not self._closing)
        if status is None:  # no longer ours, or the engine never came back: nothing to report
            return
        try:
            self._exited(dyno, handle, status)
        except Exception:  # noqa: BLE001
            self.report(f"{dyno.name}: exit handling failed:\n{traceback.format_exc()}")

    def _exited(self, dyno: Dyno, handle, status: int) -> None:
        """Any exit of a formation dyno that nobody asked for is a crash, exit 0 included."""
        def expected() -> bool:
            return dyno.handle is not handle or self._closing or self._dynos.get(dyno.name) is not dyno

        with self._lock:
            if expected():
                return
        oom = self.backend.oom_killed(handle)
        with self._lock:
            if expected():
                return
            if oom:
                quota = SIZES[dyno.size].memory_mb
                self._log(dyno, memory.usage_line(int(quota * 2 * 1024 * 1024), quota))
                self._log(dyno, "Error R15 (Memory quota vastly exceeded)")
                self._log(dyno, "Stopping process with SIGKILL")
            self._log(dyno, f"Process exited with status {status}")
            self._set_state(dyno, CRASHED)
            dyno.crashes += 1
            dyno.restart_at = self.clock() + self.timeouts.crash_delay(dyno.crashes)

    # -- log lines ----------------------------------------------------------------------------
    def _log(self, dyno: Dyno, message: str) -> None:
        self.logs.platform(dyno.name, message)

    def _set_state(self, dyno: Dyno, new: str) -> None:
        old, dyno.state, dyno.since = dyno.state, new, utcnow()
        if old != new:
            self._log(dyno, f"State changed from {old} to {new}")
        self._changed.notify_all()
        self.on_change()


def _order(dyno: Dyno):
    kind, _, index = dyno.name.rpartition(".")
    return (kind != "web", kind, int(index) if index.isdigit() else 0)


