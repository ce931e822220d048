"""What observing costs, and what the dashboard weighs, in one run.

  python bench/bench_observe.py [--seconds 10] [--connections 16] [--load 90] [--shot docs/metrics-tab.png]

1. The router's throughput on the `hello` app, `wrk`, alternating: without the dyno
   manager's observer (HEROSIM_OBSERVER=0); with it collecting metrics (and the
   log-runtime-metrics lab on); and with an HTTPS drain too, to a receiver on 127.0.0.1
   (on Heroku the receiver is another machine; here it shares the two cores).
2. The bundled microblog under a short load with one deploy and one H12, its dashboard's
   Metrics tab loaded in headless Chromium: page weight, time to first chart, a screenshot.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_router import wrk  # noqa: E402
from common import free_port, git_copy, herosim, scratch, touch_code  # noqa: E402

from tests.browser import Chromium  # noqa: E402
from tests.unit.drains.receiver import HttpReceiver  # noqa: E402


def overhead(seconds: int, connections: int) -> dict:
    work = scratch()
    os.environ["HEROSIM_HOME"] = str(work / "home")
    app, port = f"bench-observe-{uuid.uuid4().hex[:6]}", free_port()
    source = git_copy("hello", work)
    receiver = HttpReceiver()
    url = f"http://127.0.0.1:{port}/"
    drain = f"http://127.0.0.1:{receiver.port}/logs"
    try:
        herosim("up", "-d", source, "-a", app, "--port", port)
        herosim("labs:enable", "log-runtime-metrics", "-a", app)
        results: dict[str, list] = {}
        for _ in range(3):   # alternate, so drift hits all alike
            for name, env in (("without", {"HEROSIM_OBSERVER": "0"}), ("metrics", {}), ("metrics+drain", {})):
                herosim("down", "-a", app)
                if name == "metrics+drain":
                    herosim("drains:add", drain, "-a", app)
                herosim("up", "-d", source, "-a", app, "--port", port, env=env)
                wrk(url, 2, connections)   # warm up
                results.setdefault(name, []).append(wrk(url, seconds, connections))
                if name == "metrics+drain":
                    herosim("drains:remove", drain, "-a", app)
        out = {k: sorted(r["rps"] for r in v)[len(v) // 2] for k, v in results.items()}
        out["metrics_ratio"] = round(out["metrics"] / out["without"], 3)
        out["metrics_and_drain_ratio"] = round(out["metrics+drain"] / out["without"], 3)
        out["drained_requests"] = len(receiver.data)
        return out
    finally:
        receiver.close()
        herosim("destroy", "-a", app, "--confirm", app, check=False)
        shutil.rmtree(work, ignore_errors=True)


def demo(load_seconds: int, shot: Path) -> dict:
    """The microblog: load, a deploy a third of the way in, an H12 two thirds in; the Metrics tab."""
    work = scratch()
    os.environ["HEROSIM_HOME"] = str(work / "home")
    app, port, dash = f"microblog-{uuid.uuid4().hex[:4]}", free_port(), free_port()
    source = git_copy("microblog", work)
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()

    def load():
        rng = random.Random(1)
        while not stop.is_set():
            try:
                if rng.random() < 0.2:
                    requests.post(base + "/posts", json={"body": "hello"}, timeout=10)
                requests.get(base + rng.choice(["/", "/posts", "/posts"]), timeout=10)
                if rng.random() < 0.03:
                    requests.get(base + "/missing", timeout=10)
            except requests.RequestException:
                pass
            time.sleep(rng.uniform(0.05, 0.3))

    server = None
    try:
        herosim("up", "-d", source, "-a", app, "--port", port)
        herosim("labs:enable", "log-runtime-metrics", "-a", app)
        threads = [threading.Thread(target=load, daemon=True) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(load_seconds / 3)
        touch_code(source, "deploy two")
        herosim("up", "-d", source, "-a", app, "--port", port)
        time.sleep(load_seconds / 3)
        requests.get(base + "/report?seconds=31", timeout=60)   # past the router's 30 s: H12
        time.sleep(load_seconds / 3)
        stop.set()
        time.sleep(25)   # one more runtime sample, the collector's last write
        import subprocess
        server = subprocess.Popen([sys.executable, "-m", "herosim", "dashboard", "--port", str(dash)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        server.stderr.readline()
        with Chromium() as browser:
            page = browser.page()
            page.call("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)
            started = time.monotonic()
            page.goto(f"http://127.0.0.1:{dash}/apps/{app}#metrics")
            page.wait_for("document.querySelectorAll('[data-chart] polyline').length >= 12")
            figures = {
                "first_chart_ms": round(page.evaluate("window.__firstChart")),
                "page_weight_bytes": page.evaluate(
                    "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                    ".filter(e => !e.name.includes('/api/')).reduce((n, e) => n + e.transferSize, 0)"),
                "with_api_bytes": page.evaluate(
                    "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                    ".reduce((n, e) => n + e.transferSize, 0)"),
                "wall_ms": round((time.monotonic() - started) * 1000),
            }
            page.screenshot(shot)
        figures["metrics"] = json.loads(herosim("metrics", "--json", "-a", app).stdout)["summary"]
        return figures
    finally:
        stop.set()
        if server:
            server.terminate()
            server.wait(10)
        if os.environ.get("BENCH_KEEP"):   # to look at it afterwards: HEROSIM_HOME=… herosim dashboard
            print(f"kept: HEROSIM_HOME={work / 'home'} app {app}", file=sys.stderr)
        else:
            herosim("destroy", "-a", app, "--confirm", app, check=False)
            shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--load", type=int, default=90, help="seconds of load on the microblog")
    parser.add_argument("--shot", type=Path, default=Path("docs/metrics-tab.png"))
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    os.environ["HEROSIM_OFFLINE"] = "1"
    if not args.skip_overhead:
        print(json.dumps({"router_throughput_rps": overhead(args.seconds, args.connections)}, indent=2), flush=True)
    print(json.dumps({"dashboard": demo(args.load, args.shot)}, indent=2))


if __name__ == "__main__":
    main()
