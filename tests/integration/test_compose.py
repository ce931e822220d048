"""compose.yaml builds the same offline images `herosim stack build` does."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def compose_command():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    pytest.skip("neither docker-compose nor the compose plugin is installed")


def output_of(client, image: str, command: list[str]) -> str:
    """What `command` prints in a container of `image`, the container removed with its anonymous
    volumes (the postgres and keyvalue images declare a VOLUME; `run(remove=True)` would leave it)."""
    container = client.containers.run(image, command, entrypoint=[], detach=True)
    try:
        container.wait(timeout=120)
        return container.logs().decode()
    finally:
        container.remove(force=True, v=True)


@pytest.mark.engine_exclusive   # it re-tags the stack images every other test builds on
def test_compose_builds_the_stack_images(client, herosim_home):
    result = subprocess.run(compose_command() + ["-f", str(ROOT / "compose.yaml"), "build"],
                            capture_output=True, text=True, timeout=1800, env=os.environ.copy())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for python in ("3.14", "3.13"):
        run = output_of(client, "herosim/stack-run:forky", [f"python{python}", "--version"])
        build = output_of(client, "herosim/stack-build:forky", [f"python{python}", "--version"])
        assert run == build and run.startswith(f"Python {python}.")
    assert "PostgreSQL) 17." in output_of(client, "herosim/postgres:trixie", ["postgres", "--version"])
    assert "v=8.1." in output_of(client, "herosim/keyvalue:trixie", ["valkey-server", "--version"])
    for ref, stack in (("herosim/stack-build:forky", "herosim-forky"), ("herosim/stack-run:forky", "herosim-forky"),
                       ("herosim/postgres:trixie", "herosim-trixie"), ("herosim/keyvalue:trixie", "herosim-trixie")):
        assert client.images.get(ref).labels["io.herosim.stack"] == stack
    # herosim takes them over (relabelling from the layer cache) without a full rebuild
    relabel = subprocess.run([sys.executable, "-m", "herosim", "stack", "build"], capture_output=True, text=True,
                             timeout=1800)
    assert relabel.returncode == 0, relabel.stderr[-2000:]
    assert "Bootstrapping" not in relabel.stdout
    assert all("io.herosim.recipe" in client.images.get(ref).labels
               for ref in ("herosim/stack-build:forky", "herosim/stack-run:forky", "herosim/postgres:trixie",
                           "herosim/keyvalue:trixie"))
