"""The query DSL: parsed into nodes, evaluated against an index's search snapshot.

Each node gives {rowid: score}; a filter node scores 0 and only narrows. Anything outside
the supported subset is refused with a 400 that names it, never answered wrongly.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from herosim.searchlite import mapping as mapping_mod
from herosim.searchlite.errors import illegal, parsing, unsupported
from herosim.searchlite.store import Index, tokens

KNOWN_UNSUPPORTED = {"fuzzy", "wildcard", "prefix", "regexp", "nested", "has_child", "has_parent", "geo_distance",
                     "geo_bounding_box", "geo_shape", "more_like_this", "script", "script_score",
                     "function_score", "dis_max", "boosting", "constant_score", "exists", "match_phrase_prefix",
                     "match_bool_prefix", "simple_query_string", "span_term", "intervals", "knn", "percolate",
                     "pinned", "rank_feature", "distance_feature", "wrapper", "combined_fields", "terms_set"}


def _ranked(scores: dict[int, float], boost: float) -> dict[int, float]:
    return {k: v * boost for k, v in scores.items()} if boost != 1.0 else scores


@dataclass
class Node:
    boost: float = 1.0

    def run(self, index: Index) -> dict[int, float]:
        raise NotImplementedError


@dataclass
class MatchAll(Node):
    def run(self, index):
        return {row: self.boost for row in index.all_rows()}


@dataclass
class MatchNone(Node):
    def run(self, index):
        return {}


@dataclass
class Text(Node):
    """match / match_phrase on one field."""
    field_name: str = ""
    text: str = ""
    operator: str = "or"
    phrase: bool = False
    minimum_should_match: object = None

    def run(self, index):
        kind = index.types.get(self.field_name)
        if kind is None:
            return {}
        if kind not in mapping_mod.TEXT_TYPES:
            # On keyword, number, date and boolean fields a match is an exact term
            try:
                return {row: self.boost for row in index.term_rows(self.field_name, self.text)}
            except Exception:  # noqa: BLE001 - unparsable for the type: no hit, as ES with lenient
                return {}
        words = tokens(str(self.text))
        if not words:
            return {}
        scores, matched = index.bm25(self.field_name, words)
        if self.phrase:
            allowed = index.text_rows(self.field_name, '"' + " ".join(words) + '"')
            scores = {row: s for row, s in scores.items() if row in allowed}
        elif self.operator == "and":
            distinct = len(set(words))
            scores = {row: s for row, s in scores.items() if matched[row] >= min(distinct, len(words))}
            allowed = index.text_rows(self.field_name, " AND ".join(f'"{w}"' for w in set(words)))
            scores = {row: s for row, s in scores.items() if row in allowed}
        else:
            needed = _minimum(self.minimum_should_match, len(words))
            if needed > 1:
                scores = {row: s for row, s in scores.items() if matched[row] >= needed}
        return _ranked(scores, self.boost)


def _minimum(spec, clauses: int) -> int:
    if spec is None:
        return 1
    text = str(spec).strip()
    if text.endswith("%"):
        value = int(clauses * int(text[:-1]) / 100)
    else:
        value = int(text)
    if value < 0:
        value = clauses + value
    return max(min(value, clauses), 0)


@dataclass
class Best(Node):
    """multi_match: best_fields (max plus tie_breaker) or most_fields (sum)."""
    parts: list[Node] = field(default_factory=list)
    mode: str = "best_fields"
    tie_breaker: float = 0.0

    def run(self, index):
        results = [p.run(index) for p in self.parts]
        if not results:
            return {}
        best = dict(results[0])
        total = dict(results[0]) if self.mode == "most_fields" or self.tie_breaker else None
        for result in results[1:]:
            for row, score in result.items():
                current = best.get(row)
                if current is None or score > current:
                    best[row] = score
                if total is not None:
                    total[row] = total.get(row, 0.0) + score
        if self.mode == "most_fields":
            best = total
        elif self.tie_breaker:
            best = {row: top + self.tie_breaker * (total[row] - top) for row, top in best.items()}
        return _ranked(best, self.boost)


@dataclass
class Term(Node):
    field_name: str = ""
    values: list = field(default_factory=list)

    def run(self, index):
        kind = index.types.get(self.field_name)
        rows: set[int] = set()
        for value in self.values:
            if kind in mapping_mod.TEXT_TYPES:
                # a term is not analysed: it matches only a token equal to it, so "Hello" never does
                if isinstance(value, str) and tokens(value) == [value]:
                    rows |= index.text_rows(self.field_name, f'"{value}"')
            elif kind is not None:
                rows |= index.term_rows(self.field_name, value)
        return {row: self.boost for row in rows}


@dataclass
class Range(Node):
    field_name: str = ""
    bounds: dict = field(default_factory=dict)

    def run(self, index):
        if self.field_name not in index.types:
            return {}
        return {row: self.boost for row in index.range_rows(self.field_name, self.bounds)}


@dataclass
class Ids(Node):
    ids: list = field(default_factory=list)

    def run(self, index):
        return {row: self.boost for row in index.ids_rows(self.ids)}


@dataclass
class Bool(Node):
    must: list[Node] = field(default_factory=list)
    should: list[Node] = field(default_factory=list)
    filter: list[Node] = field(default_factory=list)
    must_not: list[Node] = field(default_factory=list)
    minimum_should_match: object = None

    def run(self, index):
        candidates: dict[int, float] | None = None
        for node in self.must:
            result = node.run(index)
            candidates = dict(result) if candidates is None else \
                {row: score + result[row] for row, score in candidates.items() if row in result}
        for node in self.filter:
            rows = node.run(index)
            candidates = {row: 0.0 for row in rows} if candidates is None else \
                {row: score for row, score in candidates.items() if row in rows}
        should = [node.run(index) for node in self.should]
        required = _minimum(self.minimum_should_match, len(should)) if self.minimum_should_match is not None \
            else (1 if candidates is None and should else 0)
        if candidates is None:
            candidates = {} if should else {row: 1.0 for row in index.all_rows()}
            if should:
                for result in should:
                    for row in result:
                        candidates.setdefault(row, 0.0)
        if should:
            scored = {}
            for row, score in candidates.items():
                hits = [r[row] for r in should if row in r]
                if len(hits) >= required:
                    scored[row] = score + sum(hits)
            candidates = scored
        for node in self.must_not:
            excluded = node.run(index)
            candidates = {row: s for row, s in candidates.items() if row not in excluded}
        return _ranked(candidates, self.boost)


# -- parsing ---------------------------------------------------------------------------------------
def parse(query: dict | None, index_fields: dict[str, str]) -> Node:
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
    return handler(body, index_fields)


def _field_body(kind: str, body: dict) -> tuple[str, object]:
    if not isinstance(body, dict) or not body:
        raise parsing(f"[{kind}] query malformed, no start_object after query name")
    items = [(k, v) for k, v in body.items() if k not in ("boost", "_name")]
    if len(items) != 1:
        raise parsing(f"[{kind}] query doesn't support multiple fields, found [{items[0][0]}] and [{items[1][0]}]"
                      if len(items) > 1 else f"[{kind}] query malformed")
    return items[0]


def _match(body, fields, phrase=False):
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


def _expand_fields(patterns: list[str], fields: dict[str, str]) -> list[tuple[str, float]]:
    out = []
    for pattern in patterns:
        name, _, boost = str(pattern).partition("^")
        weight = float(boost) if boost else 1.0
        if "*" in name:
            for candidate in fields:
                if fnmatch.fnmatchcase(candidate, name) and fields[candidate] in mapping_mod.TEXT_TYPES | {"keyword"}:
                    out.append((candidate, weight))
        else:
            out.append((name, weight))
    return out


def _multi_match(body, fields):
    if not isinstance(body, dict) or "query" not in body:
        raise parsing("[multi_match] requires query value")
    kind = body.get("type", "best_fields")
    if kind not in ("best_fields", "most_fields", "phrase"):
        raise unsupported(f"multi_match type {kind}")
    if "fuzziness" in body:
        raise unsupported("multi_match.fuzziness")
    patterns = body.get("fields") or ["*"]
    targets = _expand_fields(patterns, fields)
    parts = [Text(field_name=name, text=body["query"], operator=str(body.get("operator", "or")).lower(),
                  phrase=kind == "phrase", boost=weight) for name, weight in targets]
    return Best(parts=parts, mode="most_fields" if kind == "most_fields" else "best_fields",
                tie_breaker=float(body.get("tie_breaker", 0.0)), boost=float(body.get("boost", 1.0)))


def _term(body, fields):
    name, spec = _field_body("term", body)
    if isinstance(spec, dict):
        if "value" not in spec:
            raise parsing("[term] query does not support [" + ", ".join(spec) + "]")
        return Term(field_name=name, values=[spec["value"]], boost=float(spec.get("boost", 1.0)))
    return Term(field_name=name, values=[spec])


def _terms(body, fields):
    boost = float(body.get("boost", 1.0)) if isinstance(body, dict) else 1.0
    name, spec = _field_body("terms", body)
    if not isinstance(spec, list):
        raise parsing("[terms] query does not support [" + name + "]" if not isinstance(spec, dict)
                      else "[terms] lookup is not supported")
    return Term(field_name=name, values=spec, boost=boost)


def _range(body, fields):
    name, spec = _field_body("range", body)
    if not isinstance(spec, dict):
        raise parsing(f"[range] query malformed, no start_object after field name")
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
    import time
    match = re.match(r"^now(?:([+-])(\d+)([smhdwMy]))?$", text)
    if not match:
        raise unsupported(f"date math [{text}]")
    now = time.time() * 1000
    if not match.group(1):
        return now
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}[match.group(3)]
    delta = int(match.group(2)) * seconds * 1000
    return now + delta if match.group(1) == "+" else now - delta


def _ids(body, fields):
    if not isinstance(body, dict) or not isinstance(body.get("values"), list):
        raise parsing("[ids] query malformed, values must be an array")
    return Ids(ids=body["values"], boost=float(body.get("boost", 1.0)))


def _bool(body, fields):
    if not isinstance(body, dict):
        raise parsing("[bool] query malformed, no start_object after query name")
    node = Bool(boost=float(body.get("boost", 1.0)), minimum_should_match=body.get("minimum_should_match"))
    for key, value in body.items():
        if key in ("boost", "minimum_should_match", "_name"):
            continue
        if key not in ("must", "should", "filter", "must_not"):
            raise parsing(f"[bool] query does not support [{key}]")
        clauses = value if isinstance(value, list) else [value]
        getattr(node, key).extend(parse(c, fields) for c in clauses)
    return node


QUERY_STRING_UNSUPPORTED = [
    (re.compile(r"(?<!\\)[*?]\S|\S(?<!\\)[*?]"), "wildcards"),
    (re.compile(r"~\d*(\s|$)"), "fuzzy and proximity (~)"),
    (re.compile(r"\[[^\]]* TO [^\]]*\]|\{[^}]* TO [^}]*\}"), "ranges"),
    (re.compile(r"(^|\s)/.+/"), "regular expressions"),
    (re.compile(r"\^\d"), "boosts (^)"),
    (re.compile(r"[()]"), "grouping with parentheses"),
]
QS_TOKEN = re.compile(r'([+-]?)(?:([\w.]+):)?("[^"]*"|\S+)')


def _query_string(body, fields):
    """The simple part of Lucene's query syntax: words, "phrases", field:value, +/- and
    AND/OR/NOT between words; everything else is refused by name."""
    if not isinstance(body, dict) or "query" not in body:
        raise parsing("[query_string] requires query value")
    text = str(body["query"]).strip()
    if text in ("*", "*:*"):
        return MatchAll()
    for pattern, feature in QUERY_STRING_UNSUPPORTED:
        if pattern.search(text):
            raise unsupported(f"query_string {feature}")
    default_fields = body.get("fields") or ([body["default_field"]] if body.get("default_field") else ["*"])
    operator = str(body.get("default_operator", "or")).lower()
    entries: list[list] = []  # [leaf, excluded, required]
    pending_not = pending_and = False
    for sign, name, value in QS_TOKEN.findall(text):
        if not name and value in ("AND", "OR", "NOT", "&&", "||", "!"):
            if value in ("NOT", "!"):
                pending_not = True
            elif value in ("AND", "&&"):
                pending_and = True
                if entries:
                    entries[-1][2] = True
            continue
        phrase = value.startswith('"') and value.endswith('"') and len(value) >= 2
        words = value[1:-1] if phrase else value
        if name:
            leaf = Text(field_name=name, text=words, phrase=phrase)
        else:
            leaf = Best(parts=[Text(field_name=f, text=words, phrase=phrase, boost=w)
                               for f, w in _expand_fields(default_fields, fields)])
        excluded = sign == "-" or pending_not
        required = sign == "+" or operator == "and" or pending_and
        entries.append([leaf, excluded, required])
        pending_not = pending_and = False
    node = Bool()
    for leaf, excluded, required in entries:
        (node.must_not if excluded else node.must if required else node.should).append(leaf)
    return node


PARSERS = {
    "match_all": lambda body, fields: MatchAll(boost=float((body or {}).get("boost", 1.0))),
    "match_none": lambda body, fields: MatchNone(),
    "match": _match,
    "match_phrase": lambda body, fields: _match(body, fields, phrase=True),
    "multi_match": _multi_match,
    "term": _term,
    "terms": _terms,
    "range": _range,
    "ids": _ids,
    "bool": _bool,
    "query_string": _query_string,
}
