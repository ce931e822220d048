"""`herosim doctor` against the real package index (no Docker): the tutorial's Heroku chapter
with no version file fails on the default Python, naming the pins and the crashing config var."""

from tests.support import git_app, herosim


def test_tutorial_chapter_names_the_pins_and_the_crash(herosim_home, tmp_path):
    result = herosim("doctor", git_app("doctor_tutorial", tmp_path), timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert " ✖ error: Config var ADMINS is read with a default of None and used as a string" in out
    assert " ! warning: greenlet==1.1.2 has no wheel for Python 3.14" in out
    assert "     fix: a .python-version of 3.10 or greenlet>=3.2.3" in out
    assert " ! warning: psycopg2-binary==2.9.1 has no wheel for Python 3.14" in out
    assert out.splitlines()[-1].startswith("3 errors, ")


def test_the_fixed_twin_on_3_11_has_wheels_for_every_pin(herosim_home, tmp_path):
    path = git_app("doctor_tutorial_fixed", tmp_path)
    app = "doctor-fixed"
    herosim("config:set", "SECRET_KEY=s", "DATABASE_URL=postgres://u:p@h/d", "REDIS_URL=rediss://:p@h:1",
            "LOG_TO_STDOUT=1", "-a", app, check=True)
    result = herosim("doctor", path, "-a", app, timeout=120)
    assert (result.returncode, result.stdout) == (0, "No problems found.\n"), result.stdout
