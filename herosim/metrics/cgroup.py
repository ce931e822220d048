"""A dyno's memory and runnable tasks, read from its container's cgroup through the host's
/proc and /sys (the engine runs here), cgroup v1 or v2.

v1's memory.stat has Heroku's own figures (rss, cache, swap, pgpgin, pgpgout in pages);
v2 has anon and file for rss and cache, memory.swap.current for swap, and no page-in/out
counters, so those read 0 there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC = Path("/proc")


@dataclass(frozen=True)
class Figures:
    rss: int      # bytes
    cache: int
    swap: int
    pgpgin: int   # pages
    pgpgout: int
    runnable: int  # tasks running or waiting for a CPU now


def cgroup_dirs(pid: int, root: Path = CGROUP_ROOT, proc: Path = PROC) -> tuple[Path | None, Path | None, bool]:
    """(memory folder, folder listing the tasks, is v2) of host process `pid`'s cgroup."""
    try:
        lines = (proc / str(pid) / "cgroup").read_text().splitlines()
    except OSError:
        return None, None, False
    memory = tasks = None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        rel = path.lstrip("/")
        if controllers == "" and (root / rel / "memory.stat").exists():
            return root / rel, root / rel, True
        names = controllers.split(",")
        if "memory" in names:
            memory = root / "memory" / rel
        if "pids" in names or ("cpu" in names and tasks is None):
            tasks = root / ("pids" if "pids" in names else controllers) / rel
    return memory, tasks or memory, False


def read(pid: int, root: Path = CGROUP_ROOT, proc: Path = PROC) -> Figures | None:
    memory, tasks, v2 = cgroup_dirs(pid, root, proc)
    if memory is None:
        return None
    try:
        stat = _stat(memory / "memory.stat")
    except OSError:
        return None
    if v2:
        swap = _int(memory / "memory.swap.current")
        figures = Figures(stat.get("anon", 0), stat.get("file", 0), swap, 0, 0, 0)
    else:
        figures = Figures(stat.get("total_rss", stat.get("rss", 0)), stat.get("total_cache", stat.get("cache", 0)),
                          stat.get("total_swap", stat.get("swap", 0)), stat.get("total_pgpgin", stat.get("pgpgin", 0)),
                          stat.get("total_pgpgout", stat.get("pgpgout", 0)), 0)
    return Figures(figures.rss, figures.cache, figures.swap, figures.pgpgin, figures.pgpgout,
                   runnable(tasks, v2, proc) if tasks else 0)


def runnable(folder: Path, v2: bool, proc: Path = PROC) -> int:
    """Threads of the cgroup in state R: the ready queue Heroku's load average counts."""
    try:
        ids = (folder / ("cgroup.threads" if v2 else "tasks")).read_text().split()
    except OSError:
        return 0
    count = 0
    for tid in ids:
        try:
            text = (proc / tid / "stat").read_text()
        except OSError:
            continue
        # `pid (comm) S …`: comm may hold spaces and parentheses, the state follows the last ')'
        if text[text.rfind(")") + 2:text.rfind(")") + 3] == "R":
            count += 1
    return count


def _stat(path: Path) -> dict[str, int]:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            out[key] = int(value)
    return out


def _int(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 0
