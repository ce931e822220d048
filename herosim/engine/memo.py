"""Facts about immutable things (an image id never changes meaning), remembered on disk
under $HEROSIM_HOME/cache so a build does not ask twice."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from herosim.platform.state import home


def remembered(table: str, key: str, compute: Callable[[], object]):
    """compute() once per key, ever; the answer is kept in cache/<table>.json."""
    path = home() / "cache" / f"{table}.json"
    try:
        known = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        known = {}
    if key in known:
        return known[key]
    value = compute()
    known[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(known))
    os.replace(tmp, path)
    return value
