"""uv and Poetry on herosim's tools volume, installed by herosim's own step: a container of the
pristine build image with no file of any app, no config var and the volume writable (every
app's steps mount it read-only). Installed once per tool version, stack and Python."""

from __future__ import annotations

from pathlib import Path

import docker

from herosim.const import ROLE_BUILD
from herosim.engine import cleanup, labels
from herosim.engine.client import translated
from herosim.engine.memo import remembered
from herosim.engine.stack import Stack
from herosim.engine.tarball import TarWriter
from herosim.slug import cabundle, installers, volumes
from herosim.slug.buildpack import TOOL_NAMES

OUTPUT_LINES_KEPT = 200


class ToolInstallFailed(Exception):
    """The tool did not install; `lines` is what its install printed (indented)."""

    def __init__(self, lines: list[str]):
        super().__init__("tool install failed")
        self.lines = lines


def environment(ca_bundle: Path | None) -> dict[str, str]:
    return {"HOME": "/tmp", "LANG": "C.UTF-8", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            **cabundle.build_env(ca_bundle)}


def ensure(client: docker.DockerClient, stack: Stack, manager: str, ca_bundle: Path | None) -> str:
    """The tool's folder on the tools volume (see installers.tool_home), installed when missing."""
    home = installers.tool_home(manager, stack.name, stack.python)
    volume = volumes.ensure_tools(client)
    # Only this step writes the volume, so once there a tool stays until the volume is made anew.
    remembered("tools", f"{volume.attrs.get('CreatedAt', '')}:{home}",
               lambda: _install(client, stack, manager, home, ca_bundle))
    return home


def _install(client: docker.DockerClient, stack: Stack, manager: str, home: str, ca_bundle: Path | None) -> bool:
    files = TarWriter()
    if ca_bundle:
        files.add_bytes(cabundle.CONTAINER_PATH.lstrip("/"), ca_bundle.read_bytes())
    container = None
    try:
        with translated(f"installing {TOOL_NAMES[manager]}"):
            container = client.containers.create(
                stack.build_image, ["bash", "-c", installers.tool_script(manager, stack.python, home)],
                environment=environment(ca_bundle), working_dir="/tmp", user="0:0", entrypoint=[],
                labels=labels.for_tool(ROLE_BUILD),
                volumes={volumes.TOOLS_VOLUME: {"bind": installers.TOOLS, "mode": "rw"}})
            container.put_archive("/", files.close())
            container.start()
            status = container.wait().get("StatusCode", 1)
            if status != 0:
                output = container.logs(stdout=True, stderr=True, tail=OUTPUT_LINES_KEPT)
                raise ToolInstallFailed(output.decode("utf-8", errors="replace").splitlines())
        return True
    finally:
        if container is not None:
            cleanup.container(container)
