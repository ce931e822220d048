"""Add-on sidecars side by side, in one run (issue: workers): the Key-Value Store against
Postgres, on the offline stack.

  python bench/bench_addons.py [--repeat 5]

ready   a stopped sidecar started until its probe passes (Postgres: a login over SSL;
        Key-Value Store: AUTH and PING over TLS), median of the repeats
first   the first start, on an empty volume (Postgres runs initdb then)
memory  the container's memory after the repeats (cgroup usage less its file cache)
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import docker

from herosim.addons import attachment as attachments
from herosim.addons import sidecar
from herosim.addons.registry import SERVICES
from herosim.engine import network
from herosim.engine import stack as stack_mod
from herosim.engine.stackimages import StackImages
from herosim.progress import Recorder


def memory_mb(container) -> float:
    stats = container.stats(stream=False)["memory_stats"]
    usage = stats.get("usage", 0)
    cache = stats.get("stats", {}).get("inactive_file", stats.get("stats", {}).get("cache", 0))
    return (usage - cache) / 1024 / 1024


def measure(client, service_name: str, app: str, repeat: int) -> dict:
    service = SERVICES[service_name]
    stack = stack_mod.offline(stack_mod.SUITES[stack_mod.DEFAULT_SUITE])
    net = network.ensure(client, app)
    attachment = service.provision(client, app)
    StackImages(client, Recorder()).ensure(service.sidecar(attachment, stack).image)
    started = time.perf_counter()
    container = sidecar.ensure_running(client, service, attachment, stack, net, lambda _: None)
    first = time.perf_counter() - started
    samples = []
    for _ in range(repeat):
        container.stop(timeout=30)
        started = time.perf_counter()
        container = sidecar.ensure_running(client, service, attachment, stack, net, lambda _: None)
        samples.append(time.perf_counter() - started)
    time.sleep(2)
    return {"first": first, "ready": statistics.median(samples), "memory": memory_mb(container)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    client = docker.from_env()
    app = f"bench-addons-{uuid.uuid4().hex[:6]}"
    results = {}
    try:
        for name in ("heroku-redis", "heroku-postgresql"):
            results[name] = measure(client, name, app, args.repeat)
    finally:
        attachments.remove(client, app)
        network.remove(client, app)
    print(f"{'add-on':20} {'first start':>12} {'ready (median)':>15} {'memory':>9}")
    for name, r in results.items():
        print(f"{name:20} {r['first']:11.2f}s {r['ready']:14.2f}s {r['memory']:7.1f}MB")


if __name__ == "__main__":
    main()
