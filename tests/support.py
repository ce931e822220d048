"""Helpers of the suites that drive a real Docker engine (integration, reliability): the
herosim command, throwaway git copies of fixture apps, a running app's handles, cleanup
by label. Their fixtures are in tests/conftest.py."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
import requests

from herosim import paths
from herosim.engine import images

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "apps"
PREFIX = f"it{uuid.uuid4().hex[:6]}"
LABEL_APP = "io.herosim.app"


def docker_client():
    try:
        client = docker.from_env(timeout=300)
        client.ping()
        return client
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("HEROSIM_REQUIRE_DOCKER") == "1":
            pytest.exit(f"integration tests need a Docker engine: {exc}", returncode=3)
        pytest.skip(f"no Docker engine: {exc}")


def stop_managers(home: Path) -> None:
    """Managers of apps a failed test did not destroy: SIGTERM stops their dynos, then they exit."""
    import json
    import signal
    for info in home.glob("apps/*/manager.json"):
        try:
            os.kill(json.loads(info.read_text())["pid"], signal.SIGTERM)
        except (OSError, ValueError, KeyError):
            continue
    deadline = time.monotonic() + 40
    while any(home.glob("apps/*/manager.json")) and time.monotonic() < deadline:
        time.sleep(0.2)


def sweep(client) -> None:
    """Remove whatever this session created, found by its app label."""
    def ours(labels):
        return (labels or {}).get(LABEL_APP, "").startswith(PREFIX)
    gone = docker.errors.NotFound   # removed meanwhile (a dyno's manager, a destroy of the test's own)
    for container in client.containers.list(all=True, ignore_removed=True, filters={"label": LABEL_APP}):
        if ours(container.labels):
            with contextlib.suppress(gone):
                container.remove(force=True, v=True)
    for volume in client.volumes.list(filters={"label": LABEL_APP}):
        if ours(volume.attrs.get("Labels")):
            with contextlib.suppress(gone):
                volume.remove(force=True)
    for network in client.networks.list(filters={"label": LABEL_APP}):
        if ours(network.attrs.get("Labels")):
            with contextlib.suppress(gone):
                network.remove()
    for _ in range(4):  # a layer another image builds on goes after it
        left = [image for image in images.listed(client, {"label": LABEL_APP}) if ours(image.labels)]
        for image in left:
            try:
                client.images.remove(image.id, force=True)
            except docker.errors.APIError:
                pass
        if not left:
            break


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A shell's `cmd &` starts its children with SIGINT ignored, and an ignored signal outlives
# exec: a test that sends Ctrl-C sets SIGINT back to its default in the process it starts.
_SIGINT_DEFAULT = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"


def interruptible(argv: list[str]) -> list[str]:
    """`argv` (its first item a path) run so that SIGINT stops it however this test was started."""
    return [sys.executable, "-c", _SIGINT_DEFAULT, *argv]


def herosim(*args, timeout=900, check=False, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "herosim", *map(str, args)], capture_output=True,
                            text=True, timeout=timeout, **kwargs)
    if check:
        assert result.returncode == 0, f"herosim {' '.join(map(str, args))} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def transcript(*args, timeout=900, **kwargs) -> subprocess.CompletedProcess:
    """herosim with its stderr merged into stdout in the order written (what a terminal shows)."""
    return subprocess.run([sys.executable, "-m", "herosim", *map(str, args)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, **kwargs)


def git_app(fixture: str, dest: Path, extra: dict[str, str] | None = None, untracked: dict[str, str] | None = None) -> Path:
    """A copy of a fixture app in its own git repository, committed."""
    path = dest / fixture
    shutil.copytree(FIXTURES / fixture, path, symlinks=True)
    for name, text in (extra or {}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git = ["git", "-c", "user.name=herosim", "-c", "user.email=herosim@localhost"]
    subprocess.run(git + ["init", "-q"], cwd=path, check=True)
    subprocess.run(git + ["add", "-A"], cwd=path, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "fixture"], cwd=path, check=True)
    for name, text in (untracked or {}).items():
        (path / name).write_text(text)
    return path


def commit_all(path: Path, message: str = "change") -> None:
    git = ["git", "-c", "user.name=herosim", "-c", "user.email=herosim@localhost"]
    subprocess.run(git + ["add", "-A"], cwd=path, check=True)
    subprocess.run(git + ["commit", "-q", "-m", message], cwd=path, check=True)


@dataclass
class RunningApp:
    name: str
    path: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state_dir(self) -> Path:
        return Path(os.environ["HEROSIM_HOME"]) / "apps" / self.name

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=40, **kwargs)

    def cli(self, command, *args, **kwargs) -> subprocess.CompletedProcess:
        return herosim(command, "-a", self.name, *args, **kwargs)

    def dyno_container(self, client, dyno: str = "web.1"):
        found = client.containers.list(filters={"label": [f"{LABEL_APP}={self.name}", "io.herosim.role=dyno",
                                                          f"io.herosim.dyno={dyno}"]})
        assert found, f"no running container for {dyno}"
        return found[0]

    def log_lines(self, *args) -> list[str]:
        return self.cli("logs", "-n", "1500", *args, check=True).stdout.splitlines()

    def wait_for_log(self, fragment: str, timeout: float = 30, *args) -> list[str]:
        """`herosim logs` once `fragment` is in it: the app's log file (the lines `logs` prints,
        as it prints them) is watched meanwhile, not the command run again and again."""
        deadline = time.monotonic() + timeout
        log = self.state_dir / paths.LOG
        while time.monotonic() < deadline:
            try:
                seen = fragment in log.read_text(errors="replace")
            except OSError:
                seen = False
            if seen:
                lines = self.log_lines(*args)
                if any(fragment in line for line in lines):
                    return lines
            time.sleep(0.3)
        raise AssertionError(f"{fragment!r} never appeared in the log:\n" + "\n".join(self.log_lines()[-30:]))


def app_name(label: str) -> str:
    return f"{PREFIX}-{label}"[:30]


def start_app(fixture: str, tmp_path: Path, label: str, *extra_args, **git_kwargs) -> tuple[RunningApp, subprocess.CompletedProcess]:
    path = git_app(fixture, tmp_path, **git_kwargs)
    app = RunningApp(app_name(label), path, free_port())
    result = herosim("up", "-d", path, "-a", app.name, "--port", app.port, *extra_args)
    return app, result


def images_contain(client, app: str, needle: bytes) -> bool:
    """Whether any image labelled with the app holds `needle`: in its config, its history or
    the bytes of the layers it adds to images that are not the app's (the stack and base
    images, built without any app's files or config). Those layers are read from the engine's
    overlay2 folders when this machine holds them, else from `docker save`, scanned as it streams."""
    app_images = client.images.list(filters={"label": f"{LABEL_APP}={app}"})
    for image in app_images:
        if needle in repr(image.attrs).encode() or needle in repr(image.history()).encode():
            return True
    folders = _own_layer_folders(client, app_images)
    if folders is not None:
        return any(_folder_contains(folder, needle) for folder in folders)
    for image in app_images:
        tail = b""
        for chunk in image.save(chunk_size=1024 * 1024):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def _own_layer_folders(client, app_images) -> list[Path] | None:
    """The overlay2 diff folders of the layers only the app's images have (an image's
    [UpperDir] + LowerDir lists one folder per layer of its RootFS, top first), or None when
    the engine's folders are not this machine's to read. Each folder once: the app's images
    are built on one another and share their lower layers."""
    others = {layer for image in client.images.list(all=True)
              if (image.labels or {}).get(LABEL_APP) is None for layer in image.attrs["RootFS"].get("Layers", [])}
    folders: dict[Path, None] = {}
    for image in app_images:
        driver = image.attrs.get("GraphDriver") or {}
        data = driver.get("Data") or {}
        if driver.get("Name") != "overlay2" or "UpperDir" not in data:
            return None
        dirs = [data["UpperDir"], *filter(None, (data.get("LowerDir") or "").split(":"))]
        layers = list(reversed(image.attrs["RootFS"]["Layers"]))
        if len(dirs) != len(layers) or not all(os.path.isdir(d) for d in dirs):
            return None
        folders.update((Path(d), None) for d, layer in zip(dirs, layers, strict=True) if layer not in others)
    return list(folders)


def _folder_contains(folder: Path, needle: bytes) -> bool:
    """`needle` in a file's bytes, a name or a link's target anywhere under `folder`."""
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            if needle in os.fsencode(name) or (os.path.islink(path) and needle in os.fsencode(os.readlink(path))):
                return True
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as handle:
                tail = b""
                while chunk := handle.read(1024 * 1024):
                    if needle in tail + chunk:
                        return True
                    tail = chunk[-len(needle):]
    return False
