"""One-off dynos (`herosim run`, the release phase): a fresh container from the slug,
attached or not, never restarted, removed when it ends."""

from __future__ import annotations

import random
import shlex
from collections.abc import Callable
from dataclasses import dataclass

import docker

from herosim import paths
from herosim.addons.attachment import dyno_environment
from herosim.const import ROLE_ONE_OFF
from herosim.engine import cleanup, network
from herosim.errors import HerosimError
from herosim.platform import metadata as dyno_metadata
from herosim.platform.linesplit import LineSplitter
from herosim.platform.logplex import Logplex
from herosim.platform.releases import Release, current_user
from herosim.platform.sizes import DEFAULT_SIZE, SIZES
from herosim.platform.state import AppState
from herosim.runtime import attach, containers

Output = Callable[[int, bytes], None]   # (1 stdout | 2 stderr, data)


@dataclass(frozen=True)
class OneOff:
    name: str      # run.4520, release.9811
    command: str


def command_for(args: list[str], release: Release) -> str:
    """`herosim run web --workers 3` runs the Procfile's web command with the args appended."""
    if not args:
        raise HerosimError("Usage: herosim run COMMAND", hint="e.g. herosim run bash, or herosim run web")
    if args[0] in release.processes:
        return " ".join([release.processes[args[0]], *map(shlex.quote, args[1:])])
    # One argument is a command line as typed (`herosim run "bash -c 'exit 3'"`); several are
    # words, quoted back so bash sees them as the shell that called us did.
    return args[0] if len(args) == 1 else shlex.join(args)


def new(kind: str, command: str) -> OneOff:
    return OneOff(name=f"{kind}.{random.randint(1000, 9999)}", command=command)


def create(client: docker.DockerClient, app: str, release: Release, one_off: OneOff, *,
           size: str = DEFAULT_SIZE, interactive: bool = False, use_tty: bool = False,
           metadata: dict[str, str] | None = None):
    return containers.create(client, app=app, name=one_off.name, process_type=one_off.name.split(".")[0],
                             command=one_off.command, image=release.slug,
                             env=dyno_environment(client, app, release.config_vars, metadata),
                             network=network.ensure(client, app), release=release.version, size=SIZES[size],
                             role=ROLE_ONE_OFF, web=False, tty=use_tty, stdin=interactive)


def run(client: docker.DockerClient, state: AppState, release: Release, one_off: OneOff, *, output: Output,
        interactive: bool, use_tty: bool, size: str = DEFAULT_SIZE, to_log: bool = False,
        dyno_env: dict[str, str] | None = None) -> int:
    """Run attached: output goes to `output` (and to the app's log with `to_log`, as the release
    phase's does). Returns the exit status. `dyno_env`: what this dyno alone sees (Heroku CI's
    CI_NODE_INDEX)."""
    logs = Logplex(state.path(paths.LOG))
    metadata = {**dyno_metadata.for_release(state.app, state.settings(), release), **(dyno_env or {})}
    container = create(client, state.app, release, one_off, size=size, interactive=interactive, use_tty=use_tty,
                       metadata=metadata)
    logs.platform(one_off.name, f"Starting process with command `{one_off.command}` by user {current_user()}")
    logs.platform(one_off.name, "State changed from starting to up")
    splitter = LineSplitter()

    def forward(stream: int, data: bytes) -> None:
        output(stream, data)
        if to_log:
            for line in splitter.feed(stream, data):
                logs.emit("app", one_off.name, line)

    status = 1
    try:
        status = attach.attach_and_run(client, container, interactive=interactive, use_tty=use_tty,
                                       on_output=forward)
    except KeyboardInterrupt:
        container.kill(signal="SIGTERM")
        status = int(container.wait(timeout=30).get("StatusCode", 130))
        raise
    finally:
        for _, line in splitter.flush() if to_log else ():
            logs.emit("app", one_off.name, line)
        logs.platform(one_off.name, f"Process exited with status {status}")
        logs.platform(one_off.name, "State changed from up to complete")
        cleanup.container(container)
    return status
