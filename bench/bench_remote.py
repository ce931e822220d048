"""herosim on an engine this machine does not share a network with, against this machine's
engine, in one run (issue 24): the router's request latency (p50, one keep-alive client) and
`herosim up -d` of a code-only change, as ratios remote / local.

  sudo python bench/bench_remote.py [--requests 300] [--repeat 3]

The remote engine is the test suite's (tests/engines.py): a dockerd in a network namespace of
its own, reachable only at tcp:// with TLS, the stack images copied in from this machine's
engine (what that costs is printed too). The app is `hello` (gunicorn, one Flask route).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, free_port, git_copy, herosim, touch_code

sys.path.insert(0, str(ROOT))
from tests import engines  # noqa: E402

IMAGES = ["herosim/stack-build:forky", "herosim/stack-run:forky"]


def latency_p50(port: int, count: int) -> float:
    """Milliseconds, one keep-alive connection to the router (20 requests first, unmeasured)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    seen = []
    for index in range(count + 20):
        began = time.perf_counter()
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"GET / answered {response.status}")
        if index >= 20:
            seen.append((time.perf_counter() - began) * 1000)
    conn.close()
    return statistics.median(seen)


def code_only_ups(path: Path, name: str, port: int, env: dict, repeat: int) -> float:
    """Seconds, median of `repeat`: a committed change to app.py, then `up -d` until it answers."""
    times = []
    for round_ in range(repeat):
        touch_code(path, f"bench-{round_}")
        began = time.perf_counter()
        herosim("up", "-d", path, "-a", name, "--port", port, env=env)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(label: str, env: dict, work: Path, args) -> tuple[float, float]:
    path = git_copy("hello", work / label)
    name, port = f"bench-remote-{label}-{os.getpid() % 10000}", free_port()
    try:
        herosim("up", "-d", path, "-a", name, "--port", port, env=env)   # the first build, not measured
        p50 = latency_p50(port, args.requests)
        up = code_only_ups(path, name, port, env, args.repeat)
    finally:
        herosim("destroy", "-a", name, "--confirm", name, check=False, env=env)
    print(f"{label}: p50 {p50:.2f} ms through the router, code-only up -d {up:.2f} s", flush=True)
    return p50, up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    reason = engines.missing()
    if reason:
        raise SystemExit(reason)
    work = Path(tempfile.mkdtemp(prefix="herosim-bench-remote-"))
    os.environ.setdefault("HEROSIM_HOME", str(work / "home"))
    os.environ.setdefault("HEROSIM_OFFLINE", "1")
    local_env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    bases = [line for line in os.popen("docker images --format '{{.Repository}}:{{.Tag}}' "
                                       "herosim-base/herosim-forky").read().split() if "python3.13-pip-" in line]
    engine = engines.SecondEngine(f"b{os.getpid() % 100000}")
    engine.start(IMAGES + sorted(bases, reverse=True)[:1])
    print(f"second engine: started in {engine.timings['engine']:.1f} s, images loaded in "
          f"{engine.timings['images']:.1f} s", flush=True)
    try:
        local = measure("local", local_env, work, args)
        remote = measure("remote", {**local_env, **engine.environment()}, work, args)
    finally:
        engine.stop()
    print(f"remote / local: request p50 {remote[0] / local[0]:.2f}x, code-only up -d {remote[1] / local[1]:.2f}x")


if __name__ == "__main__":
    main()
