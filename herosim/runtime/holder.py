"""Whether a pid is this app's dyno manager, before anything signals it: `down` must never
kill a process that is not herosim's (a pid in a stale manager.json, after a reboot or a
`kill -9`, may belong to anything now).

Proof is both: the process holds the app's `.manager.lock` (the manager takes it with flock
for its whole life; /proc/locks names the holder, or without /proc the lock is held and
records that pid), and its command line is the manager's for this app
(`-m herosim.runtime --app APP`)."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

from herosim.platform.state import AppState

LOCK = ".manager.lock"


def lock_path(state: AppState) -> Path:
    return state.path(LOCK)


def is_manager(state: AppState, pid: int) -> bool:
    return holds_lock(lock_path(state), pid) and manager_command(command_line(pid), state.app)


def manager_command(argv: list[str], app: str) -> bool:
    """`… -m herosim.runtime --app APP …` (launcher.spawn's command line)."""
    wanted = ["-m", "herosim.runtime", "--app", app]
    return any(argv[i:i + len(wanted)] == wanted for i in range(len(argv)))


def command_line(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return [part.decode(errors="replace") for part in handle.read().split(b"\0") if part]
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return []   # a /proc without that pid: it is gone
    except OSError:
        return []
    try:  # no /proc (macOS): ps; its words are split on spaces, which the manager's arguments have none of
        found = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return []
    return found.stdout.split()


def holds_lock(path: Path, pid: int) -> bool:
    try:
        inode = os.stat(path).st_ino
    except OSError:
        return False
    holders = _flock_holders(inode)
    if holders is not None:
        return pid in holders
    return _held(path) and _recorded_pid(path) == pid


def _flock_holders(inode: int) -> set[int] | None:
    """The pids holding a flock on that inode, from /proc/locks (None without it)."""
    try:
        with open("/proc/locks") as handle:
            text = handle.read()
    except OSError:
        return None
    holders = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or "->" in fields or fields[1] != "FLOCK":
            continue   # a waiter, or a POSIX lock
        try:
            if int(fields[5].rsplit(":", 1)[1]) == inode:
                holders.add(int(fields[4]))
        except (IndexError, ValueError):
            continue
    return holders


def _held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)   # releases it at once if we took it
    return False


def _recorded_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None
