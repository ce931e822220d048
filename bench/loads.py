"""Load and what it costs: a `wrk` run (requests per second, p50/p99) and the CPU time the
processes serving it spent, read from /proc before and after (a proxy's CPU time per request
is a steadier figure than its requests per second on a shared machine)."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Load:
    rps: float
    p50: float          # ms
    p99: float          # ms
    requests: int
    non2xx: int
    errors: int         # socket errors: connect, read, write, timeout
    cpu_us: float       # CPU microseconds the watched processes spent per request (0 when none watched)


def _ms(out: str, label: str) -> float:
    match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def parse_wrk(out: str) -> tuple[float, float, float, int, int, int]:
    """(rps, p50 ms, p99 ms, requests, non-2xx/3xx, socket errors) from `wrk --latency` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(int(n) for n in sock.groups()) if sock else 0
    return rps, _ms(out, "50%"), _ms(out, "99%"), requests, int(non2xx.group(1)) if non2xx else 0, errors


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (all their threads) so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def wrk(url: str, seconds: int, connections: int, watch: list[int] | None = None) -> Load:
    before = cpu_seconds(watch or [])
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    spent = cpu_seconds(watch or []) - before
    rps, p50, p99, requests, non2xx, errors = parse_wrk(out)
    return Load(rps, p50, p99, requests, non2xx, errors, spent * 1e6 / requests if watch and requests else 0.0)


def children(pid: int) -> list[int]:
    """`pid` and its direct children (nginx's master and its workers)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def find_process(*words: str) -> int | None:
    """The pid of the process whose command line holds all of `words` (arguments, in order)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = [a.decode(errors="replace") for a in argv]
        if all(w in text for w in words):
            return int(entry.name)
    return None


def median_load(loads: list[Load]) -> Load:
    """Each figure's median over the rounds (figure by figure, as the bench always did)."""
    return Load(*(statistics.median(getattr(x, f) for x in loads) for f in Load.__dataclass_fields__))
