"""The scheduler's clock on a fake clock: grid times, one interval apart, scaled; reloads."""

import datetime as dt

from herosim.platform import schedule
from herosim.runtime.scheduler import JobClock


class Clock:
    def __init__(self):
        self.mono = 100.0
        self.utc = dt.datetime(2026, 11, 29, 3, 55, 0, tzinfo=dt.timezone.utc)

    def advance(self, seconds):
        self.mono += seconds
        self.utc += dt.timedelta(seconds=seconds)


def test_a_job_runs_at_its_grid_time_then_every_interval_and_is_killed_after_one():
    clock, runs = Clock(), []
    jobs = JobClock(lambda job, limit: runs.append((clock.mono, job.id, limit)), 1.0, lambda: clock.utc,
                    lambda: clock.mono)
    jobs.load([schedule.new_job([], "python tasks.py", "10m", None)])
    assert jobs.due_in(1) == 300   # 04:00
    clock.advance(299)
    jobs.tick()
    assert runs == []
    clock.advance(1)
    jobs.tick()
    clock.advance(600)
    jobs.tick()
    assert runs == [(400.0, 1, 600), (1000.0, 1, 600)]


def test_the_time_scale_shrinks_waits_and_intervals_alike():
    clock, runs = Clock(), []
    jobs = JobClock(lambda job, limit: runs.append((round(clock.mono, 2), limit)), 0.01, lambda: clock.utc,
                    lambda: clock.mono)
    jobs.load([schedule.new_job([], "x", "10m", None)])
    assert jobs.due_in(1) == 3.0
    for _ in range(10):
        clock.advance(1.0)
        jobs.tick()
    assert runs == [(103.0, 6.0), (109.0, 6.0)]


def test_reloads_add_and_remove_jobs_and_keep_unchanged_ones():
    clock, runs = Clock(), []
    jobs = JobClock(lambda job, limit: runs.append(job.id), 1.0, lambda: clock.utc, lambda: clock.mono)
    first = schedule.new_job([], "a", "10m", None)
    jobs.load([first])
    clock.advance(200)
    second = schedule.new_job([first], "b", "1h", ":10")
    jobs.load([first, second])
    assert jobs.due_in(1) == 100 and jobs.due_in(2) == 700   # 04:10
    jobs.load([second])
    assert jobs.due_in(1) is None
    clock.advance(700)
    jobs.tick()
    assert runs == [2]


def test_a_job_that_cannot_start_is_tried_again_until_its_next_run_and_others_start_regardless():
    clock, runs, reports = Clock(), [], []

    def run(job, limit):
        if job.id == 1 and clock.mono < 410:
            raise ConnectionError("the engine is restarting")
        runs.append((clock.mono, job.id, round(limit)))

    jobs = JobClock(run, 1.0, lambda: clock.utc, lambda: clock.mono, report=reports.append)
    first = schedule.new_job([], "python one.py", "10m", None)
    jobs.load([first, schedule.new_job([first], "python two.py", "10m", None)])
    clock.advance(300)      # 04:00: both are due; the first cannot start
    jobs.tick()
    assert runs == [(400.0, 2, 600)]
    for _ in range(6):      # tried again at 403, 406, 409 (a backoff of 0.5, 1, 2, 5 s), not at 412 ...
        clock.advance(3)
        jobs.tick()
    assert runs[1:] == [(415.0, 1, 585)]   # ... and it runs, killed at its next grid time as the others
    assert len(reports) == 2 and "could not start" in reports[0] and "started again" in reports[1]
    clock.advance(600)
    jobs.tick()
    assert [r[1] for r in runs[2:]] == [1, 2]
