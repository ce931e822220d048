"""The one line herosim dev prints per round."""

from types import SimpleNamespace

from herosim.app.dev import Reload
from herosim.app.devchanges import MODIFIED, REMOVED, Change
from herosim.cli.dev import reload_line
from herosim.errors import HerosimError

CHANGES = (Change("app.py", MODIFIED), Change("old.py", REMOVED))


def test_a_restart():
    line = reload_line(Reload(CHANGES, version=7, restarted=("web.1", "worker.1"), seconds=1.234))
    assert line == "app.py, old.py (removed) -> v7: web.1, worker.1 restarted (1.2 s)"


def test_a_file_sync_into_a_reloading_server_and_an_untracked_file():
    line = reload_line(Reload(CHANGES[:1] + (Change("new.py", "added"),), version=8, synced=("web.1",),
                              restarted=("worker.1",), reloaders=("gunicorn --reload",), untracked=("new.py",),
                              seconds=0.31))
    assert line == ("app.py, new.py -> v8: copied into web.1 (gunicorn --reload reloads it); worker.1 restarted "
                    "(0.3 s) [not tracked by git: new.py; a push leaves it out until `git add`]")


def test_a_crash_after_the_restart():
    line = reload_line(Reload(CHANGES[:1], version=9, restarted=("web.1",), crashed=("web.1",), seconds=2.0))
    assert line == "app.py -> v9 (2.0 s); web.1 crashed (its lines are above; the next save deploys again)"


def test_a_full_build_and_a_failure():
    assert reload_line(Reload(CHANGES[:1], version=10, rebuilt=("Procfile (the Procfile)",), seconds=12.0)) == \
        "v10 built and released (12.0 s)"
    current = SimpleNamespace(version=9)
    assert reload_line(Reload(CHANGES[:1], error=HerosimError("x")), current) == \
        "app.py: not deployed; v9 keeps running; the next save tries again"
