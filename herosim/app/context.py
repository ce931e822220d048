"""What every verb on an app shares: the engine, the app's name and state, where progress
goes, its log, its dyno manager (when one runs) and its lock."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import docker

from herosim import paths
from herosim.errors import ManagerNotRunning
from herosim.platform import lock
from herosim.platform.logplex import Logplex
from herosim.platform.sizes import DEFAULT_SIZE, SIZES
from herosim.platform.state import AppState
from herosim.progress import Progress
from herosim.runtime.client import ManagerClient


@dataclass
class AppContext:
    client: docker.DockerClient
    name: str
    state: AppState
    progress: Progress
    find_manager: Callable[[AppState], ManagerClient | None] = ManagerClient.find   # tests give a fake
    # What the first command to take the lock finishes before going on (the verbs above set it:
    # the rotations a killed command left); none for a bare context.
    recover: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def logs(self) -> Logplex:
        return Logplex(self.state.path(paths.LOG))

    def manager(self) -> ManagerClient | None:
        """The app's running dyno manager, or None when its dynos are down."""
        return self.find_manager(self.state)

    def require_manager(self) -> ManagerClient:
        manager = self.manager()
        if manager is None:
            raise ManagerNotRunning(self.state.app)
        return manager

    def default_size(self) -> str:
        """The size of a process type that has none of its own: the running manager's (`up --size`)."""
        manager = self.manager()
        size = manager.ping().settings.size if manager is not None else None
        return size if size in SIZES else DEFAULT_SIZE

    @contextlib.contextmanager
    def changing(self, wait: float = 600.0):
        """Hold the app's lock while a command changes it (a second command waits, up to `wait`
        seconds). Whoever takes it first finishes what a killed command left half done (a
        credential rotation) before going on."""
        with lock.held(self.state.dir, self.name, wait=wait, notice=self.progress.info if wait else None) as first:
            if first and self.recover is not None:
                self.recover()
            yield
