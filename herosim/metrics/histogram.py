"""Response times as a histogram that merges: exact bins up to 15 ms, then eight bins per
doubling (a bin spans 9 %, and a percentile is read within its bin, so it is off by less
than that). Buckets of every resolution merge bins, so a 7-day p99 is as good as a minute's."""

from __future__ import annotations

import math

EXACT = 16
PER_DOUBLING = 8


def bin_of(ms: int) -> int:
    if ms < EXACT:
        return max(ms, 0)
    return EXACT + int(PER_DOUBLING * math.log2(ms / EXACT))


def value_of(index: int) -> float:
    """The bin's representative value: itself when exact, else its geometric midpoint."""
    if index < EXACT:
        return float(index)
    return EXACT * 2 ** ((index - EXACT + 0.5) / PER_DOUBLING)


def add(hist: dict[int, int], ms: int, count: int = 1) -> None:
    key = bin_of(ms)
    hist[key] = hist.get(key, 0) + count


def merge(into: dict[int, int], other: dict[int, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


def edges(index: int) -> tuple[float, float]:
    if index < EXACT:
        return float(index), float(index)
    return EXACT * 2 ** ((index - EXACT) / PER_DOUBLING), EXACT * 2 ** ((index - EXACT + 1) / PER_DOUBLING)


def percentile(hist: dict[int, int], q: float, ceiling: int | None = None) -> int | None:
    """The nearest-rank q-quantile (0 < q ≤ 1), read by interpolating within its bin by rank,
    never above the largest value seen (so an H12's 30000 ms reads as 30000)."""
    total = sum(hist.values())
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for key in sorted(hist):
        if seen + hist[key] >= rank:
            low, high = edges(key)
            if ceiling is not None:
                high = max(low, min(high, ceiling))
            return round(low + (high - low) * (rank - seen) / hist[key])
        seen += hist[key]
    return None
