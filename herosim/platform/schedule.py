"""Heroku Scheduler's jobs and grid (pure): every 10 minutes, every hour at :00, :10 … :50,
or every day at a half hour, in UTC; a run is killed after one interval."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from herosim.errors import HerosimError

EVERY = {"10m": 600, "1h": 3600, "1d": 86400}
FREQUENCY = {"10m": "Every 10 minutes", "1h": "Hourly", "1d": "Daily"}


@dataclass(frozen=True)
class Job:
    id: int
    command: str
    every: str          # 10m, 1h, 1d
    at: str = ""        # 1h: ":MM"; 1d: "HH:MM" (UTC)
    size: str = "basic"

    @property
    def interval(self) -> int:
        return EVERY[self.every]

    def frequency(self) -> str:
        return FREQUENCY[self.every] + (f" at {self.at} UTC" if self.at else "")

    def to_dict(self) -> dict:
        return asdict(self)


def new_job(jobs: list[Job], command: str, every: str, at: str | None, size: str = "basic") -> Job:
    """A job on Heroku's grid; a time off the grid is one clear error."""
    if not command.strip():
        raise HerosimError("The job has no command", hint='herosim scheduler:add "python tasks.py" --every 10m')
    if every not in EVERY:
        raise HerosimError(f"--every {every} is not one of Heroku Scheduler's frequencies",
                           hint="use 10m, 1h or 1d")
    at = (at or "").strip()
    if every == "10m" and at:
        raise HerosimError("A job every 10 minutes runs at :00, :10 … :50; it takes no --at",
                           hint="drop --at, or use --every 1h --at :30")
    if every == "1h":
        match = re.fullmatch(r":?([0-5]0)", at or ":00")
        if not match:
            raise HerosimError(f"--at {at} is not on Heroku Scheduler's grid for hourly jobs",
                               hint="use :00, :10, :20, :30, :40 or :50")
        at = f":{match.group(1)}"
    if every == "1d":
        match = re.fullmatch(r"([01]?\d|2[0-3]):(00|30)", at or "00:00")
        if not match:
            raise HerosimError(f"--at {at} is not on Heroku Scheduler's grid for daily jobs",
                               hint="use a half hour in UTC, e.g. 13:30")
        at = f"{int(match.group(1)):02d}:{match.group(2)}"
    return Job(max((j.id for j in jobs), default=0) + 1, command.strip(), every, at, size)


def next_run(job: Job, now: dt.datetime) -> dt.datetime:
    """The first grid time strictly after `now` (aware, UTC)."""
    now = now.astimezone(dt.timezone.utc)
    if job.every == "10m":
        base = now.replace(second=0, microsecond=0, minute=now.minute - now.minute % 10)
        return base + dt.timedelta(minutes=10)
    if job.every == "1h":
        minute = int(job.at.lstrip(":"))
        candidate = now.replace(minute=minute, second=0, microsecond=0)
        return candidate if candidate > now else candidate + dt.timedelta(hours=1)
    hour, minute = (int(p) for p in job.at.split(":"))
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


def load(data: list[dict] | None) -> list[Job]:
    return [Job(**item) for item in data or []]
