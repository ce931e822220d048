"""Heroku Scheduler inside the dyno manager: each job runs at its next grid time as a
one-off `scheduler.N` dyno, killed after one interval. `time_scale` shrinks the wait and the
interval alike (0.01: a 10-minute job every 6 s), as it shrinks the crash cool-offs."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from herosim.platform import schedule


class JobClock:
    def __init__(self, run: Callable[[schedule.Job, float], None], time_scale: float = 1.0,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 monotonic: Callable[[], float] = time.monotonic):
        self.run, self.time_scale, self.now, self.monotonic = run, time_scale, now, monotonic
        self._lock = threading.Lock()
        self._jobs: dict[int, schedule.Job] = {}
        self._due: dict[int, float] = {}

    def load(self, jobs: list[schedule.Job]) -> None:
        """The jobs as saved: new or changed ones get their next grid time, removed ones go."""
        with self._lock:
            now, mono = self.now(), self.monotonic()
            for job in jobs:
                if self._jobs.get(job.id) != job:
                    self._jobs[job.id] = job
                    wait = (schedule.next_run(job, now) - now).total_seconds()
                    self._due[job.id] = mono + wait * self.time_scale
            for gone in set(self._jobs) - {j.id for j in jobs}:
                del self._jobs[gone]
                self._due.pop(gone, None)

    def due_in(self, job_id: int) -> float | None:
        with self._lock:
            return None if job_id not in self._due else max(0.0, self._due[job_id] - self.monotonic())

    def tick(self) -> None:
        """Start every job whose time has come; the next run is one interval later."""
        starting = []
        with self._lock:
            mono = self.monotonic()
            for job_id, due in self._due.items():
                if due <= mono:
                    job = self._jobs[job_id]
                    self._due[job_id] = due + job.interval * self.time_scale
                    starting.append(job)
        for job in starting:
            self.run(job, job.interval * self.time_scale)
