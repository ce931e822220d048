"""One-off dynos (`herosim run`, the release phase): a fresh container from the
slug, attached or not, never restarted, removed when it ends."""

from __future__ import annotations

import random
import shlex
import sys
from dataclasses import dataclass

import docker
import docker.errors

from herosim.runtime import attach
from herosim.runtime import containers as dyno
from herosim.engine import network
from herosim.addons import base as addons
from herosim.platform.state import AppState, Release, current_user
from herosim.platform.config_vars import merge
from herosim.const import ROLE_ONE_OFF
from herosim.errors import HerosimError
from herosim.platform.logplex import Logplex


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


def create(client: docker.DockerClient, app: str, state: AppState, release: Release, one_off: OneOff, *,
           size: str = dyno.DEFAULT_SIZE, interactive: bool = False, use_tty: bool = False):
    env = merge(addons.config_vars(addons.attachments(client, app)), release.config_vars)
    return dyno.create(client, app=app, name=one_off.name, process_type=one_off.name.split(".")[0],
                       command=one_off.command, image=release.slug, env=env, network=network.ensure(client, app),
                       release=release.version, size=dyno.SIZES[size], role=ROLE_ONE_OFF, web=False,
                       tty=use_tty, stdin=interactive)


def run(client: docker.DockerClient, app: str, state: AppState, release: Release, one_off: OneOff, *,
        interactive: bool, use_tty: bool, echo=None, size: str = dyno.DEFAULT_SIZE) -> int:
    """Run attached; app output goes to this terminal (and, for release, to the log too)."""
    logs = Logplex(state.path("logplex.log"))
    container = create(client, app, state, release, one_off, size=size, interactive=interactive, use_tty=use_tty)
    logs.platform(one_off.name, f"Starting process with command `{one_off.command}` by user {current_user()}")
    logs.platform(one_off.name, "State changed from starting to up")
    partial = {1: b"", 2: b""}

    def output(stream: int, data: bytes) -> None:
        if echo is not None:
            echo(stream, data)
        else:
            target = sys.stdout.buffer if stream == 1 else sys.stderr.buffer
            target.write(data)
            target.flush()
        if one_off.name.startswith("release."):  # the release phase's output reaches the log
            text = partial[stream] + data
            *lines, partial[stream] = text.split(b"\n")
            for line in lines:
                logs.emit("app", one_off.name, line.decode("utf-8", errors="replace").rstrip("\r"))

    status = 1
    try:
        status = attach.attach_and_run(client, container, interactive=interactive, use_tty=use_tty,
                                       on_output=output)
    except KeyboardInterrupt:
        container.kill(signal="SIGTERM")
        status = int(container.wait(timeout=30).get("StatusCode", 130))
        raise
    finally:
        logs.platform(one_off.name, f"Process exited with status {status}")
        logs.platform(one_off.name, "State changed from up to complete")
        try:
            container.remove(force=True, v=True)
        except docker.errors.APIError:
            pass
    return status
