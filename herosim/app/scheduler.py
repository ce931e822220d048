"""Heroku Scheduler's jobs of an app: add, remove, list, run now (the dyno manager runs them)."""

from __future__ import annotations

from herosim.app.addons import Addons
from herosim.app.context import AppContext
from herosim.errors import HerosimError
from herosim.platform import schedule


class Jobs:
    def __init__(self, ctx: AppContext, addons: Addons):
        self.ctx = ctx
        self.addons = addons

    def _require_addon(self) -> None:
        if not any(a.service == "scheduler" for a in self.addons.attached()):
            raise HerosimError(f"{self.ctx.name} has no Heroku Scheduler add-on",
                               hint=f"herosim addons:create scheduler:standard -a {self.ctx.name}")

    def all(self) -> list[schedule.Job]:
        return schedule.load(self.ctx.state.jobs())

    def add(self, command: str, every: str, at: str | None, size: str = "basic") -> schedule.Job:
        self._require_addon()
        with self.ctx.changing():
            jobs = self.all()
            job = schedule.new_job(jobs, command, every, at, size)
            self.ctx.state.set_jobs([j.to_dict() for j in [*jobs, job]])
        self._tell_manager()
        return job

    def remove(self, job_id: int) -> schedule.Job:
        with self.ctx.changing():
            jobs = self.all()
            found = next((j for j in jobs if j.id == job_id), None)
            if found is None:
                raise HerosimError(f"No scheduler job {job_id}", hint="see `herosim scheduler`")
            self.ctx.state.set_jobs([j.to_dict() for j in jobs if j.id != job_id])
        self._tell_manager()
        return found

    def run(self, job_id: int) -> str:
        self._require_addon()
        if not any(j.id == job_id for j in self.all()):
            raise HerosimError(f"No scheduler job {job_id}", hint="see `herosim scheduler`")
        return self.ctx.require_manager().run_job(job_id)

    def next_runs(self) -> dict[int, float | None]:
        manager = self.ctx.manager()
        return manager.next_runs() if manager else {}

    def _tell_manager(self) -> None:
        manager = self.ctx.manager()
        if manager is not None:
            manager.refresh()
