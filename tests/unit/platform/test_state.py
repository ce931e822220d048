"""State files: private, atomic, a corrupt one named with its fix; the app lock."""

import os
import stat
import threading
import time

import pytest

from herosim import paths, poll
from herosim.errors import AppBusy, StateError
from herosim.platform import jsonfile, lock
from herosim.platform.state import AppState


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_state_is_private(tmp_path):
    state = AppState("demo", root=tmp_path)
    state.update_config_vars({"API_KEY": "s3cret"})
    state.add_release("Initial release", None, {}, {"API_KEY": "s3cret"})
    assert mode(state.dir) == 0o700
    assert mode(state.path(paths.CONFIG)) == 0o600 and mode(state.path(paths.RELEASES)) == 0o600


def test_a_corrupt_file_says_which_and_how_to_recover(tmp_path):
    state = AppState("demo", root=tmp_path)
    state.update_config_vars({"A": "1"})
    state.path(paths.CONFIG).write_text("{not json")
    with pytest.raises(StateError) as info:
        state.config_vars()
    assert str(state.path(paths.CONFIG)) in info.value.message and "mv " in info.value.hint


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "x.json"
    jsonfile.write(path, {"kept": True})

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(StateError, match="No space left on device"):
        jsonfile.write(path, {"kept": False})
    assert jsonfile.read(path, None) == {"kept": True}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_the_app_lock_makes_a_second_command_wait(tmp_path):
    order, notices = [], []

    def first():
        with lock.held(tmp_path, "demo"):
            order.append("first in")
            time.sleep(0.3)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    poll.until(lambda: order, 2, 0.01)
    with lock.held(tmp_path, "demo", notice=notices.append):
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]
    assert notices == ["Waiting for another herosim command on demo to finish..."]


def test_the_app_lock_gives_up_with_a_clear_error(tmp_path):
    started = threading.Event()
    release = threading.Event()

    def other_command():
        with lock.held(tmp_path, "demo"):
            started.set()
            release.wait(5)

    thread = threading.Thread(target=other_command)
    thread.start()
    started.wait(5)
    try:
        with pytest.raises(AppBusy, match="Another herosim command is still changing demo"):
            with lock.held(tmp_path, "demo", wait=0.2):
                pass
    finally:
        release.set()
        thread.join()


def test_a_verb_calling_another_holds_the_lock_once(tmp_path):
    with lock.held(tmp_path, "demo"):
        with lock.held(tmp_path, "demo", wait=0.1):
            pass


def test_poll_until():
    calls = []
    assert poll.until(lambda: calls.append(1) or len(calls) >= 3 and "done", 1, 0.001) == "done"
    assert poll.until(lambda: None, 0.01, 0.001) is None
