"""One index in one SQLite file: live documents (what GET sees at once), a search snapshot
(what queries see: updated at each refresh, as Lucene segments are), FTS5 tables per text
field for BM25, and a table of keyword/number/date values for term, range and sort."""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from searchlite import mapping as mapping_mod
from searchlite.errors import SearchError, conflict, illegal

TOKENIZER = "unicode61 remove_diacritics 0"
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
INDEX_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-.+]*$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, source TEXT NOT NULL, version INTEGER NOT NULL,
                                 seq_no INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS snap (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vals (rowid INTEGER NOT NULL, field TEXT NOT NULL, kw TEXT, num REAL);
CREATE INDEX IF NOT EXISTS vals_kw ON vals (field, kw);
CREATE INDEX IF NOT EXISTS vals_num ON vals (field, num);
CREATE INDEX IF NOT EXISTS vals_row ON vals (rowid);
CREATE TABLE IF NOT EXISTS fields (name TEXT PRIMARY KEY, fts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lens (rowid INTEGER NOT NULL, field TEXT NOT NULL, len INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS lens_row ON lens (rowid);
CREATE INDEX IF NOT EXISTS lens_field ON lens (field);
"""
K1, B = 1.2, 0.75  # Lucene's (and so Elasticsearch's) BM25 defaults


def tokens(text: str) -> list[str]:
    """Words as FTS5's unicode61 tokenizer cuts them, lower-cased (the standard analyzer's job)."""
    return [t.lower() for t in TOKEN_RE.findall(text)]


def check_name(name: str) -> None:
    if not INDEX_NAME_RE.match(name) or name in (".", ".."):
        raise SearchError(400, "invalid_index_name_exception",
                          f"Invalid index name [{name}], must be lowercase and must not contain "
                          "'\\\\', '/', '*', '?', '\"', '<', '>', '|', ' ', ',', '#', ':'", index=name)


def refresh_seconds(settings: dict) -> float | None:
    value = str(((settings.get("index") or {}).get("refresh_interval")) or settings.get("refresh_interval") or "1s")
    if value.strip() == "-1":
        return None
    match = re.match(r"^(\d+(?:\.\d+)?)(ms|s|m)?$", value.strip())
    if not match:
        raise illegal(f"failed to parse setting [index.refresh_interval] with value [{value}]")
    number, unit = float(match.group(1)), match.group(2) or "ms"
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


class Index:
    def __init__(self, name: str, path: Path):
        self.name = name
        self.path = path
        self.lock = threading.RLock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.mapping = json.loads(self._meta("mapping") or '{"properties": {}}')
        self.settings = json.loads(self._meta("settings") or "{}")
        self.uuid = self._meta("uuid") or uuid.uuid4().hex[:22]
        self.created = float(self._meta("created") or time.time() * 1000)
        self.seq_no = int(self._meta("seq_no") or -1)
        self.refreshed_at = time.monotonic()
        self.types = mapping_mod.field_types(self.mapping)
        self.fts = dict(self.db.execute("SELECT name, fts FROM fields"))

    # -- metadata -------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def save_meta(self) -> None:
        with self.lock:
            self._set_meta("mapping", json.dumps(self.mapping))
            self._set_meta("settings", json.dumps(self.settings))
            self._set_meta("uuid", self.uuid)
            self._set_meta("created", str(self.created))
            self._set_meta("seq_no", str(self.seq_no))
            self.types = mapping_mod.field_types(self.mapping)

    def put_mapping(self, mapping: dict) -> None:
        with self.lock:
            mapping_mod.deep_merge(self.mapping, mapping or {})
            self.save_meta()

    # -- documents (real time) ---------------------------------------------------------------
    def get(self, doc_id: str) -> tuple[dict, int, int] | None:
        with self.lock:
            row = self.db.execute("SELECT source, version, seq_no FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return (json.loads(row[0]), row[1], row[2]) if row else None

    def put(self, doc_id: str, source: dict, create: bool = False) -> tuple[str, int, int]:
        """Index a document; ('created'|'updated', version, seq_no)."""
        if not isinstance(source, dict):
            raise SearchError(400, "mapper_parsing_exception", "failed to parse, document is empty"
                              if source in (None, {}) else "failed to parse: the document must be a JSON object")
        with self.lock:
            row = self.db.execute("SELECT version FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row and create:
                raise conflict(self.name, doc_id, row[0])
            self._check_types(source)
            if mapping_mod.merge_dynamic(self.mapping, source):
                self.save_meta()
            version = (row[0] + 1) if row else 1
            self.seq_no += 1
            self.db.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)",
                            (doc_id, json.dumps(source), version, self.seq_no))
            self.db.execute("INSERT OR IGNORE INTO pending VALUES (?)", (doc_id,))
            self._set_meta("seq_no", str(self.seq_no))
            return ("updated" if row else "created"), version, self.seq_no

    def delete(self, doc_id: str) -> tuple[str, int, int]:
        with self.lock:
            row = self.db.execute("SELECT version FROM docs WHERE id = ?", (doc_id,)).fetchone()
            self.seq_no += 1
            self._set_meta("seq_no", str(self.seq_no))
            if not row:
                return "not_found", 1, self.seq_no
            self.db.execute("DELETE FROM docs WHERE id = ?", (doc_id,))
            self.db.execute("INSERT OR IGNORE INTO pending VALUES (?)", (doc_id,))
            return "deleted", row[0] + 1, self.seq_no

    def _check_types(self, source: dict) -> None:
        """A value that cannot be a field's mapped type is refused, as Elasticsearch refuses it."""
        for path, value in mapping_mod.leaves(source):
            kind = self.types.get(path)
            if kind in mapping_mod.NUMERIC_TYPES and mapping_mod.to_number(value) is None:
                raise SearchError(400, "document_parsing_exception",
                                  f"[1:1] failed to parse field [{path}] of type [{kind}] in document. "
                                  f"Preview of field's value: '{value}'")
            if kind == "date" and mapping_mod.to_millis(value) is None:
                raise SearchError(400, "document_parsing_exception",
                                  f"[1:1] failed to parse field [{path}] of type [date] in document. "
                                  f"Preview of field's value: '{value}'")

    # -- refresh: the search snapshot catches up --------------------------------------------
    def refresh(self) -> int:
        with self.lock:
            changed = [r[0] for r in self.db.execute("SELECT id FROM pending")]
            if not changed:
                self.refreshed_at = time.monotonic()
                return 0
            self.db.execute("BEGIN")
            try:
                for doc_id in changed:
                    self._unsnap(doc_id)
                    row = self.db.execute("SELECT source FROM docs WHERE id = ?", (doc_id,)).fetchone()
                    if row:
                        self._snap(doc_id, row[0])
                self.db.execute("DELETE FROM pending")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.refreshed_at = time.monotonic()
            return len(changed)

    def due(self) -> bool:
        interval = refresh_seconds(self.settings)
        return interval is not None and time.monotonic() - self.refreshed_at >= interval

    def _unsnap(self, doc_id: str) -> None:
        row = self.db.execute("SELECT rowid FROM snap WHERE id = ?", (doc_id,)).fetchone()
        if not row:
            return
        rowid = row[0]
        for table in self.fts.values():
            self.db.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
        self.db.execute("DELETE FROM vals WHERE rowid = ?", (rowid,))
        self.db.execute("DELETE FROM lens WHERE rowid = ?", (rowid,))
        self.db.execute("DELETE FROM snap WHERE rowid = ?", (rowid,))

    def _snap(self, doc_id: str, source_text: str) -> None:
        cursor = self.db.execute("INSERT INTO snap (id, source) VALUES (?, ?)", (doc_id, source_text))
        rowid = cursor.lastrowid
        texts: dict[str, list[str]] = {}
        for path, value in mapping_mod.leaves(json.loads(source_text)):
            kind = self.types.get(path)
            if kind in mapping_mod.TEXT_TYPES:
                texts.setdefault(path, []).append(str(value))
                keyword = f"{path}.keyword"
                if self.types.get(keyword) == "keyword" and len(str(value)) <= 256:
                    self.db.execute("INSERT INTO vals VALUES (?, ?, ?, NULL)", (rowid, keyword, str(value)))
            elif kind == "date":
                self.db.execute("INSERT INTO vals VALUES (?, ?, ?, ?)",
                                (rowid, path, str(value), mapping_mod.to_millis(value)))
            elif kind in mapping_mod.NUMERIC_TYPES:
                self.db.execute("INSERT INTO vals VALUES (?, ?, ?, ?)",
                                (rowid, path, mapping_mod.keyword_value(value), mapping_mod.to_number(value)))
            elif kind == "boolean":
                self.db.execute("INSERT INTO vals VALUES (?, ?, ?, ?)",
                                (rowid, path, mapping_mod.keyword_value(value), 1.0 if value else 0.0))
            else:  # keyword and anything kept as is
                self.db.execute("INSERT INTO vals VALUES (?, ?, ?, NULL)",
                                (rowid, path, mapping_mod.keyword_value(value)))
        for path, values in texts.items():
            table = self._fts_table(path)
            content = "\n".join(values)
            self.db.execute(f"INSERT INTO {table} (rowid, content) VALUES (?, ?)", (rowid, content))
            self.db.execute("INSERT INTO lens VALUES (?, ?, ?)", (rowid, path, len(tokens(content))))

    def _fts_table(self, field: str) -> str:
        if field not in self.fts:
            table = f"fts_{len(self.fts)}"
            self.db.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(content, tokenize='{TOKENIZER}')")
            self.db.execute(f"CREATE VIRTUAL TABLE {table}_row USING fts5vocab({table}, 'row')")
            self.db.execute(f"CREATE VIRTUAL TABLE {table}_inst USING fts5vocab({table}, 'instance')")
            self.db.execute("INSERT INTO fields VALUES (?, ?)", (field, table))
            self.fts[field] = table
        return self.fts[field]

    # -- what queries read (the snapshot) -------------------------------------------------------
    def all_rows(self) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT rowid FROM snap")}

    def text_rows(self, field: str, expression: str) -> set[int]:
        """Documents matching an FTS5 expression (a phrase, an AND of words)."""
        table = self.fts.get(field)
        if table is None:
            return set()
        try:
            return {r[0] for r in self.db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (expression,))}
        except sqlite3.OperationalError as exc:
            raise illegal(f"failed to run the text query on [{field}]: {exc}") from exc

    def bm25(self, field: str, words: list[str]) -> tuple[dict[int, float], dict[int, int]]:
        """Lucene's BM25 (k1=1.2, b=0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5))): {rowid: score},
        {rowid: query words matched}. FTS5 computes each word's length-normalised term frequency
        in C (its bm25() for a one-word query); only its idf, which clamps common words to ~0
        and flattens rankings in the small indices of development, is replaced by Lucene's."""
        table = self.fts.get(field)
        if table is None or not words:
            return {}, {}
        docs = self._field_docs(field)
        if not docs:
            return {}, {}
        parts, params = [], []
        for word in dict.fromkeys(words):
            row = self.db.execute(f"SELECT doc FROM {table}_row WHERE term = ?", (word,)).fetchone()
            if not row:
                continue
            df = row[0]
            ratio = (docs - df + 0.5) / (df + 0.5)
            idf_fts5 = max(math.log(ratio), 1e-6) if ratio > 0 else 1e-6
            factor = words.count(word) * math.log(1 + ratio) / (idf_fts5 * (K1 + 1))
            parts.append(f"SELECT rowid, -rank * ? AS s FROM {table} WHERE {table} MATCH ?")  # rank: bm25()
            params += [factor, f'"{word}"']
        if not parts:
            return {}, {}
        rows = self.db.execute(f"SELECT rowid, SUM(s), COUNT(*) FROM ({' UNION ALL '.join(parts)}) GROUP BY rowid",
                               params).fetchall()
        return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}

    def _field_docs(self, field: str) -> int:
        """Documents with this text field in the snapshot (Lucene's docCount), cached per refresh."""
        key = (field, self.refreshed_at)
        if getattr(self, "_docs_key", None) != key:
            self._docs_key = key
            self._docs_value = self.db.execute("SELECT COUNT(*) FROM lens WHERE field = ?", (field,)).fetchone()[0]
        return self._docs_value

    def term_rows(self, field: str, value) -> set[int]:
        kind = self.types.get(field)
        if kind in mapping_mod.NUMERIC_TYPES or kind == "boolean":
            number = 1.0 if value is True else 0.0 if value is False else mapping_mod.to_number(value)
            if kind == "boolean" and isinstance(value, str):
                number = {"true": 1.0, "false": 0.0}.get(value)
            if number is None:
                raise illegal(f"failed to parse [{value}] for field [{field}] of type [{kind}]")
            return {r[0] for r in self.db.execute("SELECT rowid FROM vals WHERE field = ? AND num = ?", (field, number))}
        if kind == "date":
            millis = mapping_mod.to_millis(value)
            return {r[0] for r in self.db.execute("SELECT rowid FROM vals WHERE field = ? AND num = ?", (field, millis))}
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

    def ids_rows(self, ids: list[str]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self.db.execute(f"SELECT rowid FROM snap WHERE id IN ({marks})", list(map(str, ids)))}

    def sort_values(self, field: str, rows: list[int], descending: bool) -> dict[int, object]:
        kind = self.types.get(field)
        column = "num" if kind in mapping_mod.NUMERIC_TYPES or kind in ("date", "boolean") else "kw"
        pick = "MAX" if descending else "MIN"
        out = {}
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for rowid, value in self.db.execute(
                    f"SELECT rowid, {pick}({column}) FROM vals WHERE field = ? AND rowid IN ({marks}) GROUP BY rowid",
                    [field, *chunk]):
                out[rowid] = int(value) if column == "num" and value is not None and float(value).is_integer() else value
        return out

    def hits(self, rows: list[int]) -> dict[int, tuple[str, dict]]:
        out = {}
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for rowid, doc_id, source in self.db.execute(
                    f"SELECT rowid, id, source FROM snap WHERE rowid IN ({marks})", chunk):
                out[rowid] = (doc_id, json.loads(source))
        return out

    def close(self) -> None:
        with self.lock:
            self.db.close()
