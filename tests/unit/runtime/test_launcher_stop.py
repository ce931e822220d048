"""`down`/`destroy` with no manager answering (issue 19, point 5): the pid in a stale
manager.json (a reboot, a `kill -9`; pids are reused) is signalled only when that process is
proven to be this app's dyno manager: it holds the app's `.manager.lock` and its command
line is the manager's."""

import json
import subprocess
import sys
import time

import pytest

from herosim import paths
from herosim.platform.state import AppState
from herosim.runtime import launcher

# Holds the lock given as its first argument (as the dyno manager does for its life), says
# "locked", then sleeps; SIGTERM ends it.
HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.write(fd, f"{os.getpid()}\\n".encode())
print("locked", flush=True)
time.sleep(120)
"""


@pytest.fixture
def state(tmp_path):
    state = AppState("demo", root=tmp_path)
    paths.private_dir(state.dir)
    return state


def stale_address(state: AppState, pid: int) -> None:
    (state.dir / paths.MANAGER_ADDRESS).write_text(json.dumps({"port": 1, "token": "t", "pid": pid}))


def start(args: list[str]) -> subprocess.Popen:
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    if "-c" in args:
        assert process.stdout.readline().strip() == "locked"
    return process


def gone(process: subprocess.Popen, timeout: float = 10) -> bool:
    try:
        process.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def test_a_stale_pid_of_an_unrelated_process_is_never_signalled(state):
    unrelated = start(["sleep", "60"])
    try:
        stale_address(state, unrelated.pid)
        assert launcher.stop(state, timeout=0.5) is False
        assert unrelated.poll() is None
        assert not (state.dir / paths.MANAGER_ADDRESS).exists()   # the stale record is gone
    finally:
        unrelated.kill()
        unrelated.wait()


def test_a_process_holding_the_lock_without_the_managers_command_line_is_left_alone(state):
    holder = start([sys.executable, "-c", HOLDER, str(state.path(".manager.lock"))])
    try:
        stale_address(state, holder.pid)
        launcher.stop(state, timeout=0.5)
        assert holder.poll() is None
    finally:
        holder.kill()
        holder.wait()


def test_a_hung_manager_is_stopped(state):
    """What `down` is for: a manager that holds the lock and does not answer."""
    manager = start([sys.executable, "-c", HOLDER, str(state.path(".manager.lock")),
                     "-m", "herosim.runtime", "--app", "demo", "--settings", "{}"])
    try:
        stale_address(state, manager.pid)
        started = time.monotonic()
        assert launcher.stop(state, timeout=0.5) is True
        assert gone(manager) and time.monotonic() - started < 10
    finally:
        manager.kill()
        manager.wait()


def test_another_apps_manager_is_left_alone(state):
    other = start([sys.executable, "-c", HOLDER, str(state.path(".manager.lock")),
                   "-m", "herosim.runtime", "--app", "other", "--settings", "{}"])
    try:
        stale_address(state, other.pid)
        launcher.stop(state, timeout=0.5)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_without_proc_locks_the_held_lock_and_the_pid_it_records_are_the_proof(state, monkeypatch):
    from herosim.runtime import holder
    monkeypatch.setattr(holder, "_flock_holders", lambda inode: None)
    lock = state.path(".manager.lock")
    locker = start([sys.executable, "-c", HOLDER, str(lock)])
    try:
        assert holder.holds_lock(lock, locker.pid)
        assert not holder.holds_lock(lock, locker.pid + 1)
    finally:
        locker.kill()
        locker.wait()
    assert not holder.holds_lock(lock, locker.pid)   # recorded, but no longer held
