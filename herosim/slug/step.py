"""One step of the build in a throwaway container of the build image: files and the CA
bundle go in through the API, output is shown indented, the result is committed. It mounts
only the volumes its caller names (volumes.mounts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import docker

from herosim.const import ROLE_BUILD
from herosim.engine import cleanup, labels
from herosim.engine.client import translated
from herosim.engine.tarball import TarWriter
from herosim.errors import BuildError
from herosim.progress import Progress
from herosim.slug import cabundle, volumes
from herosim.slug.installers import QUIET

if TYPE_CHECKING:
    from herosim.slug.context import BuildContext

ENV_DIR = "/tmp/herosim-env"       # the app's config vars, a file each, as the buildpack's ENV_DIR
SOURCE_VERSION_FILE = "/tmp/herosim-source-version"   # the commit built: SOURCE_VERSION
CACHE_DIR = "/tmp/herosim-cache"   # the buildpack's CACHE_DIR, as hooks see it
BUILD_DATA_FILE = f"{CACHE_DIR}/build-data/python.json"   # lib/build_data.sh keeps it there
BUILD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# a Heroku CI build's (ci_spec), its runner's folder too
TEST_PATH = "/usr/local/bin:/usr/bin:/bin:/app/.sprettur/bin/"
# bin/test-compile: `LC_ALL=C.UTF-8`, then bin/compile with DISABLE_COLLECTSTATIC=1 INSTALL_TEST=1
TEST_COMPILE_ENV = {"LC_ALL": "C.UTF-8", "DISABLE_COLLECTSTATIC": "1", "INSTALL_TEST": "1"}
# Shell set-up of every build step: Heroku's build variables, the buildpack's `sub_env` (a
# command run with the config vars exported, minus those that would break the build), and
# the clean-up of everything secret before the step's container is committed.
PROLOGUE = f"""\
set -eo pipefail
unset HOSTNAME
trap 'rm -rf /tmp/herosim-ca {ENV_DIR} {CACHE_DIR} {SOURCE_VERSION_FILE}' EXIT
export BUILD_DIR=/app CACHE_DIR={CACHE_DIR} ENV_DIR={ENV_DIR}
if [ -s {SOURCE_VERSION_FILE} ]; then export SOURCE_VERSION="$(cat {SOURCE_VERSION_FILE})"; fi
mkdir -p "$CACHE_DIR/build-data" && echo "{{}}" > {BUILD_DATA_FILE}
sub_env() {{
	(
		for name in $(ls "$ENV_DIR" 2>/dev/null); do
			echo "$name" | grep -qvE '^(PATH|CPATH|CPPATH|LD_PRELOAD|LIBRARY_PATH|LD_LIBRARY_PATH|PYTHONHOME)$' \\
				&& export "$name=$(cat "$ENV_DIR/$name")"
		done
		"$@"
	)
}}
cd /app
"""


def environment(ca_bundle: Path | None, test: bool = False) -> dict[str, str]:
    """The build container's own environment: the buildpack's (bin/compile's exports, and
    bin/test-compile's on a test build) and the CA bundle's (when one is given: the proxy's
    trust); nothing from the host's pip setup and no config var (those are files in ENV_DIR,
    read by the steps that get them, and gone before the container is committed: an image
    never carries a config var)."""
    lib = "/app/.heroku/python/lib"
    return {
        "HOME": "/app",
        "PATH": "/app/.heroku/python/bin:" + (TEST_PATH if test else BUILD_PATH),
        "LANG": "en_US.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "C_INCLUDE_PATH": "/app/.heroku/python/include",
        "CPLUS_INCLUDE_PATH": "/app/.heroku/python/include",
        "LIBRARY_PATH": lib,
        "LD_LIBRARY_PATH": lib,
        "PKG_CONFIG_PATH": f"{lib}/pkg-config",
        **(TEST_COMPILE_ENV if test else {}),
        **cabundle.build_env(ca_bundle),
    }


@dataclass(frozen=True)
class Transcript:
    """What a step printed, and what it ran quietly after the QUIET mark."""
    lines: list[str]
    quiet: list[str]


class BuildStep:
    """Steps of one app's build: the CA bundle it trusts, the config vars and the commit it
    gets, whether it is a test build (bin/test-compile's environment)."""

    def __init__(self, client: docker.DockerClient, printer: Progress, app: str, *, ca_bundle: Path | None = None,
                 config_vars: Mapping[str, str] | None = None, source_version: str = "", test: bool = False):
        self.client = client
        self.printer = printer
        self.app = app
        self.ca_bundle = ca_bundle
        self.config_vars = config_vars or {}
        self.source_version = source_version
        self.test = test

    @classmethod
    def of(cls, ctx: BuildContext) -> BuildStep:
        """The steps of the build `ctx` describes."""
        return cls(ctx.client, ctx.printer, ctx.app, ca_bundle=ctx.ca_bundle, config_vars=ctx.config_vars,
                   source_version=ctx.source_version, test=ctx.test)

    def run(self, image: str, script: str, files: TarWriter, failure: Callable[[int, list[str]], BuildError],
            commit_ref: str | None = None,
            commit_changes: list[str] | Callable[[Transcript], list[str]] | None = None,
            mounts: dict[str, dict[str, str]] | None = None) -> Transcript:
        """Run `script` with bash in `/app`; commit the container as `commit_ref` on success.
        The CA bundle, the config vars and the commit built (SOURCE_VERSION, as Heroku sets it
        for a build) travel into the container as files through the API and are removed by the
        script's own trap before the commit: no image keeps them. `mounts` (volumes.mounts) are
        the only volumes it sees."""
        self._add_inputs(files)
        container = None
        try:
            with translated("creating a build container"):
                container = self.client.containers.create(
                    image, command=["bash", "-c", PROLOGUE + script],
                    environment=environment(self.ca_bundle, self.test),
                    working_dir="/app", labels=labels.for_app(self.app, ROLE_BUILD), entrypoint=[], user="0:0",
                    mounts=volumes.as_mounts(mounts or {}),
                )
                container.put_archive("/", files.close())
                container.start()
            transcript = self._follow(container)
            status = container.wait().get("StatusCode", 1)
            if status != 0:
                raise failure(status, transcript.lines)
            if commit_ref:
                repository, _, tag = commit_ref.partition(":")
                changes = commit_changes(transcript) if callable(commit_changes) else commit_changes
                with translated("saving a build layer"):
                    container.commit(repository=repository, tag=tag or "latest", changes=changes or [])
            return transcript
        finally:
            if container is not None:
                cleanup.container(container)

    def _add_inputs(self, files: TarWriter) -> None:
        """The CA bundle, ENV_DIR with a file per config var, SOURCE_VERSION's file."""
        if self.ca_bundle:
            files.add_bytes(cabundle.CONTAINER_PATH.lstrip("/"), self.ca_bundle.read_bytes())
        files.add_dir(ENV_DIR.lstrip("/"), mode=0o700)
        if self.source_version:
            files.add_bytes(SOURCE_VERSION_FILE.lstrip("/"), self.source_version.encode(), mode=0o644)
        for key, value in self.config_vars.items():
            files.add_bytes(f"{ENV_DIR.lstrip('/')}/{key}", value.encode(), mode=0o600)

    def _follow(self, container) -> Transcript:
        """What the step prints, shown as it comes, until it ends."""
        shown: list[str] = []
        quiet: list[str] | None = None
        pending = ""
        for chunk in container.logs(stream=True, follow=True):
            *complete, pending = (pending + chunk.decode("utf-8", errors="replace")).split("\n")
            for line in complete:
                quiet = self._line(line.rstrip("\r"), shown, quiet)
        if pending:
            quiet = self._line(pending, shown, quiet)
        return Transcript(shown, quiet or [])

    def _line(self, line: str, shown: list[str], quiet: list[str] | None) -> list[str] | None:
        """Show a line of the step (a buildpack step `-----> `, or tool output, indented), or,
        after the QUIET mark, keep it without showing it. Returns the quiet list once begun."""
        if quiet is not None:
            quiet.append(line)
            return quiet
        if line == QUIET:
            return []
        shown.append(line)
        if line.startswith("-----> "):
            self.printer.step(line[len("-----> "):])
        else:
            self.printer.detail(line)
        return None
