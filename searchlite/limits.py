"""Elasticsearch's own limits, with its defaults, setting names and sentences (pure).

Each bounds what one request may cost: the fields a mapping may hold, the depth of objects
and of queries, the terms and clauses of a query, the page of hits, the bytes of a body."""

from __future__ import annotations

import json
import os
import re

from searchlite.errors import SearchError, illegal

TOTAL_FIELDS = ("mapping.total_fields.limit", 1000)
DEPTH = ("mapping.depth.limit", 20)
NESTED_FIELDS = ("mapping.nested_fields.limit", 50)
NESTED_OBJECTS = ("mapping.nested_objects.limit", 10000)
FIELD_NAME_LENGTH = ("mapping.field_name_length.limit", 2**63 - 1)
MAX_TERMS = ("max_terms_count", 65536)
MAX_RESULT_WINDOW = ("max_result_window", 10000)
MAX_NESTED_QUERY_DEPTH = 30        # indices.query.bool.max_nested_depth (a node setting)
MAX_JSON_DEPTH = 1000              # Jackson's StreamReadConstraints.getMaxNestingDepth()
MAX_CONTENT = 100 * 1024 * 1024    # http.max_content_length
IN_FLIGHT_LIMIT = 512 * 1024 * 1024  # network.breaker.inflight_requests.limit: 100% of the add-on's 512 MB heap
HEAP_MB = 512                      # the heap herosim gives the real engine (addons/search.py)


def flatten(settings: dict, prefix: str = "") -> dict:
    """Settings as Elasticsearch keeps them: one dotted key per value, without "index."."""
    out = {}
    for key, value in (settings or {}).items():
        name = prefix + str(key)
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name[6:] if name.startswith("index.") else name] = value
    return out


def nest(flat: dict) -> dict:
    """Dotted settings as GET _settings shows them (flat_settings=false)."""
    out: dict = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else node
        node[last] = value
    return out


def setting(settings: dict, key: str, default: int) -> int:
    """An index setting, given nested ({"mapping": {"depth": {"limit": 5}}}) or dotted
    ("mapping.depth.limit", "index.mapping.depth.limit"), as Elasticsearch accepts both."""
    value = flatten(settings).get(key)
    return default if value is None else _integer(key, value)


def _integer(key: str, value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise illegal(f"Failed to parse value [{value}] for setting [index.{key}]") from None


def limit(settings: dict, which: tuple[str, int]) -> int:
    return setting(settings, which[0], which[1])


def max_clause_count(processors: int | None = None, heap_mb: int = HEAP_MB) -> int:
    """IndexSearcher's maxClauseCount as Elasticsearch 8 sets it at start (SearchUtils):
    64 clauses per MB of heap, shared by the search thread pool ((processors * 3) / 2 + 1),
    never below 1024. On the add-on's 512 MB heap and 2 processors: 8192."""
    processors = processors or os.cpu_count() or 1
    pool = (processors * 3) // 2 + 1
    return max(1024, heap_mb * 64 // pool)


MAX_CLAUSES = max_clause_count()


def total_fields_exceeded(total: int, added: int = 0) -> SearchError:
    return illegal(f"Limit of total fields [{total}] has been exceeded"
                   + (f" while adding new fields [{added}]" if added > 0 else ""))


def depth_exceeded(depth: int, path: str) -> SearchError:
    return illegal(f"Limit of mapping depth [{depth}] has been exceeded due to object field [{path}]")


def nested_fields_exceeded(nested: int) -> SearchError:
    return illegal(f"Limit of nested fields [{nested}] has been exceeded")


def nested_objects_exceeded(nested: int) -> SearchError:
    return illegal(f"The number of nested documents has exceeded the allowed limit of [{nested}]. This limit "
                   "can be set by changing the [index.mapping.nested_objects.limit] index level setting.")


def field_name_too_long(name: str, length: int) -> SearchError:
    return illegal(f"Field name [{name}] is longer than the limit of [{length}] characters")


def too_many_terms(count: int, maximum: int) -> SearchError:
    return illegal(f"The number of terms [{count}] used in the Terms Query request has exceeded the allowed "
                   f"maximum of [{maximum}]. This maximum can be set by changing the [index.max_terms_count] "
                   "index level setting.")


def result_window(window: int, maximum: int) -> SearchError:
    return illegal(f"Result window is too large, from + size must be less than or equal to: [{maximum}] but was "
                   f"[{window}]. See the scroll api for a more efficient way to request large data sets. This "
                   "limit can be set by changing the [index.max_result_window] index level setting.")


def nested_query_depth() -> SearchError:
    return illegal("The nested depth of the query exceeds the maximum nested depth for queries set in "
                   "[indices.query.bool.max_nested_depth]")


def json_too_deep(depth: int) -> SearchError:
    return SearchError(400, "x_content_parse_exception",
                       f"[1:1] Document nesting depth ({depth}) exceeds the maximum allowed ({MAX_JSON_DEPTH}, "
                       "from `StreamReadConstraints.getMaxNestingDepth()`)")


def byte_size(value: int) -> str:
    """ByteSizeValue.toString(): the largest unit, one decimal kept only when not zero (cut, not rounded)."""
    for suffix, power in (("pb", 5), ("tb", 4), ("gb", 3), ("mb", 2), ("kb", 1)):
        if value >= 1024 ** power:
            scaled = value / 1024 ** power
            tenths = int(scaled * 10) % 10
            return f"{int(scaled)}{'.' + str(tenths) if tenths else ''}{suffix}"
    return f"{value}b"


def in_flight_breaker(wanted: int, limit_bytes: int = IN_FLIGHT_LIMIT) -> SearchError:
    return SearchError(429, "circuit_breaking_exception",
                       f"[in_flight_requests] Data too large, data for [<http_request>] would be "
                       f"[{wanted}/{byte_size(wanted)}], which is larger than the limit of "
                       f"[{limit_bytes}/{byte_size(limit_bytes)}]",
                       bytes_wanted=wanted, bytes_limit=limit_bytes, durability="TRANSIENT")


JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_depth_exceeds(text: str, maximum: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `maximum`; one linear pass, and none
    at all when the text has too few brackets to nest that deep."""
    if text.count("[") + text.count("{") <= maximum:
        return False
    depth = 0
    for match in JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > maximum:
                return True
        elif token in "]}":
            depth -= 1
    return False


def _non_standard(token: str):
    raise SearchError(400, "x_content_parse_exception",
                      f"[1:1] Non-standard token '{token}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` "
                      "to allow")


DECODER = json.JSONDecoder(parse_constant=_non_standard)


def parse_json(raw: bytes | str):
    """A JSON body, refused as Elasticsearch's parser refuses it: malformed, or nested past
    Jackson's 1000 levels (every walk of a parsed body is then bounded too)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise SearchError(400, "x_content_parse_exception", f"[1:1] Invalid UTF-8 start byte: {exc.reason}") from None
    if json_depth_exceeds(text):
        raise json_too_deep(MAX_JSON_DEPTH + 1)
    try:
        return DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise SearchError(400, "x_content_parse_exception",
                          f"[{exc.lineno}:{exc.colno}] Unexpected character: {exc.msg}") from None
    except RecursionError:  # only where the interpreter's recursion limit is below Jackson's depth
        raise json_too_deep(MAX_JSON_DEPTH + 1) from None
