"""Where the router's time goes under load: its process (`python -m herosim.runtime.router`)
sampled by py-spy (Python frames: which of the router's functions), by perf (CPU samples by
thread, shared object and C symbol: the interpreter, uvloop, llhttp, OpenSSL, the kernel) and
counted by strace (system calls per request), each during a wrk run of its own, apart from
the measured runs (sampling slows what it samples; strace much more, but counts stay true).

py-spy samples the thread holding the GIL only (`--gil`): its idle detection counts a thread
blocked on stdin or waiting for the GIL as busy. It sees Python frames only: time in C below
the event loop that holds the GIL (uvloop's own code) shows as the frame that entered the loop
(`Thread.run`), a write system call as the Python function that called `transport.write`.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

RATE = 250        # py-spy samples a second
PERF_HZ = 999
TOP = 12


@dataclass(frozen=True)
class Share:
    what: str
    fraction: float


@dataclass(frozen=True)
class Profile:
    title: str
    samples: int
    parts: dict[str, list[Share]]    # heading -> top consumers


def _frame(text: str) -> str:
    """`Client.data_received (herosim/runtime/router/downstream.py:77)` without its line."""
    return re.sub(r":\d+\)$", ")", text.strip())


def summarize_pyspy(raw: str, title: str, top: int = TOP) -> Profile:
    """py-spy's raw (collapsed) output, recorded with --threads: shares by thread, by the
    function a sample was in (self), and by every function on its stack (inclusive)."""
    threads, own, inclusive = Counter(), Counter(), Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        thread = frames[0].split(":", 1)[-1].strip()
        frames = [_frame(f) for f in frames[1:]] or ["(no Python frame)"]
        total += n
        threads[thread] += n
        own[f"{thread}: {frames[-1]}"] += n
        for name in set(frames):
            if "threading.py" not in name and not name.startswith("<module>"):
                inclusive[name] += n

    def shares(counter):
        return [Share(what, n / total) for what, n in counter.most_common(top)]
    return Profile(title, total, {"by thread": shares(threads), "self (the function a sample was in)": shares(own),
                                  "inclusive (on the stack)": shares(inclusive)} if total else {})


def summarize_perf(report: str, top: int = TOP) -> list[Share]:
    """`perf report --stdio -q` lines (`  12.34%  libssl.so.3  [.] SSL_read`) as shares."""
    found = []
    for line in report.splitlines():
        match = re.match(r"^\s*([\d.]+)%\s+(.+?)\s*$", line)
        if match:
            found.append(Share(re.sub(r"\s+", " ", match.group(2)), float(match.group(1)) / 100))
    return found[:top]


def pyspy(pid: int, seconds: int, load, out: Path) -> str:
    """py-spy's raw samples of `pid` while `load()` runs."""
    recorder = subprocess.Popen(["py-spy", "record", "-p", str(pid), "-d", str(seconds), "-r", str(RATE),
                                 "--threads", "--gil", "-f", "raw", "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    load()
    _, err = recorder.communicate(timeout=seconds + 60)
    if recorder.returncode != 0 or not out.exists():
        raise SystemExit(f"py-spy failed ({recorder.returncode}): {err[-1500:]}")
    return out.read_text()


def thread_names(pid: int) -> dict[str, str]:
    """Thread id -> Python thread name, from `py-spy dump` (the OS names them all python3)."""
    out = subprocess.run(["py-spy", "dump", "-p", str(pid)], capture_output=True, text=True).stdout
    return dict(re.findall(r'^Thread (\d+) \([^)]*\): "([^"]*)"', out, re.M))


def perf(pid: int, seconds: int, load, out: Path) -> dict[str, list[Share]]:
    """perf's shares of `pid`'s CPU samples by thread, shared object and symbol while `load()` runs."""
    names = thread_names(pid) if shutil.which("py-spy") else {}
    recorder = subprocess.Popen(["perf", "record", "-q", "-F", str(PERF_HZ), "-p", str(pid), "-o", str(out),
                                 "--", "sleep", str(seconds)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    load()
    _, err = recorder.communicate(timeout=seconds + 60)
    if recorder.returncode != 0:
        raise SystemExit(f"perf record failed ({recorder.returncode}): {err[-1500:]}")

    def report(sort):
        return subprocess.run(["perf", "report", "-i", str(out), "--stdio", "-q", "--sort", sort],
                              capture_output=True, text=True, check=True).stdout
    threads = [Share(names.get(s.what.split(":")[0], s.what), s.fraction) for s in summarize_perf(report("pid"))]
    return {"CPU by thread": threads, "CPU by shared object": summarize_perf(report("dso")),
            "CPU by symbol": summarize_perf(report("dso,sym"))}


def summarize_strace(table: str, requests: int, top: int = TOP) -> list[Share]:
    """`strace -c` rows as system calls per request (`what` is the call, `fraction` the count)."""
    rows = []
    for line in table.splitlines():
        cells = line.split()
        if len(cells) >= 5 and cells[0].replace(".", "").isdigit() and cells[-1] != "total":
            rows.append(Share(cells[-1], int(cells[3]) / max(requests, 1)))
    return sorted(rows, key=lambda s: -s.fraction)[:top]


def strace(pid: int, seconds: int, load, out: Path) -> list[Share]:
    """System calls per request of `pid` (all threads) while `load()` runs; `load` returns a Load."""
    tracer = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)   # attached
    done = load()
    tracer.send_signal(signal.SIGINT)
    tracer.wait(30)
    return summarize_strace(out.read_text(), done.requests)


def available() -> list[str]:
    """Which profilers are installed (py-spy: pip install py-spy; apt-get install linux-perf strace)."""
    return [tool for tool in ("py-spy", "perf", "strace") if shutil.which(tool)]


def render(profile: Profile) -> str:
    lines = [f"{profile.title}" + (f" ({profile.samples} samples)" if profile.samples else "")]
    for heading, shares in profile.parts.items():
        lines.append(f"  {heading}:")
        if heading.startswith("system calls"):
            lines += [f"    {s.fraction:6.2f}  {s.what}" for s in shares]
        else:
            lines += [f"    {s.fraction:6.1%}  {s.what}" for s in shares]
    return "\n".join(lines)
