"""The router's cost: the same dyno hit directly, through herosim's router (HTTP and HTTPS on
its one port) and through nginx configured as Dokku configures it (HTTP and HTTPS), in one run.

  python bench/bench_router.py [--seconds 10] [--connections 32] [--first 200] [--profile]

Needs `wrk` and `nginx` (Debian: apt-get install -y nginx wrk); `--profile` needs py-spy
(pip install py-spy) and uses perf when it is installed. Two apps: `hello` (a near-free
Flask handler: a proxy's worst case) and the bundled microblog's `GET /posts` (a real request:
SQLAlchemy and Postgres; direct and router only). Direct means the dyno's own address and
$PORT on the bridge network (no docker-proxy), the best any client can do; nginx proxies to
that same address. See nginx_front.py for what its configuration takes from Dokku's, and why
it runs one worker.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import docker

sys.path.insert(0, os.path.dirname(__file__))
import first_request  # noqa: E402
import profile_router  # noqa: E402
import router_log  # noqa: E402
from common import free_port, git_copy, herosim, scratch  # noqa: E402
from loads import Load, children, find_process, median_load, wrk  # noqa: E402
from nginx_front import INSTALL, Nginx, missing_tools  # noqa: E402
from report import print_first, print_hello, print_log, print_microblog  # noqa: E402

THREADS = "gunicorn --worker-class gthread --threads 8 --keep-alive 30 app:app"
ROUNDS = 2   # the targets take turns, twice, so drift hits them alike


@dataclass(frozen=True)
class Deployed:
    app: str
    port: int
    home: Path
    work: Path
    direct: str      # http://<dyno's bridge address>:<its $PORT>
    router_pid: int


@contextmanager
def deployed(client, fixture: str, web: str):
    work = scratch()
    os.environ["HEROSIM_HOME"] = str(work / "home")
    app, port = f"bench-router-{uuid.uuid4().hex[:6]}", free_port()
    source = git_copy(fixture, work)
    (source / "Procfile").write_text(f"web: {web}\n")
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "procfile"],
                   cwd=source, check=True)
    try:
        herosim("up", "-d", source, "-a", app, "--port", port)
        container = client.containers.list(filters={"label": [f"io.herosim.app={app}", "io.herosim.dyno=web.1"]})[0]
        ip = next(iter(container.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
        pid = find_process("herosim.runtime.router", "--port", str(port))
        if pid is None:
            raise SystemExit(f"no router process for port {port}")
        yield Deployed(app, port, work / "home", work, f"{ip}:{container.labels['io.herosim.port']}", pid)
    finally:
        herosim("destroy", "-a", app, "--confirm", app, check=False)
        shutil.rmtree(work, ignore_errors=True)


def alternate(targets: dict[str, tuple[str, list[int]]], seconds: int, connections: int) -> dict[str, Load]:
    runs: dict[str, list[Load]] = {}
    for _ in range(ROUNDS):
        for name, (url, watch) in targets.items():
            runs.setdefault(name, []).append(wrk(url, seconds, connections, watch))
    return {name: median_load(loads) for name, loads in runs.items()}


def hello(client, args) -> dict:
    with deployed(client, "hello", THREADS) as d:
        tls = d.home / "tls"
        cert, key = tls / "routers" / f"{d.app}.pem", tls / "routers" / f"{d.app}-key.pem"
        plain, secure = free_port(), free_port()
        with Nginx(d.work / "nginx", d.direct, plain, secure, cert, key, args.nginx_workers) as nginx:
            proxies = children(nginx.pid)
            targets = {"direct": (f"http://{d.direct}/", []),
                       "router": (f"http://127.0.0.1:{d.port}/", [d.router_pid]),
                       "router_tls": (f"https://127.0.0.1:{d.port}/", [d.router_pid]),
                       "nginx": (f"http://127.0.0.1:{plain}/", proxies),
                       "nginx_tls": (f"https://127.0.0.1:{secure}/", proxies)}
            logging = {}   # is the router's log thread still writing, after each part
            first = first_request.measure([first_request.Target(n, u) for n, (u, _) in targets.items()],
                                          args.first, tls / "ca.pem")   # also checks each answers 200
            logging["first requests"] = router_log.log_thread_alive(d.router_pid)
            many = alternate(targets, args.seconds, args.connections)
            logging[f"{args.connections} clients"] = router_log.log_thread_alive(d.router_pid)
            one = alternate(targets, args.seconds, 1)
            logging["1 client"] = router_log.log_thread_alive(d.router_pid)
            failures = router_log.thread_failures(d.home, d.app)
            profiles = profile(d, targets, args) if args.profile else []
    log = {"alive": logging, "failures": failures, "line_cpu_us": router_log.cost_per_line_us()}
    return {"many": many, "one": one, "first": first, "profiles": profiles, "log": log}


def profile(d: Deployed, targets, args) -> list:
    """The router under each protocol's load: py-spy, then perf, then strace, a wrk run each."""
    out, found = [], profile_router.available()
    for name in ("router", "router_tls"):
        url = targets[name][0]
        title = f"{url} ({name}), {args.connections} clients"

        def load(url=url):
            return wrk(url, args.seconds, args.connections)
        raw = profile_router.pyspy(d.router_pid, args.seconds, load, d.work / f"{name}.pyspy")
        out.append(profile_router.summarize_pyspy(raw, f"py-spy --gil, {title}"))
        if "perf" in found:
            parts = profile_router.perf(d.router_pid, args.seconds, load, d.work / f"{name}.perf")
            out.append(profile_router.Profile(f"perf, {title}", 0, parts))
        if "strace" in found:
            calls = profile_router.strace(d.router_pid, args.seconds, load, d.work / f"{name}.strace")
            out.append(profile_router.Profile(f"strace -c, {title}", 0, {"system calls per request": calls}))
    return out


def microblog(client, args) -> dict:
    def posts(base):
        import urllib.request
        for i in range(20):
            urllib.request.urlopen(urllib.request.Request(base + "/posts", data=json.dumps({"body": f"p{i}"}).encode(),
                                                          headers={"Content-Type": "application/json"}))
    with deployed(client, "microblog", "flask db upgrade; " + THREADS) as d:
        posts(f"http://127.0.0.1:{d.port}")
        return {"many": alternate({"direct": (f"http://{d.direct}/posts", []),
                                   "router": (f"http://127.0.0.1:{d.port}/posts", [d.router_pid])},
                                  args.seconds, args.connections)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--first", type=int, default=200, help="new connections timed one by one, per target")
    parser.add_argument("--nginx-workers", default="1", help="nginx's worker_processes (1: as the router)")
    parser.add_argument("--profile", action="store_true", help="then sample the router under load (py-spy, perf)")
    args = parser.parse_args()
    if missing_tools():
        raise SystemExit(f"{' and '.join(missing_tools())} needed: {INSTALL}")
    if args.profile and "py-spy" not in profile_router.available():
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    os.environ["HEROSIM_OFFLINE"] = "1"
    client = docker.from_env()
    cases = {"hello": hello(client, args), "microblog": microblog(client, args)}
    print_hello(cases["hello"], args)
    print_log(cases["hello"]["log"])
    print_first(cases["hello"]["first"], args.first)
    print_microblog(cases["microblog"]["many"])
    for item in cases["hello"]["profiles"]:
        print(profile_router.render(item))
    print(json.dumps(cases, default=asdict))


if __name__ == "__main__":
    main()
