"""Facts about immutable things (an image id never changes meaning), remembered on disk
under $HEROSIM_HOME/cache so a build does not ask twice."""

from __future__ import annotations

from collections.abc import Callable

from herosim import paths
from herosim.errors import StateError
from herosim.platform import jsonfile


def remembered(table: str, key: str, compute: Callable[[], object]):
    """compute() once per key, ever; the answer is kept in cache/<table>.json."""
    path = paths.cache_dir() / f"{table}.json"
    try:
        known = jsonfile.read(path, {})
    except StateError:  # a cache can always be rebuilt
        known = {}
    if key in known:
        return known[key]
    value = compute()
    known[key] = value
    jsonfile.write(path, known)
    return value
