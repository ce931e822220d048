"""Response times as a histogram that merges: exact bins up to 15 ms, then eight bins per
doubling (a bin spans 9 %, so a percentile read at its midpoint is within 4.5 % of the true
value). Buckets of every resolution merge bins, so a 7-day p99 is as good as a minute's."""

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


def percentile(hist: dict[int, int], q: float, ceiling: int | None = None) -> int | None:
    """The nearest-rank q-quantile (0 < q ≤ 1), never above the largest value seen."""
    total = sum(hist.values())
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for key in sorted(hist):
        seen += hist[key]
        if seen >= rank:
            value = round(value_of(key))
            return min(value, ceiling) if ceiling is not None else value
    return None
