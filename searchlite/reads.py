"""What queries read from an index's search snapshot: the rows (documents) matching text,
terms, ranges and ids, BM25 scores, sort values and the hits' sources."""

from __future__ import annotations

import collections
import json
import math
import re
import sqlite3

from searchlite import mapping as mapping_mod
from searchlite.errors import illegal

K1, B = 1.2, 0.75  # Lucene's (and so Elasticsearch's) BM25 defaults
CHUNK = 500        # values bound per statement (SQLite's limit on variables is far above)
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)


class Stopping(Exception):
    """The engine is stopping: the work in hand is abandoned (its transaction rolled back)."""


def tokens(text: str) -> list[str]:
    """Words as FTS5's unicode61 tokenizer cuts them, lower-cased (the standard analyzer's job)."""
    return [t.lower() for t in TOKEN_RE.findall(text)]


class SnapshotReads:
    """Reads of the snapshot tables (snap, vals, entries, texts); mixed into Index."""
    db: sqlite3.Connection
    types: dict[str, str]
    refreshed_at: float
    _stats: dict[str, tuple[int, float]]
    _stats_at: float

    def all_rows(self) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT rowid FROM snap")}

    def text_rows(self, field: str, expression: str) -> set[int]:
        """Documents whose text in `field` matches an FTS5 expression (a phrase, an AND of words)."""
        try:
            return {r[0] for r in self.db.execute(
                "SELECT e.doc FROM texts JOIN entries e ON e.entry = texts.rowid WHERE texts MATCH ? AND e.field = ?",
                (expression, field))}
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise Stopping() from exc
            raise illegal(f"failed to run the text query on [{field}]: {exc}") from exc

    def bm25(self, field: str, words: list[str]) -> tuple[dict[int, float], dict[int, int]]:
        """Lucene's BM25 (k1=1.2, b=0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)), the
        field's own document count N and average length): {rowid: score}, {rowid: query
        words matched}. Term frequencies come from FTS5's index of positions."""
        docs, average = self._field_stats(field)
        if not docs or not words:
            return {}, {}
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        for word, count in collections.Counter(words).items():
            rows = self.db.execute("SELECT e.doc, COUNT(*), e.len FROM texts_inst i JOIN entries e ON e.entry = i.doc "
                                   "WHERE i.term = ? AND e.field = ? GROUP BY i.doc", (word, field)).fetchall()
            if not rows:
                continue
            weight = count * math.log(1 + (docs - len(rows) + 0.5) / (len(rows) + 0.5))
            for doc, tf, length in rows:
                norm = K1 * (1 - B + B * length / average) if average else K1
                scores[doc] = scores.get(doc, 0.0) + weight * tf / (tf + norm)
                matched[doc] = matched.get(doc, 0) + 1
        return scores, matched

    def _field_stats(self, field: str) -> tuple[int, float]:
        """Documents with this text field in the snapshot (Lucene's docCount) and their average
        length in words (sumTotalTermFreq / docCount), cached until the next refresh."""
        if self._stats_at != self.refreshed_at:
            self._stats, self._stats_at = {}, self.refreshed_at
        if field not in self._stats:
            count, total = self.db.execute("SELECT COUNT(*), TOTAL(len) FROM entries WHERE field = ?",
                                           (field,)).fetchone()
            self._stats[field] = (count, total / count if count else 0.0)
        return self._stats[field]

    def term_rows(self, field: str, value) -> set[int]:
        kind = self.types.get(field)
        if kind in mapping_mod.NUMERIC_TYPES or kind == "boolean":
            number = 1.0 if value is True else 0.0 if value is False else mapping_mod.to_number(value)
            if kind == "boolean" and isinstance(value, str):
                number = {"true": 1.0, "false": 0.0}.get(value)
            if number is None:
                raise illegal(f"failed to parse [{value}] for field [{field}] of type [{kind}]")
            return {r[0] for r in self.db.execute("SELECT rowid FROM vals WHERE field = ? AND num = ?",
                                                  (field, number))}
        if kind == "date":
            millis = mapping_mod.to_millis(value)
            return {r[0] for r in self.db.execute("SELECT rowid FROM vals WHERE field = ? AND num = ?",
                                                  (field, millis))}
        return {r[0] for r in self.db.execute("SELECT rowid FROM vals WHERE field = ? AND kw = ?",
                                               (field, mapping_mod.keyword_value(value)))}

    def range_rows(self, field: str, bounds: dict) -> set[int]:
        kind = self.types.get(field)
        numeric = kind in mapping_mod.NUMERIC_TYPES or kind in ("date", "boolean")
        clauses, params = ["field = ?"], [field]
        for op, sql in (("gte", ">="), ("gt", ">"), ("lte", "<="), ("lt", "<")):
            if op in bounds and bounds[op] is not None:
                column = "num" if numeric else "kw"
                value = bounds[op]
                if numeric:
                    value = mapping_mod.to_millis(value) if kind == "date" else mapping_mod.to_number(value)
                    if value is None:
                        raise illegal(f"failed to parse [{bounds[op]}] for [{op}] on field [{field}]")
                else:
                    value = mapping_mod.keyword_value(value)
                clauses.append(f"{column} {sql} ?")
                params.append(value)
        return {r[0] for r in self.db.execute(f"SELECT rowid FROM vals WHERE {' AND '.join(clauses)}", params)}

    def ids_rows(self, ids: list) -> set[int]:
        out: set[int] = set()
        ids = [str(i) for i in ids]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            out |= {r[0] for r in self.db.execute(f"SELECT rowid FROM snap WHERE id IN ({marks})", chunk)}
        return out

    def sort_values(self, field: str, rows: list[int], descending: bool) -> dict[int, object]:
        kind = self.types.get(field)
        column = "num" if kind in mapping_mod.NUMERIC_TYPES or kind in ("date", "boolean") else "kw"
        pick = "MAX" if descending else "MIN"
        out = {}
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for rowid, value in self.db.execute(
                    f"SELECT rowid, {pick}({column}) FROM vals WHERE field = ? AND rowid IN ({marks}) GROUP BY rowid",
                    [field, *chunk]):
                integral = column == "num" and value is not None and float(value).is_integer()
                out[rowid] = int(value) if integral else value
        return out

    def hits(self, rows: list[int]) -> dict[int, tuple[str, dict]]:
        out = {}
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for rowid, doc_id, source in self.db.execute(
                    f"SELECT rowid, id, source FROM snap WHERE rowid IN ({marks})", chunk):
                out[rowid] = (doc_id, json.loads(source))
        return out
