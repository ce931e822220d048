"""Dynamic mapping as Elasticsearch does it, and documents flattened to field values (pure)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
KEYWORD_SUBFIELD = {"keyword": {"type": "keyword", "ignore_above": 256}}
TEXT_TYPES = {"text", "match_only_text", "search_as_you_type"}
NUMERIC_TYPES = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float",
                 "unsigned_long"}


def infer(value) -> dict | None:
    """The mapping Elasticsearch's dynamic mapping gives a JSON value."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "long"}
    if isinstance(value, float):
        return {"type": "float"}
    if isinstance(value, str):
        if DATE_RE.match(value):
            return {"type": "date"}
        return {"type": "text", "fields": dict(KEYWORD_SUBFIELD)}
    if isinstance(value, dict):
        return {"properties": {}}
    if isinstance(value, list):
        for item in value:
            found = infer(item)
            if found:
                return found
    return None


def merge_dynamic(mapping: dict, source: dict) -> bool:
    """Add mappings for fields seen for the first time; True when something was added."""
    changed = False
    properties = mapping.setdefault("properties", {})
    for key, value in source.items():
        if isinstance(value, dict):
            if key not in properties:
                properties[key] = {"properties": {}}
                changed = True
            if "properties" in properties[key]:
                changed |= merge_dynamic(properties[key], value)
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            if key not in properties:
                properties[key] = {"properties": {}}
                changed = True
            for item in value:
                changed |= merge_dynamic(properties[key], item)
            continue
        if key not in properties:
            found = infer(value)
            if found:
                properties[key] = found
                changed = True
    return changed


def field_types(mapping: dict, prefix: str = "") -> dict[str, str]:
    """Every leaf field (and multi-field such as title.keyword) with its type."""
    out = {}
    for name, spec in (mapping.get("properties") or {}).items():
        path = prefix + name
        if "properties" in spec:
            out.update(field_types(spec, path + "."))
            continue
        out[path] = spec.get("type", "object")
        for sub, subspec in (spec.get("fields") or {}).items():
            out[f"{path}.{sub}"] = subspec.get("type", "keyword")
    return out


def leaves(source: dict, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(dotted path, value) for every leaf, lists expanded."""
    for key, value in source.items():
        path = prefix + key
        if isinstance(value, dict):
            yield from leaves(value, path + ".")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from leaves(item, path + ".")
                elif item is not None:
                    yield path, item
        elif value is not None:
            yield path, value


def to_millis(value) -> float | None:
    """A date (ISO string or epoch millis) as epoch milliseconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not DATE_RE.match(value.strip()):
        return None
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp() * 1000


def to_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def keyword_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def deep_merge(into: dict, extra: dict) -> dict:
    """Objects merged key by key, other values replaced (partial updates, mapping updates)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            deep_merge(into[key], value)
        else:
            into[key] = value
    return into
