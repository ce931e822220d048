"""Runs the search conformance suite (tests/search) with each official client against the
lite engine as a local process: elasticsearch 7.17, elasticsearch 8.x, opensearch-py 2.x."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = {
    "es7": "elasticsearch>=7.17,<7.18",
    "es8": "elasticsearch>=8,<9",
    "os2": "opensearch-py>=2,<3",
}


def client_dir(name: str) -> Path:
    """The client installed once per machine into its own folder (not into this environment)."""
    spec = CLIENTS[name]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "herosim-tests" / "clients"
    target = cache / f"{name}-{hashlib.sha256(spec.encode()).hexdigest()[:8]}"
    if not (target / ".done").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "--target", str(target), spec], check=True, capture_output=True, timeout=600)
        (target / ".done").write_text(spec)
    return target


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_conformance_with_official_client(name):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(client_dir(name)), str(ROOT)]),
           "HEROSIM_SEARCH_SUITE": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore",
                             str(ROOT / "tests" / "search"), "--client", name],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, f"{name}: {summary}\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    assert " passed" in summary and " failed" not in summary
