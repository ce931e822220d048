"""pytest-xdist runs: every worker of one run (its `testrunuid`) shares one built app; the
first worker to take the run's lock brings it up, the others wait and read what it wrote.
The controller removes it when the run ends. Kept under $HEROSIM_HOME (private)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from pathlib import Path

from herosim import paths
from herosim.platform import jsonfile

FOLDER = "test-runs"


def worker(config) -> tuple[str, str] | None:
    """(run id, worker id) in an xdist worker, else None."""
    found = getattr(config, "workerinput", None)
    if not found:
        return None
    return found["testrunuid"], found["workerid"]


def controller_run(config) -> str | None:
    """The run id of an xdist controller (one that starts workers), else None."""
    if getattr(config, "workerinput", None) is not None or not _distributed(config):
        return None
    if config.getoption("testrunuid", None) is None:
        config.option.testrunuid = uuid.uuid4().hex   # the workers get this one
    return config.getoption("testrunuid")


def _distributed(config) -> bool:
    try:
        return bool(config.getoption("numprocesses")) and config.getoption("dist") != "no"
    except ValueError:   # xdist is not installed
        return False


class SharedRun:
    def __init__(self, run: str):
        self.dir = paths.home() / FOLDER / run

    @contextlib.contextmanager
    def lock(self):
        paths.private_dir(self.dir)
        fd = os.open(self.dir / "lock", os.O_RDWR | os.O_CREAT, paths.PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def read(self) -> dict | None:
        return jsonfile.read(self.dir / "app.json", None)

    def write(self, info: dict) -> None:
        jsonfile.write(self.dir / "app.json", info)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def path(self) -> Path:
        return self.dir
