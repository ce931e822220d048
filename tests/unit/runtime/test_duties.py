"""A duty of the dyno manager on its own: fails alone, said once, tried again with a backoff."""

from herosim.runtime.duties import Duty, restarting
from tests.unit.runtime.fakes import FakeClock


def test_a_failing_duty_is_reported_once_backed_off_and_said_when_it_works_again():
    clock, reports, calls = FakeClock(), [], []

    def work():
        calls.append(clock.now)
        if len(calls) <= 2:
            raise OSError("engine away")

    duty = Duty("the dyno clock", work, reports.append, clock=clock, backoff=(1, 5))
    assert duty() is False
    assert duty() is False and len(calls) == 1    # within the backoff: not tried
    clock.advance(1)
    assert duty() is False                        # fails again: the next try 5 s later
    clock.advance(4)
    assert duty() is False and len(calls) == 2
    clock.advance(5)
    assert duty() is True
    assert calls == [1000.0, 1001.0, 1010.0]
    assert len(reports) == 2 and "the dyno clock failed" in reports[0] and "OSError: engine away" in reports[0]
    assert "works again" in reports[1]


def test_a_follower_that_dies_follows_again_from_when_it_died_while_wanted():
    seen, reports = [], []

    def follow(since):
        seen.append(since)
        if len(seen) < 3:
            raise ConnectionResetError("stream broke")

    restarting("web.1: log follower", follow, None, lambda: True, reports.append, sleep=lambda _: None)
    assert seen[0] is None and all(isinstance(s, int) for s in seen[1:]) and len(seen) == 3
    assert len(reports) == 2
    seen.clear()
    restarting("web.1: log follower", follow, None, lambda: False, reports.append, sleep=lambda _: None)
    assert seen == [None]                          # not wanted any more: not followed again
