"""`ps:scale` arguments and the formation's text (pure)."""

from __future__ import annotations

import re

from herosim.errors import HerosimError
from herosim.platform.sizes import APP_DYNO_LIMIT, DEFAULT_SIZE, ECO_DYNO_LIMIT, SIZES

SCALE_RE = re.compile(r"^(?P<type>[A-Za-z0-9_-]+?)(?P<op>[=+-])(?P<count>\d+)?(?::(?P<size>[A-Za-z0-9-]+))?$")


def parse_scale(args: list[str], current: dict[str, int], types: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """New counts and sizes from `web=2 worker+1 clock-1 web=1:standard-2x`."""
    counts: dict[str, int] = {}
    sizes: dict[str, str] = {}
    for arg in args:
        match = SCALE_RE.match(arg)
        if not match or (match["count"] is None and match["op"] != "="):
            raise HerosimError(f"Invalid argument: {arg}",
                               hint="use TYPE=N, TYPE+N or TYPE-N (optionally :SIZE), e.g. web=2 worker+1")
        kind = match["type"]
        if kind not in types:
            raise HerosimError(f"Couldn't find that process type ({kind}).",
                               hint=f"the Procfile declares: {', '.join(types) or 'nothing'}")
        if match["size"]:
            if match["size"].lower() not in SIZES:
                raise HerosimError(f"Unknown dyno size {match['size']}", hint="sizes: " + ", ".join(SIZES))
            sizes[kind] = match["size"].lower()
        if match["count"] is None:
            continue
        base = counts.get(kind, current.get(kind, 0))
        number = int(match["count"])
        value = {"=": number, "+": base + number, "-": base - number}[match["op"]]
        counts[kind] = max(value, 0)
    return counts, sizes


def check(counts: dict[str, int], sizes: dict[str, str], default: str = DEFAULT_SIZE) -> None:
    """Refuse a formation past Heroku's limits, with the platform's message (Heroku's API:
    `Cannot update to more than 1 Basic size dynos per process type.`)."""
    for kind, count in sorted(counts.items()):
        size = SIZES[sizes.get(kind) or default]
        if count > size.per_type:
            bigger = "standard-1x" if size.per_type == 1 else "standard-2x"
            raise HerosimError(f"Cannot update to more than {size.per_type} {size.name} size dynos per process type.",
                               hint=f"a larger size first: herosim ps:scale {kind}={count}:{bigger}" if size.per_type
                               == 1 else "Heroku raises this limit on request only")
    if sum(counts.values()) > APP_DYNO_LIMIT:
        raise HerosimError(f"Cannot update to more than {APP_DYNO_LIMIT} dynos across all process types.",
                           hint="Heroku raises this limit on request only")
    eco = sum(n for kind, n in counts.items() if (sizes.get(kind) or default) == "eco")
    if eco > ECO_DYNO_LIMIT:
        raise HerosimError(f"Cannot update to more than {ECO_DYNO_LIMIT} Eco size dynos across all process types.",
                           hint="Eco apps run two dynos at most: scale another type to 0, or use basic")


def check_declared(declared: dict[str, tuple[int, str]]) -> None:
    """app.json's formation ({type: (quantity, size)}), against the same limits."""
    check({kind: quantity for kind, (quantity, _) in declared.items()},
          {kind: size for kind, (_, size) in declared.items()})


def describe(formation: dict[str, int], types: list[str], size_names: dict[str, str]) -> str:
    """`web at 2:Basic, worker at 1:Basic` (after a scale)."""
    return ", ".join(f"{t} at {formation.get(t, 0)}:{SIZES[size_names.get(t, 'basic')].name}" for t in types)


def listing(formation: dict[str, int], types: list[str], size_names: dict[str, str]) -> str:
    """`web=1:Basic worker=1:Basic` (ps:scale with no arguments)."""
    return " ".join(f"{t}={formation.get(t, 0)}:{SIZES[size_names.get(t, 'basic')].name}" for t in types)


def quantities(saved: dict[str, int] | None, types: list[str]) -> dict[str, int]:
    """How many dynos of each process type run: what `ps:scale` saved, else Heroku's default
    for a type it has not seen before: one web dyno, none of any other type."""
    saved = saved or {}
    return {t: saved.get(t, 1 if t == "web" else 0) for t in types}


def kept(saved: dict[str, int] | None, types: list[str]) -> dict[str, int]:
    """The saved formation after a release with these types: a type gone from the Procfile
    loses its entry (scaled to 0; back at Heroku's default if it returns)."""
    return {t: n for t, n in (saved or {}).items() if t in types}
