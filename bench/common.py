"""Shared helpers for benchmarks: timing, a scratch git copy of a fixture, cleanup by label."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "apps"


def herosim(*args, check=True, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "herosim", *map(str, args)], capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise SystemExit(f"herosim {' '.join(map(str, args))} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result


def sh(*args, check=True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(list(map(str, args)), capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_200(url: str, timeout: float = 120) -> float:
    """Seconds until `url` answers 200."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.02)
    raise SystemExit(f"{url} never answered 200")


@contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def git_copy(fixture: str, where: Path) -> Path:
    path = where / fixture
    shutil.copytree(FIXTURES / fixture, path)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(git + ["init", "-q"], cwd=path, check=True)
    subprocess.run(git + ["add", "-A"], cwd=path, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "bench"], cwd=path, check=True)
    return path


def touch_code(path: Path, marker: str) -> None:
    app = path / "app.py"
    app.write_text(app.read_text() + f"\n# {marker}\n")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(git + ["commit", "-qam", marker], cwd=path, check=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="herosim-bench-"))


def hand_build(path: Path, tag: str, no_cache: bool = False, label: str = "io.herosim.app") -> None:
    """`docker build` of the hand-written Dockerfile herosim is measured against."""
    sh("docker", "build", "-q", *(["--no-cache"] if no_cache else []), "-f", ROOT / "bench" / "hand.Dockerfile",
       "-t", tag, "--label", f"{label}={tag.split(':')[0]}", path)


def setup(repeat_default: int):
    """What every benchmark starts with: --repeat, the offline stack, a scratch HEROSIM_HOME, a tag."""
    import argparse
    import uuid

    import docker
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=repeat_default)
    args = parser.parse_args()
    os.environ["HEROSIM_OFFLINE"] = "1"
    work = scratch()
    os.environ["HEROSIM_HOME"] = str(work / "home")
    return args, work, docker.from_env(), uuid.uuid4().hex[:6]
