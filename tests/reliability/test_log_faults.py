"""The app's log under load and on a full disk, with the router as its own process (no
Docker needed: with no web dyno it answers every request with H14 and logs it). Issue 19,
point 2: the router's lines stopped for good at the first trim made by another process,
and a full disk killed its writer while its lines piled up in memory."""

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from herosim.platform.logplex import Logplex
from herosim.platform.timeouts import Timeouts
from tests.support import free_port


def start_router(log: Path, port: int) -> subprocess.Popen:
    router = subprocess.Popen([sys.executable, "-m", "herosim.runtime.router", "--port", str(port), "--log", str(log),
                               "--timeouts", json.dumps(Timeouts().to_dict())],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert router.stdout.readline().strip() == "ready"
    return router


def stop_router(router: subprocess.Popen) -> str:
    router.stdin.close()
    router.wait(15)
    return router.stderr.read()


def requested(port: int, tag: str) -> None:
    assert requests.get(f"http://127.0.0.1:{port}/{tag}", timeout=10).status_code == 503


def router_paths(log: Path) -> list[str]:
    """The paths of the router's lines (of a line a full disk cut short, when its path survived)."""
    return [line.message.split('path="', 1)[1].split('"', 1)[0] for line in Logplex(log).tail(100_000)
            if line.dyno == "router" and re.search(r'path="[^"]*"', line.message)]


def logged(log: Path, path: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while path not in router_paths(log) and time.monotonic() < deadline:
        time.sleep(0.05)
    return path in router_paths(log)


def test_router_lines_go_on_while_another_process_writes_and_trims(tmp_path):
    log, port = tmp_path / "logplex.log", free_port()
    router = start_router(log, port)
    stop = threading.Event()

    died = []

    def app_output():  # the dyno manager's side: a chatty dyno, which makes the trims
        plex = Logplex(log)
        try:
            while not stop.is_set():
                plex.emit("app", "web.1", "chatty " + "z" * 200)
        except Exception as exc:  # noqa: BLE001 - a writer that dies is what this test is about
            died.append(repr(exc))

    writer = threading.Thread(target=app_output)
    writer.start()
    try:
        sessions = [requests.Session() for _ in range(4)]

        def client(n):
            for i in range(150):
                assert sessions[n].get(f"http://127.0.0.1:{port}/c{n}-{i}", timeout=10).status_code == 503

        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(120)
    finally:
        stop.set()
        writer.join(30)
    requested(port, "last")
    found = logged(log, "/last")
    errors = stop_router(router)
    assert died == []                            # the manager's side wrote on to the end
    assert found, errors[-2000:]                 # and so did the router
    assert "Traceback" not in errors
    assert os.stat(log).st_size < 3 * 1500 * 300   # trimmed meanwhile


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)]).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)])  # lazily: a process may still hold a file there


def test_router_log_survives_a_full_disk_and_says_what_it_dropped(small_disk):
    log, port = small_disk / "logplex.log", free_port()
    router = start_router(log, port)
    requested(port, "before")
    assert logged(log, "/before")
    filler = small_disk / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)
    for i in range(1100):   # more than the 1,024 lines the router keeps while it cannot write
        requested(port, f"full-{i}")
    time.sleep(1)
    filler.unlink()
    requested(port, "after")
    found = logged(log, "/after")
    errors = stop_router(router)
    paths, messages = router_paths(log), [line.message for line in Logplex(log).tail(5000)]
    assert found and paths[0] == "/before" and paths[-1] == "/after", errors[-2000:]
    notices = [m for m in messages if m.startswith("Error L10 (output buffer overflow): ")]
    assert len(notices) == 1 and " messages dropped since " in notices[0]
    dropped = int(notices[0].split(": ", 1)[1].split()[0])
    # every request is a line, or counted in the notice (the line the full disk cut is counted
    # dropped, and is still in the file when its path was written before the cut)
    assert 1102 <= dropped + len(paths) <= 1103
    assert paths[-2] == "/full-1099"             # the newest kept, as Logplex keeps them
    assert "No space left on device" in errors and "Traceback" not in errors
