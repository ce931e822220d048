"""Churn: clients write through the router while the app is reconfigured, scaled, recycled,
restarted, rolled back, its database credential rotated, and redeployed. At the end every
write the app acknowledged is in Postgres; every error a client saw is the router's own 503
with an H-code, or an answer of the app itself; and the router's memory and open files do
not grow with the traffic."""

import os
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from tests.support import RunningApp, app_name, commit_all, free_port, git_app, herosim

CLIENTS = 4
PAUSE = 0.1   # between a client's writes: ~40 a second in all, every change overlapped by many,
              # and the machine's cores left to the herosim commands the churn is made of
ROUTER_CODES = {"H10", "H12", "H13", "H18", "H19", "H20", "H21"}


def router_process(port: int) -> int:
    found = subprocess.run(["pgrep", "-f", f"herosim.runtime.router --port {port} "], capture_output=True, text=True)
    pids = [int(p) for p in found.stdout.split()]
    assert len(pids) == 1, f"router processes for port {port}: {pids}"
    return pids[0]


def footprint(pid: int) -> tuple[int, int]:
    """(resident memory in KB, open file descriptors) of a process."""
    rss = int(re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


class Writers:
    """Clients posting through the router until told to stop; what each got is kept."""

    def __init__(self, url: str):
        self.url = url
        self.acknowledged: list[str] = []
        self.outcomes: Counter = Counter()
        self.unexpected: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(CLIENTS)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self._stop.set()
        for thread in self.threads:
            thread.join(60)

    def _write(self, n: int):
        session = requests.Session()
        i = 0
        while not self._stop.is_set():
            body = f"churn {n}-{i}"
            i += 1
            self._stop.wait(PAUSE)
            try:
                response = session.post(self.url + "/posts", json={"body": body}, timeout=40)
            except requests.ConnectionError as exc:   # the router never drops a client without an answer
                self._record("connection error", f"{body}: {exc}")
                session = requests.Session()
                continue
            code = response.headers.get("X-Herosim-Error", "")
            if response.status_code == 201:
                with self._lock:
                    self.acknowledged.append(body)
                self._record("201")
            elif response.status_code == 503 and code in ROUTER_CODES:
                self._record(f"503 {code}")
            elif not code and response.status_code >= 500:
                self._record(f"{response.status_code} from the app")   # e.g. the old credential, mid-rotation
            else:
                self._record(f"{response.status_code} {code}", f"{body}: {response.status_code} {code}")

    def _record(self, outcome: str, unexpected: str = ""):
        with self._lock:
            self.outcomes[outcome] += 1
            if unexpected:
                self.unexpected.append(unexpected)


def test_writes_survive_churn_and_the_router_stays_bounded(herosim_home, tmp_path):
    path = git_app("microblog", tmp_path)
    app = RunningApp(app_name("churn"), path, free_port())
    try:
        herosim("up", "-d", path, "-a", app.name, "--port", app.port, "--stop-timeout", "10", check=True)
        writers = Writers(app.url)
        writers.start()
        time.sleep(5)
        router = router_process(app.port)
        before = footprint(router)
        steps = [
            ("config:set", "CHURN=1"), ("ps:scale", "web=2:standard-1x"), ("recycle",), ("restart",),
            ("releases:rollback",), ("pg:credentials:rotate", "--confirm", app.name),
        ]
        for step in steps:
            herosim(step[0], "-a", app.name, *step[1:], check=True)
            time.sleep(3)
        (path / "app.py").write_text((path / "app.py").read_text() + "\n# redeployed during the churn\n")
        commit_all(path, "redeploy")
        herosim("up", "-d", path, "-a", app.name, "--port", app.port, "--stop-timeout", "10", check=True)
        herosim("ps:scale", "web=1:basic", "-a", app.name, check=True)
        time.sleep(5)
        writers.stop()
        after = footprint(router_process(app.port))
        print(f"\nchurn outcomes: {dict(writers.outcomes)}; router (rss KB, fds) {before} -> {after}")

        assert writers.unexpected == [], writers.unexpected[:20]
        assert writers.outcomes["201"] > 100, writers.outcomes
        stored = set(herosim("pg:psql", "-a", app.name, "-c", "copy (select body from post) to stdout",
                             check=True).stdout.splitlines())
        missing = [body for body in writers.acknowledged if body not in stored]
        assert missing == [], f"{len(missing)} acknowledged writes are not in Postgres: {missing[:10]}"
        assert after[0] - before[0] < 30_000, f"router memory grew {before[0]} -> {after[0]} KB"
        assert after[1] - before[1] < 20, f"router file descriptors grew {before[1]} -> {after[1]}"
    finally:
        herosim("destroy", "-a", app.name, "--confirm", app.name)
