"""Metrics kept at Heroku's resolutions for its windows (Dev Center "Metrics", Data
Resolution): 1 minute for the past 2 hours, 10 minutes for the past 24 hours and the two days
before it, 1 hour for the past 72 hours, 2 hours for the past 7 days. Each tier is a ring of
buckets per process type, so what is kept is bounded (120 + 432 + 72 + 84 buckets a type)
whatever the traffic. Time comes from the caller (epoch seconds): tests use a fake clock."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from herosim.metrics import histogram

MAX_TYPES = 16      # process types kept (a Procfile rarely has more)
MAX_EVENTS = 500
EVENTS_SPAN = 7 * 86400


@dataclass(frozen=True)
class Tier:
    name: str
    resolution: int   # seconds per bucket
    count: int        # buckets kept

    @property
    def span(self) -> int:
        return self.resolution * self.count


TIERS = (Tier("1m", 60, 120), Tier("10m", 600, 432), Tier("1h", 3600, 72), Tier("2h", 7200, 84))


def status_class(status: int | None) -> str | None:
    return f"{status // 100}xx" if status and 100 <= status < 600 else None


class Bucket:
    """One resolution step of one process type."""
    __slots__ = ("status", "hist", "max_ms", "mem", "load", "errors")

    def __init__(self):
        self.status: dict[str, int] = {}
        self.hist: dict[int, int] = {}
        self.max_ms = 0
        # n, Σtotal, max total, Σrss, max rss, Σswap, max swap, quota (MB)
        self.mem = [0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        self.load = [0, 0.0, 0.0]                          # n, Σload, max load
        self.errors: dict[str, int] = {}

    def merge(self, other: "Bucket") -> None:
        for key, count in other.status.items():
            self.status[key] = self.status.get(key, 0) + count
        histogram.merge(self.hist, other.hist)
        self.max_ms = max(self.max_ms, other.max_ms)
        m, o = self.mem, other.mem
        self.mem = [m[0] + o[0], m[1] + o[1], max(m[2], o[2]), m[3] + o[3], max(m[4], o[4]), m[5] + o[5],
                    max(m[6], o[6]), max(m[7], o[7])]
        self.load = [self.load[0] + other.load[0], self.load[1] + other.load[1], max(self.load[2], other.load[2])]
        for key, count in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + count

    def to_list(self) -> list:
        return [self.status, {str(k): v for k, v in self.hist.items()}, self.max_ms, self.mem, self.load, self.errors]

    @classmethod
    def from_list(cls, data: list) -> "Bucket":
        bucket = cls()
        bucket.status = {str(k): int(v) for k, v in data[0].items()}
        bucket.hist = {int(k): int(v) for k, v in data[1].items()}
        bucket.max_ms = int(data[2])
        bucket.mem = [float(x) for x in data[3]]
        bucket.load = [float(x) for x in data[4]]
        bucket.errors = {str(k): int(v) for k, v in data[5].items()}
        return bucket


class Rollups:
    def __init__(self):
        # tier name -> process type -> bucket start (epoch s) -> Bucket
        self.tiers: dict[str, dict[str, dict[int, Bucket]]] = {t.name: {} for t in TIERS}
        self.events: deque[dict] = deque(maxlen=MAX_EVENTS)

    # -- observations ---------------------------------------------------------------------------
    def request(self, when: float, status: int | None, service_ms: int | None, code: str | None = None) -> None:
        """A router line of a web request (H-codes included: the router answered it)."""
        cls = status_class(status)
        key = histogram.bin_of(service_ms) if service_ms is not None else None
        for bucket in self._buckets(when, "web"):
            if cls:
                bucket.status[cls] = bucket.status.get(cls, 0) + 1
            if key is not None and service_ms is not None:   # (key is None exactly when service_ms is)
                bucket.hist[key] = bucket.hist.get(key, 0) + 1
                if service_ms > bucket.max_ms:
                    bucket.max_ms = service_ms
            if code:
                bucket.errors[code] = bucket.errors.get(code, 0) + 1

    def memory(self, when: float, process_type: str, total: float, rss: float, swap: float, quota: float) -> None:
        """One dyno's sample, in MB."""
        for bucket in self._buckets(when, process_type):
            m = bucket.mem
            bucket.mem = [m[0] + 1, m[1] + total, max(m[2], total), m[3] + rss, max(m[4], rss), m[5] + swap,
                          max(m[6], swap), max(m[7], quota)]

    def load(self, when: float, process_type: str, value: float) -> None:
        for bucket in self._buckets(when, process_type):
            bucket.load = [bucket.load[0] + 1, bucket.load[1] + value, max(bucket.load[2], value)]

    def error(self, when: float, process_type: str, code: str) -> None:
        for bucket in self._buckets(when, process_type):
            bucket.errors[code] = bucket.errors.get(code, 0) + 1

    def event(self, when: float, kind: str, text: str, process_type: str = "") -> None:
        """A deploy, config change, restart, crash or scaling, marked on the timeline."""
        self.events.append({"t": round(when, 3), "kind": kind, "text": text, "type": process_type})
        while self.events and self.events[0]["t"] < when - EVENTS_SPAN:
            self.events.popleft()

    # -- reading ----------------------------------------------------------------------------------
    def buckets(self, tier: str, process_type: str) -> dict[int, Bucket]:
        return self.tiers[tier].get(process_type, {})

    def process_types(self) -> list[str]:
        found = {ptype for tier in self.tiers.values() for ptype in tier}
        return sorted(found, key=lambda t: (t != "web", t))

    def _buckets(self, when: float, process_type: str) -> list[Bucket]:
        found = []
        for tier in TIERS:
            types = self.tiers[tier.name]
            ring = types.get(process_type)
            if ring is None:
                if len(types) >= MAX_TYPES:
                    continue
                ring = types[process_type] = {}
            start = int(when) // tier.resolution * tier.resolution
            bucket = ring.get(start)
            if bucket is None:
                bucket = ring[start] = Bucket()
                for old in [s for s in ring if s <= start - tier.span]:
                    del ring[old]
            found.append(bucket)
        return found

    # -- on disk ------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"version": 1,
                "tiers": {name: {ptype: {str(start): b.to_list() for start, b in ring.items()}
                                 for ptype, ring in types.items()} for name, types in self.tiers.items()},
                "events": list(self.events)}

    @classmethod
    def from_dict(cls, data: dict) -> "Rollups":
        rollups = cls()
        if not isinstance(data, dict) or data.get("version") != 1:
            return rollups
        for name, types in (data.get("tiers") or {}).items():
            if name in rollups.tiers:
                rollups.tiers[name] = {ptype: {int(start): Bucket.from_list(b) for start, b in ring.items()}
                                       for ptype, ring in types.items()}
        rollups.events.extend(data.get("events") or [])
        return rollups
