"""A dyno's memory use against its quota: R14 above it, R15 at twice it
(Dev Center: dyno-memory-behavior, error-codes)."""

from __future__ import annotations

from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def usage_line(used: int, quota_mb: int) -> str:
    """`Process running mem=612M(119.6%)`"""
    mb = used / (1024 * 1024)
    return f"Process running mem={mb:.0f}M({100 * mb / quota_mb:.1f}%)"


def cgroup_usage(pid: int) -> int | None:
    """Bytes in use by the cgroup of host process `pid`, as `docker stats` counts them
    (usage minus inactive page cache); None when this host cannot see it."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        found = None
        if controllers == "":  # cgroup v2 (on a hybrid host it may lack the memory controller)
            found = _usage(CGROUP_ROOT / path.lstrip("/"), "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):
            found = _usage(CGROUP_ROOT / "memory" / path.lstrip("/"), "memory.usage_in_bytes",
                           "total_inactive_file")
        if found is not None:
            return found
    return None


def _stat(path: Path) -> dict[str, int]:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if value.isdigit():
            out[key] = int(value)
    return out


def _usage(base: Path, usage_file: str, inactive_key: str) -> int | None:
    try:
        usage = int((base / usage_file).read_text())
        inactive = _stat(base / "memory.stat").get(inactive_key, 0)
    except (OSError, ValueError):
        return None
    return max(usage - inactive, 0)


def stats_usage(container) -> int | None:
    """The same figure through the Docker API (remote engines); slower."""
    try:
        stats = container.stats(stream=False)
    except Exception:  # noqa: BLE001 - a vanished container has no stats
        return None
    mem = stats.get("memory_stats") or {}
    usage = mem.get("usage")
    if usage is None:
        return None
    inner = mem.get("stats") or {}
    return max(usage - inner.get("total_inactive_file", inner.get("inactive_file", 0)), 0)
