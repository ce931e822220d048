"""The indices on disk, document operations in Elasticsearch's words, bulk, and the
refresh clock that makes writes searchable (every index.refresh_interval, default 1 s)."""

from __future__ import annotations

import fnmatch
import json
import threading
import time
import uuid
from pathlib import Path

from searchlite import bulk as bulk_mod
from searchlite import limits, search
from searchlite import mapping as mapping_mod
from searchlite.disk import FloodStage
from searchlite.errors import SearchError, document_missing, illegal, index_not_found, parsing
from searchlite.store import Index, check_name, refresh_seconds

SHARDS = {"total": 2, "successful": 1, "failed": 0}


class Engine:
    def __init__(self, data: Path, disk: FloodStage | None = None):
        self.data = data
        self.disk = disk or FloodStage(data)
        (data / "indices").mkdir(parents=True, exist_ok=True)
        self.indices: dict[str, Index] = {}
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        for path in sorted((data / "indices").glob("*.sqlite3")):
            self.indices[path.stem] = Index(path.stem, path, self.stopping)

    def stop(self) -> None:
        """Work in hand is abandoned at its next step: loops see `stopping`, SQLite statements
        running now are interrupted (their transactions roll back)."""
        self.stopping.set()
        with self.lock:
            indices = list(self.indices.values())
        for index in indices:
            try:
                index.db.interrupt()
            except Exception:  # noqa: BLE001 - a connection already closed
                pass

    # -- indices -----------------------------------------------------------------------------
    def index(self, name: str) -> Index:
        with self.lock:
            found = self.indices.get(name)
        if found is None:
            raise index_not_found(name)
        return found

    def resolve(self, expression: str | None) -> list[Index]:
        """Index names, comma lists, wildcards and _all, as in a search path."""
        if not expression or expression in ("_all", "*"):
            with self.lock:
                return [self.indices[n] for n in sorted(self.indices)]
        out: list[Index] = []
        for part in expression.split(","):
            if "*" in part:
                with self.lock:
                    out.extend(self.indices[n] for n in sorted(self.indices) if fnmatch.fnmatchcase(n, part))
            else:
                out.append(self.index(part))
        return out

    def create(self, name: str, body: dict | None, exist_ok: bool = False) -> Index:
        check_name(name)
        body = body or {}
        unknown = set(body) - {"settings", "mappings", "aliases"}
        if unknown:
            raise parsing(f"unknown key [{sorted(unknown)[0]}] for create index")
        if body.get("aliases"):
            raise illegal("[aliases] are not supported by herosim's lite search engine")
        with self.lock:
            if name in self.indices:
                if exist_ok:
                    return self.indices[name]
                raise SearchError(400, "resource_already_exists_exception",
                                  f"index [{name}/{self.indices[name].uuid}] already exists", index=name,
                                  index_uuid=self.indices[name].uuid)
            mappings = body.get("mappings") or {}
            if "_doc" in mappings and "properties" not in mappings:  # 7.x clients may nest under the type
                mappings = mappings["_doc"]
            mapping = {"properties": {}, **mappings}
            given = body.get("settings")
            settings = limits.flatten(given if isinstance(given, dict) else {})
            mapping_mod.check_mapping(mapping, settings)
            refresh_seconds(settings)
            index = Index(name, self.data / "indices" / f"{name}.sqlite3", self.stopping)
            index.mapping, index.settings = mapping, settings
            index.save_meta()
            self.indices[name] = index
            return index

    def delete_index(self, expression: str) -> None:
        targets = self.resolve(expression)
        with self.lock:
            for index in targets:
                self.indices.pop(index.name, None)
                index.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(str(index.path) + suffix).unlink(missing_ok=True)

    def auto_create(self, name: str) -> Index:
        with self.lock:
            if name in self.indices:
                return self.indices[name]
        return self.create(name, None, exist_ok=True)

    # -- documents -----------------------------------------------------------------------------
    def write_result(self, index: Index, doc_id: str, result: str, version: int, seq_no: int) -> dict:
        return {"_index": index.name, "_id": doc_id, "_version": version, "result": result,
                "_shards": SHARDS, "_seq_no": seq_no, "_primary_term": 1}

    def put(self, name: str, doc_id: str | None, source, create: bool, refresh: str | None,
            text: str | None = None) -> tuple[int, dict]:
        index = self.auto_create(name)
        self.disk.check(index.name, index.settings)
        doc_id = doc_id or uuid.uuid4().hex[:20]
        result, version, seq_no = index.put(doc_id, source, create=create, text=text)
        self._after_write(index, refresh)
        return (201 if result == "created" else 200), self.write_result(index, doc_id, result, version, seq_no)

    def get(self, name: str, doc_id: str, source_spec=True) -> tuple[int, dict]:
        index = self.index(name)
        found = index.get(doc_id)
        if found is None:
            return 404, {"_index": name, "_id": doc_id, "found": False}
        source, version, seq_no = found
        body = {"_index": name, "_id": doc_id, "_version": version, "_seq_no": seq_no, "_primary_term": 1,
                "found": True}
        filtered = search.filter_source(source, source_spec)
        if filtered is not None:
            body["_source"] = filtered
        return 200, body

    def delete(self, name: str, doc_id: str, refresh: str | None) -> tuple[int, dict]:
        index = self.index(name)
        result, version, seq_no = index.delete(doc_id)
        self._after_write(index, refresh)
        return (404 if result == "not_found" else 200), self.write_result(index, doc_id, result, version, seq_no)

    def update(self, name: str, doc_id: str, body: dict, refresh: str | None) -> tuple[int, dict]:
        if not isinstance(body, dict):
            raise parsing("request body is required")
        if "script" in body:
            raise illegal("[script] updates are not supported by herosim's lite search engine")
        unknown = set(body) - {"doc", "upsert", "doc_as_upsert", "detect_noop", "_source"}
        if unknown:
            raise parsing(f"[UpdateRequest] unknown field [{sorted(unknown)[0]}]")
        index = self.auto_create(name)
        self.disk.check(index.name, index.settings)
        with index.lock:
            found = index.get(doc_id)
            if found is None:
                if body.get("doc_as_upsert") and "doc" in body:
                    source = body["doc"]
                elif "upsert" in body:
                    source = body["upsert"]
                else:
                    raise document_missing(name, doc_id)
                result, version, seq_no = index.put(doc_id, source)
            else:
                current = found[0]
                merged = mapping_mod.deep_merge(json.loads(json.dumps(current)), body.get("doc") or {})
                if merged == current and body.get("detect_noop", True):
                    return 200, self.write_result(index, doc_id, "noop", found[1], found[2]) | {
                        "_shards": {"total": 0, "successful": 0, "failed": 0}}
                result, version, seq_no = index.put(doc_id, merged)
        self._after_write(index, refresh)
        return (201 if result == "created" else 200), self.write_result(index, doc_id, result, version, seq_no)

    def _after_write(self, index: Index, refresh: str | None) -> None:
        if refresh in ("true", "", "wait_for"):
            index.refresh()

    # -- bulk ------------------------------------------------------------------------------------
    def bulk(self, default_index: str | None, text: str, refresh: str | None) -> bulk_mod.RawBody:
        return bulk_mod.run(self, default_index, text, refresh)

    # -- the refresh clock -----------------------------------------------------------------------
    def start_refresher(self) -> None:
        def loop():
            while not self.stopping.is_set():
                time.sleep(0.1)
                with self.lock:
                    indices = list(self.indices.values())
                for index in indices:
                    try:
                        if index.due():
                            index.refresh()
                    except Exception:  # noqa: BLE001 - a deleted index mid-refresh
                        pass
        threading.Thread(target=loop, daemon=True, name="refresh").start()
