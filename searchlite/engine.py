"""The indices on disk, document operations in Elasticsearch's words, bulk, and the
refresh clock that makes writes searchable (every index.refresh_interval, default 1 s)."""

from __future__ import annotations

import fnmatch
import json
import threading
import time
import uuid
from pathlib import Path

from searchlite import mapping as mapping_mod
from searchlite import search
from searchlite.errors import SearchError, document_missing, illegal, index_not_found, parsing
from searchlite.store import Index, check_name

SHARDS = {"total": 2, "successful": 1, "failed": 0}


class Engine:
    def __init__(self, data: Path):
        self.data = data
        (data / "indices").mkdir(parents=True, exist_ok=True)
        self.indices: dict[str, Index] = {}
        self.lock = threading.RLock()
        for path in sorted((data / "indices").glob("*.sqlite3")):
            self.indices[path.stem] = Index(path.stem, path)

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
        out = []
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
            index = Index(name, self.data / "indices" / f"{name}.sqlite3")
            mappings = body.get("mappings") or {}
            if "_doc" in mappings and "properties" not in mappings:  # 7.x clients may nest under the type
                mappings = mappings["_doc"]
            index.mapping = {"properties": {}, **mappings}
            settings = body.get("settings") or {}
            index.settings = settings.get("index", settings) if isinstance(settings, dict) else {}
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

    def put(self, name: str, doc_id: str | None, source, create: bool, refresh: str | None) -> tuple[int, dict]:
        index = self.auto_create(name)
        doc_id = doc_id or uuid.uuid4().hex[:20]
        result, version, seq_no = index.put(doc_id, source, create=create)
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
    def bulk(self, default_index: str | None, lines: list[str], refresh: str | None) -> dict:
        started = time.perf_counter()
        items, errors, touched = [], False, set()
        position = 0
        while position < len(lines):
            raw = lines[position].strip()
            position += 1
            if not raw:
                continue
            try:
                action_line = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise illegal(f"Malformed action/metadata line [{position}], expected START_OBJECT but found "
                              f"[{exc.msg}]") from exc
            if not isinstance(action_line, dict) or len(action_line) != 1:
                raise illegal(f"Malformed action/metadata line [{position}], expected a single action")
            (action, meta), = action_line.items()
            if action not in ("index", "create", "update", "delete"):
                raise illegal(f"Malformed action/metadata line [{position}], expected one of "
                              f"[create, delete, index, update] but found [{action}]")
            name = meta.get("_index") or default_index
            doc_id = meta.get("_id")
            source = None
            if action != "delete":
                if position >= len(lines):
                    raise illegal("The bulk request must be terminated by a newline [\\n]")
                try:
                    source = json.loads(lines[position])
                except json.JSONDecodeError as exc:
                    items.append({action: self._item_error(name, doc_id, 400, SearchError(
                        400, "document_parsing_exception", f"[1:1] failed to parse: {exc.msg}"))})
                    errors = True
                    position += 1
                    continue
                position += 1
            try:
                if name is None:
                    raise illegal("index is missing")
                if action in ("index", "create"):
                    status, result = self.put(name, doc_id, source, create=action == "create", refresh=None)
                elif action == "update":
                    status, result = self.update(name, doc_id, source, refresh=None)
                else:
                    status, result = self.delete(name, doc_id, refresh=None)
                items.append({action: {**result, "status": status}})
                touched.add(name)
            except SearchError as error:
                errors = True
                items.append({action: self._item_error(name, doc_id, error.status, error)})
        if refresh in ("true", "", "wait_for"):
            for name in touched:
                self.index(name).refresh()
        return {"took": int((time.perf_counter() - started) * 1000), "errors": errors, "items": items}

    @staticmethod
    def _item_error(name, doc_id, status, error: SearchError) -> dict:
        return {"_index": name, "_id": doc_id, "status": status,
                "error": {"type": error.kind, "reason": error.reason, **error.extra}}

    # -- the refresh clock -----------------------------------------------------------------------
    def start_refresher(self) -> None:
        def loop():
            while True:
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
