"""Heroku Scheduler inside the dyno manager: each job runs at its next grid time as a
one-off `scheduler.N` dyno, killed after one interval. `time_scale` shrinks the wait and the
interval alike (0.01: a 10-minute job every 6 s), as it shrinks the crash cool-offs.

A job that cannot start (the engine restarting, its slug's image gone) is logged and tried
again with a backoff until its next grid time; the other jobs start regardless."""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from collections.abc import Callable

from herosim.platform import schedule
from herosim.runtime.duties import BACKOFF, to_stderr


class JobClock:
    def __init__(self, run: Callable[[schedule.Job, float], None], time_scale: float = 1.0,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 monotonic: Callable[[], float] = time.monotonic, report: Callable[[str], None] = to_stderr):
        self.run, self.time_scale, self.now, self.monotonic = run, time_scale, now, monotonic
        self.report = report
        self._lock = threading.Lock()
        self._jobs: dict[int, schedule.Job] = {}
        self._due: dict[int, float] = {}       # the next grid time of each job
        self._retry: dict[int, float] = {}     # a start that failed: when to try it again
        self._failures: dict[int, int] = {}    # failed starts in a row

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
                self._retry.pop(gone, None)
                self._failures.pop(gone, None)

    def due_in(self, job_id: int) -> float | None:
        with self._lock:
            return None if job_id not in self._due else max(0.0, self._due[job_id] - self.monotonic())

    def tick(self) -> None:
        """Start every job whose time has come; the next run is one interval later."""
        starting = []
        with self._lock:
            mono = self.monotonic()
            for job_id, due in self._due.items():
                job = self._jobs[job_id]
                if due <= mono:
                    self._due[job_id] = due + job.interval * self.time_scale
                    self._retry.pop(job_id, None)   # a new run replaces a start still being retried
                    starting.append((job, job.interval * self.time_scale))
                elif self._retry.get(job_id, due) <= mono:
                    del self._retry[job_id]
                    starting.append((job, due - mono))
        for job, limit in starting:
            try:
                self.run(job, limit)
            except Exception:  # noqa: BLE001 - one job's failure is its own
                self._failed(job)
            else:
                if self._failures.pop(job.id, 0):
                    self.report(f"herosim: scheduler job {job.id} started again")

    def _failed(self, job: schedule.Job) -> None:
        with self._lock:
            failures = self._failures[job.id] = self._failures.get(job.id, 0) + 1
            again = self.monotonic() + BACKOFF[min(failures, len(BACKOFF)) - 1]
            if job.id in self._due and again < self._due[job.id]:
                self._retry[job.id] = again
        if failures == 1:
            self.report(f"herosim: scheduler job {job.id} (`{job.command}`) could not start; trying again "
                        f"until its next run:\n{traceback.format_exc()}")
