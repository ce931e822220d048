"""Dynamic mapping as Elasticsearch does it, and documents flattened to field values (pure)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from searchlite import limits
from searchlite.errors import SearchError

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
        if DATE_RE.match(value) and to_millis(value) is not None:
            return {"type": "date"}
        return {"type": "text", "fields": dict(KEYWORD_SUBFIELD)}
    if isinstance(value, dict):
        return {"properties": {}}
    if isinstance(value, list):
        for item in flat(value):
            found = infer(item)
            if found:
                return found
    return None


def flat(values: list) -> Iterator:
    """The items of a list with nested lists opened, as Elasticsearch indexes [[1, 2], [3]]."""
    stack = [iter(values)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            yield item
        else:
            stack.pop()


@dataclass
class Budget:
    """What the new fields of one document may add to the mapping (Elasticsearch counts them
    while it parses, DocumentParserContext.addDynamicMapper)."""
    existing: int
    settings: dict = field(default_factory=dict)
    added: int = 0
    nested_docs: int = 0

    def __post_init__(self):
        self.settings = limits.flatten(self.settings)

    def new_field(self, path: str, size: int) -> None:
        self._check_name(path)
        total = limits.limit(self.settings, limits.TOTAL_FIELDS)
        if self.existing + self.added + size > total:
            raise limits.total_fields_exceeded(total, self.added + size)
        self.added += size

    def new_object(self, path: str) -> None:
        depth = limits.limit(self.settings, limits.DEPTH)
        if path.count(".") + 2 > depth:
            raise limits.depth_exceeded(depth, path)
        self.new_field(path, 1)

    def nested(self, count: int) -> None:
        self.nested_docs += count
        maximum = limits.limit(self.settings, limits.NESTED_OBJECTS)
        if self.nested_docs > maximum:
            raise limits.nested_objects_exceeded(maximum)

    def _check_name(self, path: str) -> None:
        name = path.rpartition(".")[2]
        maximum = limits.limit(self.settings, limits.FIELD_NAME_LENGTH)
        if len(name) > maximum:
            raise limits.field_name_too_long(name, maximum)


def merge_dynamic(mapping: dict, source: dict, settings: dict | None = None) -> dict | None:
    """The mapping with the fields seen for the first time added (within the limits of the
    index's `settings`), or None when the document adds none. The given mapping is never
    changed: a document refused adds nothing."""
    if not _merge(mapping.get("properties") or {}, source, "", None):
        return None
    merged = copy.deepcopy(mapping)
    _merge(merged.setdefault("properties", {}), source, "", Budget(count_fields(mapping), settings or {}))
    return merged


def _merge(properties: dict, source: dict, prefix: str, budget: Budget | None) -> bool:
    """Walks the document along the mapping; without a budget only tells whether a field is new."""
    changed = False
    for key, value in source.items():
        key, value = _expand_dots(prefix, key, value)
        path = prefix + key
        spec = properties.get(key)
        objects = [value] if isinstance(value, dict) else \
            [v for v in flat(value) if isinstance(v, dict)] if isinstance(value, list) else []
        if objects and (spec is None or "properties" in spec or spec.get("type") in ("object", "nested")):
            if spec is None:
                if budget is None:
                    return True
                budget.new_object(path)
                spec = properties[key] = {"properties": {}}
                changed = True
            if spec.get("type") == "nested" and budget is not None:
                budget.nested(len(objects))
            inner = spec.get("properties") or {}
            for item in objects:
                if _merge(inner, item, path + ".", budget):
                    if budget is None:
                        return True
                    spec["properties"] = inner
                    changed = True
            continue
        if spec is None:
            found = infer(value)
            if found:
                if budget is None:
                    return True
                budget.new_field(path, 1 + len(found.get("fields", {})))
                properties[key] = found
                changed = True
    return changed


def _expand_dots(prefix: str, key: str, value) -> tuple[str, object]:
    """Elasticsearch's field names: "a.b" is field b of object a; empty names are refused."""
    if not key:
        raise SearchError(400, "illegal_argument_exception", "Field name cannot be an empty string")
    if not key.strip():
        raise SearchError(400, "document_parsing_exception",
                          f"[1:1] Field name cannot contain only whitespace: [{prefix}{key}]")
    if "." not in key:
        return key, value
    parts = key.split(".")
    if any(not part.strip() for part in parts):
        raise SearchError(400, "illegal_argument_exception", "object field starting or ending with a [.] makes "
                          f"object resolution ambiguous: [{prefix}{key}]")
    for part in reversed(parts[1:]):
        value = {part: value}
    return parts[0], value


def count_fields(mapping: dict) -> int:
    """Fields as index.mapping.total_fields.limit counts them: fields, multi-fields, objects
    and runtime fields."""
    total, stack = len(mapping.get("runtime") or {}), [mapping.get("properties") or {}]
    while stack:
        for spec in stack.pop().values():
            total += 1
            if isinstance(spec, dict) and ("properties" in spec or spec.get("type") in ("object", "nested")):
                stack.append(spec.get("properties") or {})
            elif isinstance(spec, dict):
                total += len(spec.get("fields") or {})
    return total


def check_mapping(mapping: dict, settings: dict) -> None:
    """An explicit mapping (create index, PUT _mapping) within the index's limits, as
    MappingLookup.checkLimits refuses it; walked without recursion, whatever its depth."""
    total = limits.limit(settings, limits.TOTAL_FIELDS)
    if count_fields(mapping) > total:
        raise limits.total_fields_exceeded(total)
    depth, name_length = limits.limit(settings, limits.DEPTH), limits.limit(settings, limits.FIELD_NAME_LENGTH)
    nested, stack = 0, [("", mapping.get("properties") or {})]
    while stack:
        prefix, properties = stack.pop()
        if not isinstance(properties, dict):
            raise SearchError(400, "mapper_parsing_exception", f"Expected map for property [properties] on field "
                              f"[{prefix.rstrip('.') or '_doc'}] but got a {type(properties).__name__}")
        for name, spec in properties.items():
            if not isinstance(spec, dict):
                raise SearchError(400, "mapper_parsing_exception",
                                  f"Expected map for property [fields] on field [{prefix}{name}] but got a "
                                  f"class java.lang.String")
            if len(name) > name_length:
                raise limits.field_name_too_long(name, name_length)
            if "properties" in spec or spec.get("type") in ("object", "nested"):
                if (prefix + name).count(".") + 2 > depth:
                    raise limits.depth_exceeded(depth, prefix + name)
                nested += spec.get("type") == "nested"
                stack.append((prefix + name + ".", spec.get("properties") or {}))
    maximum = limits.limit(settings, limits.NESTED_FIELDS)
    if nested > maximum:
        raise limits.nested_fields_exceeded(maximum)


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
    """(dotted path, value) for every leaf, lists (and lists of lists) expanded."""
    for key, value in source.items():
        path = prefix + key
        if isinstance(value, dict):
            yield from leaves(value, path + ".")
        elif isinstance(value, list):
            for item in flat(value):
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
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
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
