"""The query DSL (JSON) parsed into query nodes. Anything outside the supported subset is
refused with a 400 that names it, never answered wrongly."""

from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass, field

from searchlite import limits, query_string
from searchlite import mapping as mapping_mod
from searchlite.errors import SearchError, failed_to_create_query, illegal, parsing, unsupported
from searchlite.query import Best, Bool, Ids, MatchAll, MatchNone, Node, Range, Term, Text

KNOWN_UNSUPPORTED = {"fuzzy", "wildcard", "prefix", "regexp", "nested", "has_child", "has_parent", "geo_distance",
                     "geo_bounding_box", "geo_shape", "more_like_this", "script", "script_score",
                     "function_score", "dis_max", "boosting", "constant_score", "exists", "match_phrase_prefix",
                     "match_bool_prefix", "simple_query_string", "span_term", "intervals", "knn", "percolate",
                     "pinned", "rank_feature", "distance_feature", "wrapper", "combined_fields", "terms_set"}


@dataclass(frozen=True)
class Context:
    """What parsing a query may look at: the index's fields and settings."""
    fields: dict[str, str]
    settings: dict = field(default_factory=dict)
    max_clauses: int = limits.MAX_CLAUSES


def parse(query: dict | None, index_fields: dict[str, str], settings: dict | None = None) -> Node:
    return _parse(query, Context(index_fields, settings or {}), 1)


def _parse(query, ctx: Context, depth: int) -> Node:
    if depth > limits.MAX_NESTED_QUERY_DEPTH:
        raise TooDeep(limits.nested_query_depth())
    if query is None or query == {}:
        return MatchAll()
    if not isinstance(query, dict) or len(query) != 1:
        raise parsing("[_na] query malformed, must start with start_object" if not isinstance(query, dict)
                      else f"[{', '.join(query)}] query malformed, no start_object after query name"
                      if len(query) != 1 else "query malformed")
    (kind, body), = query.items()
    handler = PARSERS.get(kind)
    if handler is None:
        if kind in KNOWN_UNSUPPORTED:
            raise unsupported(f"{kind} query")
        raise parsing(f"unknown query [{kind}]")
    return handler(body, ctx, depth)


class TooDeep(SearchError):
    """indices.query.bool.max_nested_depth: raised where the depth is passed, then wrapped
    by each enclosing query as Elasticsearch's ObjectParser wraps it."""

    def __init__(self, cause: SearchError):
        super().__init__(cause.status, cause.kind, cause.reason, **cause.extra)

    def within(self, query: str, key: str) -> TooDeep:
        return TooDeep(SearchError(400, "x_content_parse_exception", f"[1:1] [{query}] failed to parse field [{key}]",
                                   caused_by=self.cause()))


def _field_body(kind: str, body: dict) -> tuple[str, object]:
    if not isinstance(body, dict) or not body:
        raise parsing(f"[{kind}] query malformed, no start_object after query name")
    items = [(k, v) for k, v in body.items() if k not in ("boost", "_name")]
    if len(items) != 1:
        raise parsing(f"[{kind}] query doesn't support multiple fields, found [{items[0][0]}] and [{items[1][0]}]"
                      if len(items) > 1 else f"[{kind}] query malformed")
    return items[0]


def _match(body, ctx, depth=1, phrase=False):
    name, spec = _field_body("match_phrase" if phrase else "match", body)
    if isinstance(spec, dict):
        extra = set(spec) - {"query", "operator", "boost", "minimum_should_match", "analyzer", "_name",
                             "zero_terms_query", "auto_generate_synonyms_phrase_query", "lenient"}
        if "fuzziness" in spec:
            raise unsupported("match.fuzziness")
        if extra:
            raise parsing(f"[match] query does not support [{sorted(extra)[0]}]")
        if "query" not in spec:
            raise parsing("[match] requires query value")
        return Text(field_name=name, text=spec["query"], operator=str(spec.get("operator", "or")).lower(),
                    phrase=phrase, boost=float(spec.get("boost", 1.0)),
                    minimum_should_match=spec.get("minimum_should_match"))
    return Text(field_name=name, text=spec, phrase=phrase)


def _expand_fields(patterns: list[str], ctx: Context) -> list[tuple[str, float]]:
    """Field patterns (title^3, *) as the indexed text and keyword fields they name; no more
    than maxClauseCount of them (QueryParserHelper.checkForTooManyFields)."""
    out = []
    for pattern in patterns:
        name, _, boost = str(pattern).partition("^")
        weight = float(boost) if boost else 1.0
        if "*" in name:
            matched = [(candidate, weight) for candidate, kind in ctx.fields.items()
                       if fnmatch.fnmatchcase(candidate, name) and kind in mapping_mod.TEXT_TYPES | {"keyword"}]
            if len(matched) > ctx.max_clauses:
                raise failed_to_create_query(illegal(f"field expansion for [{name}] matches too many fields, limit: "
                                                     f"{ctx.max_clauses}, got: {len(matched)}"))
            out.extend(matched)
        else:
            out.append((name, weight))
    return out


def _multi_match(body, ctx, depth=1):
    if not isinstance(body, dict) or "query" not in body:
        raise parsing("[multi_match] requires query value")
    kind = body.get("type", "best_fields")
    if kind not in ("best_fields", "most_fields", "phrase"):
        raise unsupported(f"multi_match type {kind}")
    if "fuzziness" in body:
        raise unsupported("multi_match.fuzziness")
    patterns = body.get("fields") or ["*"]
    targets = _expand_fields(patterns, ctx)
    parts: list[Node] = [Text(field_name=name, text=body["query"], operator=str(body.get("operator", "or")).lower(),
                  phrase=kind == "phrase", boost=weight) for name, weight in targets]
    return Best(parts=parts, mode="most_fields" if kind == "most_fields" else "best_fields",
                tie_breaker=float(body.get("tie_breaker", 0.0)), boost=float(body.get("boost", 1.0)))


def _term(body, ctx, depth=1):
    name, spec = _field_body("term", body)
    if isinstance(spec, dict):
        if "value" not in spec:
            raise parsing("[term] query does not support [" + ", ".join(spec) + "]")
        return Term(field_name=name, values=[spec["value"]], boost=float(spec.get("boost", 1.0)))
    return Term(field_name=name, values=[spec])


def _terms(body, ctx, depth=1):
    boost = float(body.get("boost", 1.0)) if isinstance(body, dict) else 1.0
    name, spec = _field_body("terms", body)
    if not isinstance(spec, list):
        raise parsing("[terms] query does not support [" + name + "]" if not isinstance(spec, dict)
                      else "[terms] lookup is not supported")
    maximum = limits.limit(ctx.settings, limits.MAX_TERMS)
    if len(spec) > maximum:
        raise failed_to_create_query(limits.too_many_terms(len(spec), maximum))
    return Term(field_name=name, values=spec, boost=boost)


def _range(body, ctx, depth=1):
    name, spec = _field_body("range", body)
    if not isinstance(spec, dict):
        raise parsing("[range] query malformed, no start_object after field name")
    bounds = {}
    for key, value in spec.items():
        if key in ("gte", "gt", "lte", "lt"):
            if isinstance(value, str) and value.startswith("now"):
                value = _date_math(value)
            bounds[key] = value
        elif key in ("from", "to", "include_lower", "include_upper"):
            raise unsupported(f"range.{key}")
        elif key in ("format", "time_zone", "relation"):
            raise unsupported(f"range.{key}")
        elif key != "boost":
            raise parsing(f"[range] query does not support [{key}]")
    return Range(field_name=name, bounds=bounds, boost=float(spec.get("boost", 1.0)))


def _date_math(text: str) -> float:
    match = re.match(r"^now(?:([+-])(\d+)([smhdwMy]))?$", text)
    if not match:
        raise unsupported(f"date math [{text}]")
    now = time.time() * 1000
    if not match.group(1):
        return now
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}[match.group(3)]
    delta = int(match.group(2)) * seconds * 1000
    return now + delta if match.group(1) == "+" else now - delta


def _ids(body, ctx, depth=1):
    if not isinstance(body, dict) or not isinstance(body.get("values"), list):
        raise parsing("[ids] query malformed, values must be an array")
    return Ids(ids=body["values"], boost=float(body.get("boost", 1.0)))


def _bool(body, ctx, depth=1):
    if not isinstance(body, dict):
        raise parsing("[bool] query malformed, no start_object after query name")
    node = Bool(boost=float(body.get("boost", 1.0)), minimum_should_match=body.get("minimum_should_match"))
    for key, value in body.items():
        if key in ("boost", "minimum_should_match", "_name"):
            continue
        if key not in ("must", "should", "filter", "must_not"):
            raise parsing(f"[bool] query does not support [{key}]")
        clauses = value if isinstance(value, list) else [value]
        try:
            getattr(node, key).extend(_parse(c, ctx, depth + 1) for c in clauses)
        except TooDeep as error:
            raise error.within("bool", key) from None
    return node


def _query_string(body, ctx, depth=1):
    """Lucene's classic syntax, the part web apps use (query_string.py)."""
    if not isinstance(body, dict) or "query" not in body:
        raise parsing("[query_string] requires query value")
    text = str(body["query"])
    if text.strip() in ("*", "*:*"):
        return MatchAll()
    operator = str(body.get("default_operator", "or")).lower()
    clauses = query_string.parse(text, operator, ctx.max_clauses)
    default_fields = body.get("fields") or ([body["default_field"]] if body.get("default_field") else ["*"])
    node = Bool()
    for clause in clauses:
        if clause.field and clause.field != "*":
            leaf: Node = Text(field_name=clause.field, text=clause.text, phrase=clause.phrase, operator=operator)
        else:
            leaf = Best(parts=[Text(field_name=f, text=clause.text, phrase=clause.phrase, boost=w, operator=operator)
                               for f, w in _expand_fields(default_fields if not clause.field else ["*"], ctx)])
        getattr(node, clause.occur).append(leaf)
    return node


PARSERS = {
    "match_all": lambda body, ctx, depth: MatchAll(boost=float((body or {}).get("boost", 1.0))),
    "match_none": lambda body, ctx, depth: MatchNone(),
    "match": _match,
    "match_phrase": lambda body, ctx, depth: _match(body, ctx, phrase=True),
    "multi_match": _multi_match,
    "term": _term,
    "terms": _terms,
    "range": _range,
    "ids": _ids,
    "bool": _bool,
    "query_string": _query_string,
}
