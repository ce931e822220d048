"""`run:detached`: one-off dynos whose output goes to the log; never restarted, removed when
their command ends, stopped with the app."""

from __future__ import annotations

import threading

from herosim.platform.logplex import Logplex
from herosim.platform.timeouts import Timeouts
from herosim.runtime import duties, follow


class DetachedRuns:
    def __init__(self, backend, logs: Logplex, timeouts: Timeouts):
        self.backend, self.logs, self.timeouts = backend, logs, timeouts
        self._lock = threading.Lock()
        self._running: dict[str, object] = {}
        self._logged: dict[str, threading.Event] = {}  # set once a run's last lines are logged

    def start(self, name: str, command: str, handle, user: str, limit: float | None = None) -> None:
        """Start a one-off; a scheduled one (`limit`: its job's interval) is logged as Heroku
        Scheduler's and stopped when the interval is over."""
        with self._lock:
            self._running[name] = handle
            self._logged[name] = threading.Event()
        if limit is None:
            self.logs.platform(name, f"Starting process with command `{command}` by user {user}")
        else:
            self.logs.emit("app", "api", f"Starting process with command `{command}` by user {user}")
            self.logs.platform(name, f"Starting process with command `{command}`")
            timer = threading.Timer(limit, self.stop, args=(name,))
            timer.daemon = True
            timer.start()
        self.backend.start(handle)
        self.logs.platform(name, "State changed from starting to up")
        threading.Thread(target=self._watch, args=(name, handle), daemon=True, name=f"logs-{name}").start()

    def _watch(self, name: str, handle) -> None:
        def follow(since):
            return self.backend.follow(handle, lambda lines: self.logs.emit_many("app", name, lines), since)
        status = None
        try:
            duties.restarting(f"{name}'s log follower", follow, None, lambda: name in self._running)
            status = self.backend.wait(handle, 60)
        finally:  # however following went, the run ends as a run ends: logged, forgotten, removed
            with self._lock:
                self._running.pop(name, None)
                logged = self._logged.pop(name)
            # The watcher alone logs how a run ended, so a stop's lines never overtake its exit.
            self.logs.platform(name, f"Process exited with status {0 if status is None else status}")
            self.logs.platform(name, "State changed from up to complete")
            logged.set()
            self.backend.remove(handle)

    def stop_all(self) -> None:
        with self._lock:
            running = dict(self._running)
        for name, handle in running.items():
            self._stop(name, handle)

    def stop(self, name: str) -> bool:
        """`ps:stop run.N`: a one-off stops for good. False when no such run is going."""
        with self._lock:
            handle = self._running.get(name)
            if handle is None:
                return False
        self._stop(name, handle)
        return True

    def _stop(self, name: str, handle) -> None:
        with self._lock:
            logged = self._logged.get(name)
        self.logs.platform(name, "Stopping all processes with SIGTERM")
        self.backend.signal(handle, "SIGTERM")
        follow.terminate(self.backend, handle, lambda line: self.logs.platform(name, line), self.timeouts.stop)
        if logged is not None:  # the watcher logs the exit; a stop returns once it has
            logged.wait(30)
