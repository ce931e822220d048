"""What herosim prepares for every app's build in steps of its own: containers of the pristine
build image with no file of any app and no config var. uv and Poetry go on the tools volume
(writable here only; every app's steps mount it read-only), once per tool version, stack and
Python. The base image is the fresh Python environment with the buildpack's pip (and
setuptools) or Pipenv that an app's first install starts from: the same for every app, since
nothing of any app goes into it."""

from __future__ import annotations

from pathlib import Path

import docker

from herosim.const import LABEL_ROLE, ROLE_BUILD
from herosim.engine import cleanup, images, labels
from herosim.engine.client import translated
from herosim.engine.memo import remembered
from herosim.engine.stack import Stack
from herosim.engine.tarball import TarWriter
from herosim.slug import cabundle, installers, volumes
from herosim.slug.managers import PackageManager

OUTPUT_LINES_KEPT = 200
ROLE_BASE = "build-base"


class ToolInstallFailed(Exception):
    """The tool did not install; `lines` is what its install printed (indented)."""

    def __init__(self, lines: list[str]):
        super().__init__("tool install failed")
        self.lines = lines


def environment(ca_bundle: Path | None) -> dict[str, str]:
    return {"HOME": "/tmp", "LANG": "C.UTF-8", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            **cabundle.build_env(ca_bundle)}


def ensure(client: docker.DockerClient, stack: Stack, manager: PackageManager, ca_bundle: Path | None) -> str:
    """The tool's folder on the tools volume (see installers.tool_home), installed when missing."""
    home = installers.tool_home(manager, stack.name, stack.python)
    volume = volumes.ensure_tools(client)
    mounts = {volumes.TOOLS_VOLUME: {"bind": installers.TOOLS, "mode": "rw"}}
    # Only this step writes the volume, so once there a tool stays until the volume is made anew.
    def install() -> bool:
        _run(client, stack.build_image, installers.tool_script(manager, stack.python, home), ca_bundle,
             manager.title, mounts=mounts)
        return True
    remembered("tools", f"{volume.attrs.get('CreatedAt', '')}:{home}", install)
    return home


def base(client: docker.DockerClient, stack: Stack, manager: PackageManager, ca_bundle: Path | None) -> str:
    """The image a fresh install of `manager` starts from: the build image itself when its tool
    is on the tools volume (uv, Poetry), else the base image, which holds the environment with
    the tool (pip, Pipenv; made when missing)."""
    if manager.on_tools_volume:
        return stack.build_image
    image_id = images.image_id(client, stack.build_image).removeprefix("sha256:")[:12]
    ref = f"herosim-base/{stack.name}:{stack.python}-{manager.name}-{manager.version}-{image_id}"
    if not images.exists(client, ref):
        _run(client, stack.build_image, installers.base_script(manager, stack.python), ca_bundle,
             manager.title, commit=ref)
    return ref


def _run(client: docker.DockerClient, image: str, script: str, ca_bundle: Path | None, what: str, *,
         mounts: dict | None = None, commit: str | None = None) -> None:
    files = TarWriter()
    if ca_bundle:
        files.add_bytes(cabundle.CONTAINER_PATH.lstrip("/"), ca_bundle.read_bytes())
    container = None
    try:
        with translated(f"installing {what}"):
            container = client.containers.create(
                image, ["bash", "-c", script], environment=environment(ca_bundle), working_dir="/tmp", user="0:0",
                entrypoint=[], labels=labels.for_tool(ROLE_BUILD), mounts=volumes.as_mounts(mounts or {}))
            container.put_archive("/", files.close())
            container.start()
            status = container.wait().get("StatusCode", 1)
            if status != 0:
                output = container.logs(stdout=True, stderr=True, tail=OUTPUT_LINES_KEPT)
                raise ToolInstallFailed(output.decode("utf-8", errors="replace").splitlines())
            if commit:
                repository, _, tag = commit.partition(":")
                container.commit(repository=repository, tag=tag, changes=[f"LABEL {LABEL_ROLE}={ROLE_BASE}"])
    finally:
        if container is not None:
            cleanup.container(container)
