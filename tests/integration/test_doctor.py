"""`herosim doctor` against the real package index (no Docker): the tutorial's Heroku chapter
with no version file fails on the default Python, naming the pin whose build stops (greenlet),
the one that may not compile (psycopg2-binary), not those that install from source
(MarkupSafe, SQLAlchemy: C speedups with a fallback), and the crashing config var."""

from tests.support import git_app, herosim
from tests.unit.audit.test_doctor import TUTORIAL


def test_tutorial_chapter_names_the_pins_and_the_crash(herosim_home, tmp_path):
    result = herosim("doctor", git_app("doctor_tutorial", tmp_path), timeout=180)
    assert result.returncode == 1, result.stdout + result.stderr
    # the real index and its source archives say what the unit tests' small fake says
    assert result.stdout == TUTORIAL + "4 errors, 7 warnings\n"


def test_the_fixed_twin_on_3_11_has_wheels_for_every_pin(herosim_home, tmp_path):
    path = git_app("doctor_tutorial_fixed", tmp_path)
    app = "doctor-fixed"
    herosim("config:set", "SECRET_KEY=s", "DATABASE_URL=postgres://u:p@h/d", "REDIS_URL=rediss://:p@h:1",
            "LOG_TO_STDOUT=1", "-a", app, check=True)
    result = herosim("doctor", path, "-a", app, timeout=120)
    assert (result.returncode, result.stdout) == (0, "No problems found.\n"), result.stdout
