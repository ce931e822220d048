import datetime as dt

import pytest

from herosim.errors import HerosimError
from herosim.platform import schedule

UTC = dt.timezone.utc


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("every, when, now, expected", [
    ("10m", None, "2026-11-29 03:55:12", "2026-11-29 04:00:00"),
    ("10m", None, "2026-11-29 04:00:00", "2026-11-29 04:10:00"),
    ("1h", ":30", "2026-11-29 03:55:00", "2026-11-29 04:30:00"),
    ("1h", None, "2026-11-29 03:55:00", "2026-11-29 04:00:00"),
    ("1d", "13:30", "2026-11-29 03:55:00", "2026-11-29 13:30:00"),
    ("1d", "1:00", "2026-11-29 03:55:00", "2026-11-30 01:00:00"),
])
def test_herokus_grid_in_utc(every, when, now, expected):
    job = schedule.new_job([], "python tasks.py", every, when)
    assert schedule.next_run(job, at(now)) == at(expected)


@pytest.mark.parametrize("every, when, message", [
    ("5m", None, "--every 5m is not one of Heroku Scheduler's frequencies"),
    ("10m", ":10", "A job every 10 minutes runs at :00, :10 … :50; it takes no --at"),
    ("1h", ":25", "--at :25 is not on Heroku Scheduler's grid for hourly jobs"),
    ("1d", "13:15", "--at 13:15 is not on Heroku Scheduler's grid for daily jobs"),
    ("1d", "24:00", "--at 24:00 is not on Heroku Scheduler's grid for daily jobs"),
])
def test_off_grid_times_are_one_clear_error(every, when, message):
    with pytest.raises(HerosimError) as raised:
        schedule.new_job([], "python tasks.py", every, when)
    assert raised.value.message == message and raised.value.hint


def test_ids_and_words():
    first = schedule.new_job([], "a", "1d", "9:30")
    second = schedule.new_job([first], "b", "1h", "40")
    assert (first.id, second.id, first.at, second.at) == (1, 2, "09:30", ":40")
    assert first.frequency() == "Daily at 09:30 UTC" and second.frequency() == "Hourly at :40 UTC"
    assert schedule.load([first.to_dict()]) == [first]
