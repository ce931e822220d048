"""One window of the Metrics tab, as data: the points of each chart at the window's
resolution, the window's summary, and the events on its timeline. `herosim metrics --json`
prints it and the dashboard draws it, so both show the same figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from herosim.metrics import histogram
from herosim.metrics.rollup import TIERS, Bucket, Rollups

# Heroku's windows: (tier, how far back it starts, how far back it ends), in seconds
WINDOWS = {"2h": ("1m", 7200, 0), "24h": ("10m", 86400, 0), "48h-24h": ("10m", 172800, 86400),
           "72h-48h": ("10m", 259200, 172800), "72h": ("1h", 259200, 0), "7d": ("2h", 604800, 0)}
CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


@dataclass(frozen=True)
class Window:
    name: str
    tier: str
    resolution: int
    start: int
    end: int


def window(name: str, now: float) -> Window:
    tier_name, back, until = WINDOWS[name]
    tier = next(t for t in TIERS if t.name == tier_name)
    end = int(now - until) // tier.resolution * tier.resolution + tier.resolution
    return Window(name, tier.name, tier.resolution, end - back, end)


def iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def figures(bucket: Bucket, minutes: float) -> dict:
    """What one bucket (or a whole window merged into one) shows."""
    requests = sum(bucket.status.values())
    mem_n, load_n = bucket.mem[0], bucket.load[0]
    return {
        "requests": requests,
        "throughput_rpm": {c: _round(bucket.status.get(c, 0) / minutes) for c in CLASSES},
        "status": {c: bucket.status.get(c, 0) for c in CLASSES},
        "response_time_ms": {"p50": histogram.percentile(bucket.hist, 0.50, bucket.max_ms),
                             "p95": histogram.percentile(bucket.hist, 0.95, bucket.max_ms),
                             "p99": histogram.percentile(bucket.hist, 0.99, bucket.max_ms),
                             "max": bucket.max_ms if bucket.hist else None},
        "memory_mb": {"total_mean": _round(bucket.mem[1] / mem_n) if mem_n else None,
                      "total_max": _round(bucket.mem[2]) if mem_n else None,
                      "rss_mean": _round(bucket.mem[3] / mem_n) if mem_n else None,
                      "swap_mean": _round(bucket.mem[5] / mem_n) if mem_n else None,
                      "quota": _round(bucket.mem[7]) if mem_n else None},
        "load": {"mean": _round(bucket.load[1] / load_n) if load_n else None,
                 "max": _round(bucket.load[2]) if load_n else None},
        "errors": dict(sorted(bucket.errors.items())),
    }


def build(rollups: Rollups, name: str, process_type: str, now: float, updated_at: float | None = None) -> dict:
    if name not in WINDOWS:
        raise KeyError(name)
    win = window(name, now)
    ring = rollups.buckets(win.tier, process_type)
    minutes = win.resolution / 60
    points, whole = [], Bucket()
    for start in range(win.start, win.end, win.resolution):
        bucket = ring.get(start)
        if bucket is not None:
            whole.merge(bucket)
        points.append({"t": iso(start), **figures(bucket or Bucket(), minutes)})
    summary = figures(whole, (win.end - win.start) / 60)
    events = [{**e, "t": iso(e["t"])} for e in rollups.events if win.start <= e["t"] < win.end]
    return {"window": name, "resolution_s": win.resolution, "process_type": process_type,
            "process_types": rollups.process_types() or ["web"], "start": iso(win.start), "end": iso(win.end),
            "updated_at": iso(updated_at) if updated_at else None, "summary": summary, "events": events,
            "points": points}


def of_app(state, name: str = "2h", process_type: str = "web", now: float | None = None) -> dict:
    """The window for an app, from what its dyno manager last wrote."""
    import time

    from herosim.metrics.collector import FILE, load
    rollups, updated_at = load(state.path(FILE))
    return {"app": state.app, **build(rollups, name, process_type, time.time() if now is None else now, updated_at)}
