"""One index in one SQLite file: live documents (what GET sees at once), a search snapshot
(what queries see: updated at each refresh, as Lucene segments are), one FTS5 table of text
entries (one per document and text field) for BM25, and a table of keyword/number/date
values for term, range and sort. A new field adds rows, never tables: the schema is fixed."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from searchlite import limits
from searchlite import mapping as mapping_mod
from searchlite.errors import SearchError, conflict, document_parsing, illegal
from searchlite.reads import SnapshotReads, Stopping, tokens  # noqa: F401 - tokens: store's public word

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
CREATE TABLE IF NOT EXISTS entries (entry INTEGER PRIMARY KEY, doc INTEGER NOT NULL, field TEXT NOT NULL,
                                    len INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_doc ON entries (doc);
CREATE INDEX IF NOT EXISTS entries_field ON entries (field);
CREATE VIRTUAL TABLE IF NOT EXISTS texts USING fts5(content, tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS texts_inst USING fts5vocab(texts, 'instance');
"""
LAYOUT = "2"  # 1: three FTS5 tables per text field (a schema change per new field)


def check_name(name: str) -> None:
    if not INDEX_NAME_RE.match(name) or name in (".", ".."):
        raise SearchError(400, "invalid_index_name_exception",
                          f"Invalid index name [{name}], must be lowercase and must not contain "
                          "'\\\\', '/', '*', '?', '\"', '<', '>', '|', ' ', ',', '#', ':'", index=name)


def refresh_seconds(settings: dict) -> float | None:
    value = str(limits.flatten(settings).get("refresh_interval") or "1s")
    if value.strip() == "-1":
        return None
    match = re.match(r"^(\d+(?:\.\d+)?)(ms|s|m)?$", value.strip())
    if not match:
        raise illegal(f"failed to parse setting [index.refresh_interval] with value [{value}]")
    number, unit = float(match.group(1)), match.group(2) or "ms"
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


class Index(SnapshotReads):
    def __init__(self, name: str, path: Path, stopping: threading.Event | None = None):
        self.name = name
        self.path = path
        self.lock = threading.RLock()
        self.stopping = stopping or threading.Event()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.mapping = json.loads(self._meta("mapping") or '{"properties": {}}')
        self.settings = limits.flatten(json.loads(self._meta("settings") or "{}"))
        self.uuid = self._meta("uuid") or uuid.uuid4().hex[:22]
        self.created = float(self._meta("created") or time.time() * 1000)
        self.seq_no = int(self._meta("seq_no") or -1)
        self.refreshed_at = time.monotonic()
        self.types = mapping_mod.field_types(self.mapping)
        self._stats: dict[str, tuple[int, float]] = {}
        self._stats_at = self.refreshed_at
        if self._meta("layout") != LAYOUT:
            self._migrate()
            self.refresh()

    def _migrate(self) -> None:
        """An index written by the layout of one FTS5 table per field: its search snapshot is
        rebuilt from the documents at the next refresh (the documents themselves stay)."""
        with self.transaction():
            old = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                                 "name IN ('fields', 'lens')")]
            if "fields" in old:
                for (table,) in self.db.execute("SELECT fts FROM fields").fetchall():
                    for suffix in ("_row", "_inst", ""):
                        self.db.execute(f'DROP TABLE IF EXISTS "{table}{suffix}"')
            for table in old:
                self.db.execute(f"DROP TABLE {table}")
            for table in ("snap", "vals", "entries", "texts"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("INSERT OR IGNORE INTO pending SELECT id FROM docs")
            self._set_meta("layout", LAYOUT)

    @contextlib.contextmanager
    def transaction(self):
        """One SQLite transaction (joined when one is open): all of it or none of it lands."""
        with self.lock:
            if self.db.in_transaction:
                yield
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._set_meta("seq_no", str(self.seq_no))
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                self._reload()
                raise
            self.db.execute("COMMIT")

    def _reload(self) -> None:
        """What memory holds of the metadata, back to what is on disk (after a rollback)."""
        self.mapping = json.loads(self._meta("mapping") or '{"properties": {}}')
        self.types = mapping_mod.field_types(self.mapping)
        self.seq_no = max(self.seq_no, int(self._meta("seq_no") or -1))

    def check_stopping(self) -> None:
        if self.stopping.is_set():
            raise Stopping()

    # -- metadata -------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def save_meta(self) -> None:
        with self.transaction():
            self._set_meta("mapping", json.dumps(self.mapping))
            self._set_meta("settings", json.dumps(self.settings))
            self._set_meta("uuid", self.uuid)
            self._set_meta("created", str(self.created))
            self._set_meta("seq_no", str(self.seq_no))
            self._set_meta("layout", LAYOUT)
            self.types = mapping_mod.field_types(self.mapping)

    def put_mapping(self, mapping: dict) -> None:
        with self.lock:
            merged = mapping_mod.deep_merge(copy.deepcopy(self.mapping), mapping or {})
            mapping_mod.check_mapping(merged, self.settings)
            self.mapping = merged
            self.save_meta()

    def put_settings(self, settings: dict) -> None:
        with self.lock:
            merged = {k: v for k, v in {**self.settings, **limits.flatten(settings)}.items() if v is not None}
            refresh_seconds(merged)  # refused before it is kept
            mapping_mod.check_mapping(self.mapping, merged)
            self.settings = merged
            self.save_meta()

    # -- documents (real time) ---------------------------------------------------------------
    def get(self, doc_id: str) -> tuple[dict, int, int] | None:
        with self.lock:
            row = self.db.execute("SELECT source, version, seq_no FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return (json.loads(row[0]), row[1], row[2]) if row else None

    def put(self, doc_id: str, source: dict, create: bool = False, text: str | None = None) -> tuple[str, int, int]:
        """Index a document (`text`: its JSON as sent, kept as _source); ('created'|'updated',
        version, seq_no)."""
        if not isinstance(source, dict):
            raise SearchError(400, "mapper_parsing_exception", "failed to parse, document is empty"
                              if source in (None, {}) else "failed to parse: the document must be a JSON object")
        with self.transaction():
            row = self.db.execute("SELECT version FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row and create:
                raise conflict(self.name, doc_id, row[0])
            merged = self._merged_mapping(source)
            self._check_types(source, mapping_mod.field_types(merged) if merged else self.types)
            if merged is not None:
                self.mapping = merged
                self.save_meta()
            version = (row[0] + 1) if row else 1
            self.seq_no += 1
            self.db.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)",
                            (doc_id, text if text is not None else json.dumps(source), version, self.seq_no))
            self.db.execute("INSERT OR IGNORE INTO pending VALUES (?)", (doc_id,))
            return ("updated" if row else "created"), version, self.seq_no

    def _merged_mapping(self, source: dict) -> dict | None:
        """The mapping with the document's new fields, within the index's limits; a limit hit
        is the document parser's error, as in Elasticsearch 8."""
        try:
            return mapping_mod.merge_dynamic(self.mapping, source, self.settings)
        except SearchError as error:
            if error.kind == "document_parsing_exception":
                raise
            raise document_parsing("", cause=error) from None

    def delete(self, doc_id: str) -> tuple[str, int, int]:
        with self.transaction():
            row = self.db.execute("SELECT version FROM docs WHERE id = ?", (doc_id,)).fetchone()
            self.seq_no += 1
            if not row:
                return "not_found", 1, self.seq_no
            self.db.execute("DELETE FROM docs WHERE id = ?", (doc_id,))
            self.db.execute("INSERT OR IGNORE INTO pending VALUES (?)", (doc_id,))
            return "deleted", row[0] + 1, self.seq_no

    @staticmethod
    def _check_types(source: dict, types: dict[str, str]) -> None:
        """A value that cannot be a field's mapped type is refused, as Elasticsearch refuses it."""
        for path, value in mapping_mod.leaves(source):
            kind = types.get(path)
            if kind in mapping_mod.NUMERIC_TYPES and mapping_mod.to_number(value) is None:
                raise document_parsing(f"failed to parse field [{path}] of type [{kind}] in document. "
                                       f"Preview of field's value: '{value}'")
            if kind == "date" and mapping_mod.to_millis(value) is None:
                raise document_parsing(f"failed to parse field [{path}] of type [date] in document. "
                                       f"Preview of field's value: '{value}'")

    # -- refresh: the search snapshot catches up --------------------------------------------
    def refresh(self) -> int:
        with self.lock:
            count = self.db.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
            if not count:
                self.refreshed_at = time.monotonic()
                return 0
            with self.transaction():
                self._unsnap_pending()
                self._snap_all(self.db.execute("SELECT p.id, d.source FROM pending p JOIN docs d ON d.id = p.id")
                               .fetchall())
                self.db.execute("DELETE FROM pending")
            self.refreshed_at = time.monotonic()
            return count

    def due(self) -> bool:
        interval = refresh_seconds(self.settings)
        return interval is not None and time.monotonic() - self.refreshed_at >= interval

    def _unsnap_pending(self) -> None:
        """The snapshot's rows of every pending document, gone (they are written anew)."""
        rows = "SELECT s.rowid FROM snap s JOIN pending p ON p.id = s.id"
        self.db.execute(f"DELETE FROM texts WHERE rowid IN (SELECT entry FROM entries WHERE doc IN ({rows}))")
        self.db.execute(f"DELETE FROM entries WHERE doc IN ({rows})")
        self.db.execute(f"DELETE FROM vals WHERE rowid IN ({rows})")
        self.db.execute("DELETE FROM snap WHERE id IN (SELECT id FROM pending)")

    def _snap_all(self, changed) -> None:
        """The snapshot's rows for (id, source) pairs, written by batches of statements; row
        ids are given here, so no statement waits for the one before."""
        rowid = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM snap").fetchone()[0]
        entry = self.db.execute("SELECT COALESCE(MAX(entry), 0) FROM entries").fetchone()[0]
        batch: dict[str, list] = {"snap": [], "vals": [], "texts": [], "entries": []}
        for position, (doc_id, source) in enumerate(changed):
            if position % 100 == 0:
                self.check_stopping()
            rowid += 1
            batch["snap"].append((rowid, doc_id, source))
            texts = self._values(rowid, json.loads(source), batch["vals"])
            for path, parts in texts.items():
                entry += 1
                content = "\n".join(parts)
                batch["texts"].append((entry, content))
                batch["entries"].append((entry, rowid, path, len(tokens(content))))
            if len(batch["snap"]) >= 500:
                self._write(batch)
        self._write(batch)

    def _write(self, batch: dict[str, list]) -> None:
        for table, marks in (("snap", "?, ?, ?"), ("vals", "?, ?, ?, ?"), ("texts", "?, ?"),
                             ("entries", "?, ?, ?, ?")):
            columns = " (rowid, content)" if table == "texts" else " (rowid, id, source)" if table == "snap" else ""
            self.db.executemany(f"INSERT INTO {table}{columns} VALUES ({marks})", batch[table])
            batch[table].clear()

    def _values(self, rowid: int, source: dict, values: list) -> dict[str, list[str]]:
        """The document's keyword, number, date and boolean values (added to `values`) and its
        text by field."""
        texts: dict[str, list[str]] = {}
        for path, value in mapping_mod.leaves(source):
            kind = self.types.get(path)
            if kind in mapping_mod.TEXT_TYPES:
                texts.setdefault(path, []).append(str(value))
                keyword = f"{path}.keyword"
                if self.types.get(keyword) == "keyword" and len(str(value)) <= 256:
                    values.append((rowid, keyword, str(value), None))
            elif kind == "date":
                values.append((rowid, path, str(value), mapping_mod.to_millis(value)))
            elif kind in mapping_mod.NUMERIC_TYPES:
                values.append((rowid, path, mapping_mod.keyword_value(value), mapping_mod.to_number(value)))
            elif kind == "boolean":
                values.append((rowid, path, mapping_mod.keyword_value(value), 1.0 if value else 0.0))
            else:  # keyword and anything kept as is
                values.append((rowid, path, mapping_mod.keyword_value(value), None))
        return texts

    def close(self) -> None:
        with self.lock:
            self.db.close()
