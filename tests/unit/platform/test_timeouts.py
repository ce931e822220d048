import pytest

from herosim.errors import HerosimError
from herosim.platform.timeouts import Timeouts


def test_defaults_are_herokus():
    t = Timeouts.resolve(environ={})
    assert (t.boot, t.stop, t.router, t.queue, t.idle) == (60, 30, 30, 75, 55)


def test_flags_beat_environment_and_environment_beats_defaults():
    env = {"HEROSIM_BOOT_TIMEOUT": "5", "HEROSIM_STOP_TIMEOUT": "2", "HEROSIM_ROUTER_TIMEOUT": "3"}
    t = Timeouts.resolve(stop=1, environ=env)
    assert (t.boot, t.stop, t.router) == (5, 1, 3)


def test_bad_values_are_refused():
    with pytest.raises(HerosimError):
        Timeouts.resolve(environ={"HEROSIM_BOOT_TIMEOUT": "soon"})
    with pytest.raises(HerosimError):
        Timeouts.resolve(boot=0, environ={})


def test_crash_cooloffs_follow_herokus_schedule():
    t = Timeouts.resolve(environ={})
    minutes = [t.crash_delay(n) / 60 for n in range(1, 9)]
    assert minutes == [0, 20, 40, 60, 180, 320, 320, 320]
    fast = Timeouts.resolve(time_scale=0.001, environ={})
    assert fast.crash_delay(2) == pytest.approx(1.2)
