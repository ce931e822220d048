"""Query nodes, evaluated against an index's search snapshot: each gives {rowid: score};
a filter node scores 0 and only narrows. dsl.py builds them from the query DSL."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from searchlite import mapping as mapping_mod
from searchlite.errors import SearchError, ShardLevel, failed_to_create_query
from searchlite.store import Index, tokens


def _ranked(scores: dict[int, float], boost: float) -> dict[int, float]:
    return {k: v * boost for k, v in scores.items()} if boost != 1.0 else scores


@dataclass
class Node:
    boost: float = 1.0

    def run(self, index: Index) -> dict[int, float]:
        raise NotImplementedError

    def children(self) -> list[Node]:
        return []

    def width(self, types: dict[str, str]) -> int:
        """Clauses of the one BooleanQuery Lucene builds for this node (0: none)."""
        return 0

    def leaves(self, types: dict[str, str]) -> int:
        """Leaf queries of its own (the children count theirs), as IndexSearcher counts them."""
        return 0 if self.children() else 1


def check_clauses(root: Node, types: dict[str, str], maximum: int) -> None:
    """IndexSearcher's maxClauseCount: no BooleanQuery built wider than it (TooManyClauses,
    when the shard creates the query), no query with more than it (+1) leaves in all
    (TooManyNestedClauses, when the shard rewrites it)."""
    stack, total = [root], 0
    while stack:
        node = stack.pop()
        if node.width(types) > maximum:
            raise failed_to_create_query(SearchError(400, "too_many_clauses", f"maxClauseCount is set to {maximum}"))
        total += node.leaves(types)
        stack.extend(node.children())
    if total > maximum + 1:
        raise ShardLevel(400, "illegal_argument_exception", "Query rewrite failed: too many clauses",
                         caused_by={"type": "too_many_nested_clauses",
                                    "reason": f"Query contains too many nested clauses; maxClauseCount is set to "
                                              f"{maximum}"})


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
    text: object = ""            # the query's JSON scalar: its str() is analysed
    operator: str = "or"
    phrase: bool = False
    minimum_should_match: object = None

    @functools.cached_property
    def words(self) -> list[str]:
        return tokens(str(self.text))

    def _words(self, types) -> int:
        if self.phrase or types.get(self.field_name) not in mapping_mod.TEXT_TYPES:
            return 1
        return len(self.words)

    def width(self, types):
        words = self._words(types)
        return words if words > 1 else 0

    def leaves(self, types):
        return max(self._words(types), 1)

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
        words = self.words
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

    def children(self):
        return list(self.parts)

    def leaves(self, types):
        return 0 if self.parts else 1

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
        if total is not None and self.mode == "most_fields":   # (total is kept in these two cases)
            best = total
        elif total is not None and self.tie_breaker:
            best = {row: top + self.tie_breaker * (total[row] - top) for row, top in best.items()}
        return _ranked(best, self.boost)


@dataclass
class Term(Node):
    field_name: str = ""
    values: list = field(default_factory=list)

    def run(self, index):
        kind = index.types.get(self.field_name)
        rows: set[int] = set()
        for position, value in enumerate(self.values):
            if position % 1000 == 999:
                index.check_stopping()
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

    def children(self):
        return [*self.must, *self.should, *self.filter, *self.must_not]

    def width(self, types):
        return len(self.children())

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
