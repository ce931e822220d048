"""The router's cost: the same dyno hit directly and through herosim's router, in one run.

  python bench/bench_router.py [--seconds 10] [--connections 32]

Needs `wrk` (Debian: apt-get install wrk). Two apps: `hello` (a near-free Flask
handler: the router's worst case) and the bundled microblog's `GET /posts` (a real
request: SQLAlchemy and Postgres). Direct means the dyno's own address and $PORT on
the bridge network (no docker-proxy), the best any client can do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import uuid

import docker

sys.path.insert(0, os.path.dirname(__file__))
from common import free_port, git_copy, herosim, scratch  # noqa: E402


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout

    def ms(label):
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "non2xx": int(errors.group(1)) if errors else 0}


def direct_url(client, app: str, path: str) -> str:
    container = client.containers.list(filters={"label": [f"io.herosim.app={app}", "io.herosim.dyno=web.1"]})[0]
    ip = next(iter(container.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
    return f"http://{ip}:{container.labels['io.herosim.port']}{path}"


def measure(client, fixture, path, seconds, connections, procfile=None, warm=None, single=False):
    work = scratch()
    os.environ["HEROSIM_HOME"] = str(work / "home")
    app, port = f"bench-router-{uuid.uuid4().hex[:6]}", free_port()
    source = git_copy(fixture, work)
    if procfile:
        (source / "Procfile").write_text(procfile)
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "procfile"],
                       cwd=source, check=True)
    try:
        herosim("up", "-d", source, "-a", app, "--port", port)
        if warm:
            warm(f"http://127.0.0.1:{port}")
        results = {}
        urls = (("direct", direct_url(client, app, path)), ("router", f"http://127.0.0.1:{port}{path}"))
        for round_ in range(2):  # alternate, so drift hits both alike
            for name, url in urls:
                results.setdefault(name, []).append(wrk(url, seconds, connections))
                if single:  # one keep-alive client: the latency a request gains, without queueing
                    results.setdefault(name + "_1", []).append(wrk(url, seconds, 1))
        return {k: {m: sorted(r[m] for r in v)[len(v) // 2] for m in v[0]} for k, v in results.items()}
    finally:
        herosim("destroy", "-a", app, "--confirm", app, check=False)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    os.environ["HEROSIM_OFFLINE"] = "1"
    client = docker.from_env()
    threads = "web: gunicorn --worker-class gthread --threads 8 --keep-alive 30 app:app\n"

    def posts(base):
        import urllib.request
        for i in range(20):
            urllib.request.urlopen(urllib.request.Request(base + "/posts", data=json.dumps({"body": f"p{i}"}).encode(),
                                                          headers={"Content-Type": "application/json"}))
    cases = {
        "hello GET / (near-free handler)": measure(client, "hello", "/", args.seconds, args.connections, threads,
                                                  single=True),
        "microblog GET /posts (Postgres)": measure(client, "microblog", "/posts", args.seconds, args.connections,
                                                   "web: flask db upgrade; " + threads[len("web: "):],
                                                   warm=posts),
    }
    print(f"{'case':34} {'direct rps':>10} {'router rps':>10} {'ratio':>6} {'p50 d/r ms':>14} {'added p50':>9} "
          f"{'p99 d/r ms':>14}")
    for name, r in cases.items():
        d, t = r["direct"], r["router"]
        print(f"{name:34} {d['rps']:10.0f} {t['rps']:10.0f} {t['rps'] / d['rps']:6.2f} "
              f"{d['p50']:6.2f}/{t['p50']:6.2f} {t['p50'] - d['p50']:+8.2f} {d['p99']:6.1f}/{t['p99']:6.1f}")
    single = cases["hello GET / (near-free handler)"]
    print(f"one keep-alive client, hello GET /: p50 direct {single['direct_1']['p50']:.2f} ms, "
          f"router {single['router_1']['p50']:.2f} ms, added {single['router_1']['p50'] - single['direct_1']['p50']:+.2f} ms")
    print(json.dumps(cases))


if __name__ == "__main__":
    main()
