"""herosim's core against a hand-written Dockerfile + docker run, in one run (issue: core).

  python bench/bench_core.py [--repeat 5]

Measures, for the bundled microblog on the offline stack:
  cold     build with no cache, Postgres, run, first 200
  rebuild  a code-only change: build with the layer cache (build alone, and to first 200)
  recycle  replace the web container, to first 200
and prints a table of seconds and ratios. Nothing is asserted: the machine is shared.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import free_port, git_copy, hand_build, herosim, median, setup, sh, timer, touch_code, wait_200  # noqa: E402

LABEL = "io.herosim.app"


class Hand:
    """The by-hand way: docker build, docker run postgres, docker run the app."""

    def __init__(self, client, path, name):
        self.client, self.path, self.name = client, path, name
        self.port = free_port()
        self.net = f"{name}-net"
        self.pg = f"{name}-pg"
        self.web = f"{name}-web"
        shutil.copy(os.environ.get("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt"), path / "ca.pem")

    def build(self, no_cache=False):
        hand_build(self.path, f"{self.name}:latest", no_cache=no_cache)

    def database(self):
        sh("docker", "network", "create", "--label", f"{LABEL}={self.name}", self.net)
        sh("docker", "run", "-d", "--name", self.pg, "--network", self.net, "--label", f"{LABEL}={self.name}",
           "-e", "POSTGRES_PASSWORD=secret", "herosim/postgres:trixie")
        while sh("docker", "exec", self.pg, "pg_isready", "-h", "127.0.0.1", check=False).returncode != 0:
            time.sleep(0.1)

    def run(self):
        sh("docker", "run", "-d", "--name", self.web, "--network", self.net, "--label", f"{LABEL}={self.name}",
           "-e", "PORT=8000", "-e", f"DATABASE_URL=postgres://postgres:secret@{self.pg}:5432/postgres",
           "-p", f"127.0.0.1:{self.port}:8000", f"{self.name}:latest")
        return wait_200(f"http://127.0.0.1:{self.port}/")

    def replace(self):
        sh("docker", "stop", "-t", "30", self.web)
        sh("docker", "rm", "-v", self.web)
        return self.run()

    def cleanup(self):
        for container in self.client.containers.list(all=True, filters={"label": f"{LABEL}={self.name}"}):
            container.remove(force=True, v=True)
        for network in self.client.networks.list(filters={"label": f"{LABEL}={self.name}"}):
            network.remove()
        for image in self.client.images.list(filters={"label": f"{LABEL}={self.name}"}):
            self.client.images.remove(image.id, force=True)


def main():
    args, work, client, tag = setup(5)
    hand = Hand(client, git_copy("microblog", work / "hand"), f"bench-hand-{tag}")
    app_path = git_copy("microblog", work / "herosim")
    app, port = f"bench-core-{tag}", free_port()
    herosim("stack", "build")
    results = {}
    try:
        with timer() as t:
            hand.build(no_cache=True)
            hand.database()
            hand.run()
        results["cold_hand"] = t["seconds"]
        with timer() as t:
            herosim("up", "-d", app_path, "-a", app, "--port", port, "--no-cache")
            wait_200(f"http://127.0.0.1:{port}/")
        results["cold_herosim"] = t["seconds"]

        rebuild_hand, rebuild_herosim, redeploy_hand, redeploy_herosim = [], [], [], []
        for i in range(args.repeat):
            touch_code(hand.path, f"hand change {i}")
            touch_code(app_path, f"herosim change {i}")
            with timer() as t:
                hand.build()
            rebuild_hand.append(t["seconds"])
            with timer() as t:
                herosim("build", app_path, "-a", app)
            rebuild_herosim.append(t["seconds"])
            with timer() as t:
                hand.build()
                hand.replace()
            redeploy_hand.append(t["seconds"])
            with timer() as t:
                herosim("up", "-d", app_path, "-a", app, "--port", port)
                wait_200(f"http://127.0.0.1:{port}/")
            redeploy_herosim.append(t["seconds"])

        recycle_hand, recycle_herosim = [], []
        for _ in range(args.repeat):
            with timer() as t:
                hand.replace()
            recycle_hand.append(t["seconds"])
            with timer() as t:
                herosim("recycle", "web", "-a", app)
                wait_200(f"http://127.0.0.1:{port}/")
            recycle_herosim.append(t["seconds"])
        results.update(
            rebuild_hand=median(rebuild_hand), rebuild_herosim=median(rebuild_herosim),
            redeploy_hand=median(redeploy_hand), redeploy_herosim=median(redeploy_herosim),
            recycle_hand=median(recycle_hand), recycle_herosim=median(recycle_herosim),
        )
    finally:
        herosim("destroy", "-a", app, "--confirm", app, check=False)
        hand.cleanup()
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        ("cold build + Postgres + run, to first 200", "cold_hand", "cold_herosim"),
        ("code-only rebuild (build alone, layer cache)", "rebuild_hand", "rebuild_herosim"),
        ("code-only change, rebuild + replace, to first 200", "redeploy_hand", "redeploy_herosim"),
        ("recycle / replace the web container, to first 200", "recycle_hand", "recycle_herosim"),
    ]
    print(f"{'measure':52} {'by hand':>9} {'herosim':>9} {'ratio':>6} {'delta':>7}")
    for label, hand_key, ours_key in rows:
        a, b = results[hand_key], results[ours_key]
        print(f"{label:52} {a:8.2f}s {b:8.2f}s {b / a:6.2f} {b - a:+6.2f}s")
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))


if __name__ == "__main__":
    main()
