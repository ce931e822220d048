"""A search request: query, from/size, sort, _source, hits.total, as Elasticsearch answers it."""

from __future__ import annotations

import fnmatch
import heapq
import time

from searchlite import dsl, limits
from searchlite import mapping as mapping_mod
from searchlite.errors import ShardLevel, illegal, on_shard, parsing, unsupported
from searchlite.query import check_clauses
from searchlite.store import Index

UNSUPPORTED_KEYS = {"aggs": "aggregations", "aggregations": "aggregations", "highlight": "highlight",
                    "suggest": "suggest", "collapse": "collapse", "rescore": "rescore", "search_after": "search_after",
                    "explain": "explain", "script_fields": "script_fields", "docvalue_fields": "docvalue_fields",
                    "stored_fields": "stored_fields", "fields": "fields", "pit": "point in time",
                    "runtime_mappings": "runtime_mappings", "knn": "knn", "indices_boost": "indices_boost",
                    "seq_no_primary_term": "seq_no_primary_term", "version": "version in hits",
                    "slice": "slice", "profile": "profile"}
KNOWN_KEYS = {"query", "from", "size", "sort", "_source", "track_total_hits", "track_scores", "post_filter",
              "min_score", "timeout", "terminate_after"}
FIELDDATA = ("Text fields are not optimised for operations that require per-document field data like aggregations "
             "and sorting, so these operations are disabled by default. Please use a keyword field instead. "
             "Alternatively, set fielddata=true on [{0}] in order to load field data by uninverting the inverted "
             "index. Note that this can use significant memory.")


def check_body(body: dict) -> None:
    for key in body:
        if key in UNSUPPORTED_KEYS:
            raise unsupported(UNSUPPORTED_KEYS[key])
        if key not in KNOWN_KEYS:
            raise parsing(f"Unknown key for a START_OBJECT in [{key}]." if isinstance(body[key], dict)
                          else f"Unknown key for a VALUE_STRING in [{key}].")


def matches(indices: list[Index], body: dict) -> list[tuple[Index, int, float]]:
    """(index, rowid, score) of every hit, unordered."""
    out: list[tuple[Index, int, float]] = []
    for index in indices:
        try:
            node = _query(index, body.get("query"))
            kept_node = _query(index, body["post_filter"]) if body.get("post_filter") is not None else None
        except ShardLevel as error:
            raise on_shard(error, index.name, index.uuid) from None
        with index.lock:
            scores = node.run(index)
            if kept_node is not None:
                kept = kept_node.run(index)
                scores = {row: s for row, s in scores.items() if row in kept}
        minimum = body.get("min_score")
        out.extend((index, row, score) for row, score in scores.items()
                   if minimum is None or score >= float(minimum))
    return out


def _query(index: Index, query) -> dsl.Node:
    node = dsl.parse(query, index.types, index.settings)
    check_clauses(node, index.types, limits.MAX_CLAUSES)
    return node


def _integer(body: dict, key: str, default: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
        raise illegal(f"Failed to parse int parameter [{key}] with value [{value}]")
    return int(value)


def check_window(indices: list[Index], start: int, size: int) -> None:
    """index.max_result_window, checked by each shard for its own index."""
    for index in indices:
        maximum = limits.limit(index.settings, limits.MAX_RESULT_WINDOW)
        if start + size > maximum:
            raise on_shard(limits.result_window(start + size, maximum), index.name, index.uuid)


def sort_spec(raw) -> list[tuple[str, bool]]:
    """[(field, descending)] from Elasticsearch's sort forms."""
    if raw is None:
        return [("_score", True)]
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, str):
            name, _, order = item.partition(":")
            out.append((name, (order or ("desc" if name == "_score" else "asc")) == "desc"))
        elif isinstance(item, dict) and len(item) == 1:
            (name, spec), = item.items()
            given = spec if isinstance(spec, str) else (spec or {}).get("order")
            if isinstance(spec, dict) and set(spec) - {"order", "missing", "unmapped_type"}:
                raise unsupported(f"sort options {sorted(set(spec) - {'order', 'missing', 'unmapped_type'})}")
            out.append((name, (given or ("desc" if name == "_score" else "asc")) == "desc"))
        else:
            raise parsing("malformed sort")
    return out


def run(indices: list[Index], body: dict, count_only: bool = False) -> dict:
    started = time.perf_counter()
    body = body or {}
    check_body(body)
    size = _integer(body, "size", 10)
    start = _integer(body, "from", 0)
    if size < 0 or start < 0:
        raise illegal("[from] parameter cannot be negative" if start < 0 else "[size] parameter cannot be negative")
    if not count_only:
        check_window(indices, start, size)
    found = matches(indices, body)
    if count_only:
        return {"count": len(found), "_shards": _shards(len(indices))}
    order = sort_spec(body.get("sort"))
    by_score = order == [("_score", True)]
    keys: dict[tuple[int, int], list] = {}
    for name, descending in order:
        if name == "_score":
            continue
        if name == "_doc":
            continue
        for index in indices:
            kind = index.types.get(name)
            if kind in mapping_mod.TEXT_TYPES:
                raise illegal(FIELDDATA.format(name))
            rows = [row for idx, row, _ in found if idx is index]
            values = index.sort_values(name, rows, descending) if kind else {}
            for row in rows:
                keys.setdefault((id(index), row), []).append(values.get(row))

    def sort_key(hit):
        index, row, score = hit
        parts: list[tuple] = []
        column = 0
        for name, descending in order:
            if name == "_score":
                parts.append((0, -score if descending else score))
            elif name == "_doc":
                parts.append((0, row))
            else:
                value = keys[(id(index), row)][column]
                column += 1
                parts.append(_ordered(value, descending))
        parts.append((0, id(index), row))
        return parts

    if by_score:  # the usual case: only the page is ordered
        page = heapq.nlargest(start + size, found, key=lambda hit: hit[2])[start:]
    else:
        found.sort(key=sort_key)
        page = found[start:start + size]
    track = body.get("track_total_hits", 10_000)
    total = {"value": len(found), "relation": "eq"}
    if track is not True and isinstance(track, int) and len(found) > track:
        total = {"value": track, "relation": "gte"}
    hits = []
    sources: dict[int, dict] = {}
    for index in indices:
        rows = [row for idx, row, _ in page if idx is index]
        with index.lock:
            sources[id(index)] = index.hits(rows)
    show_score = by_score or body.get("track_scores")
    for index, row, score in page:
        doc_id, source = sources[id(index)][row]
        hit = {"_index": index.name, "_id": doc_id, "_score": score if show_score else None}
        filtered = filter_source(source, body.get("_source", True))
        if filtered is not None:
            hit["_source"] = filtered
        if not by_score:
            hit["sort"] = [score if name == "_score" else row if name == "_doc" else None for name, _ in order]
            row_keys = keys.get((id(index), row), [])
            column = 0
            for position, (name, _) in enumerate(order):
                if name not in ("_score", "_doc"):
                    hit["sort"][position] = row_keys[column] if column < len(row_keys) else None
                    column += 1
        hits.append(hit)
    max_score = max((s for _, _, s in found), default=None) if show_score else None
    return {"took": int((time.perf_counter() - started) * 1000), "timed_out": False,
            "_shards": _shards(len(indices)),
            "hits": {"total": total, "max_score": max_score, "hits": hits}}


def _ordered(value, descending: bool):
    """Missing values last in either order, as Elasticsearch's default `_last`."""
    if value is None:
        return (1, 0)
    if isinstance(value, (int, float)):
        return (0, -value if descending else value)
    return (0, _Reverse(value) if descending else value)


class _Reverse:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return self.value > other.value

    def __eq__(self, other):
        return self.value == other.value


def _shards(count: int) -> dict:
    return {"total": count, "successful": count, "skipped": 0, "failed": 0}


def filter_source(source: dict, spec) -> dict | None:
    """_source: true/false, a field list, or {includes, excludes}; wildcards allowed."""
    if spec is True or spec is None:
        return source
    if spec is False:
        return None
    if isinstance(spec, str):
        spec = [spec]
    excludes: list[str]
    if isinstance(spec, list):
        includes, excludes = spec, []
    elif isinstance(spec, dict):
        includes = spec.get("includes", spec.get("include", [])) or []
        excludes = spec.get("excludes", spec.get("exclude", [])) or []
        includes = [includes] if isinstance(includes, str) else includes
        excludes = [excludes] if isinstance(excludes, str) else excludes
    else:
        raise parsing("[_source] malformed")
    return _filter(source, includes, excludes, "")


def _filter(node: dict, includes: list[str], excludes: list[str], prefix: str) -> dict:
    out = {}
    for key, value in node.items():
        path = prefix + key
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in excludes):
            continue
        if isinstance(value, dict):
            wanted = not includes or any(fnmatch.fnmatchcase(path, p) for p in includes)
            inner = value if wanted and not excludes else _filter(
                value, [] if wanted else includes, excludes, path + ".")
            if wanted or inner:
                out[key] = inner
        elif not includes or any(fnmatch.fnmatchcase(path, p) for p in includes):
            out[key] = value
    return out
