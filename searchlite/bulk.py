"""_bulk: newline-delimited actions, each answered by an item of its own. Lines are read one
at a time, consecutive actions on one index share a transaction (BATCH at most), and each
item is serialised as soon as it is done, so a 100 MB body costs its bytes, not its objects."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

from searchlite import limits
from searchlite.errors import SearchError, illegal

BATCH = 500
ACTIONS = ("index", "create", "update", "delete")


@dataclass(frozen=True)
class Action:
    kind: str
    index: str | None
    doc_id: str | None
    source: object = None
    error: SearchError | None = None  # the source line could not be parsed
    text: str | None = None           # the source line as sent


class RawBody(bytes):
    """A response body already serialised."""


def lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) without copying the body into a list."""
    start, number = 0, 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        number += 1
        yield number, text[start:end]
        start = end + 1


def actions(text: str, default_index: str | None) -> Iterator[Action]:
    """The actions of a bulk body; a malformed action line fails the whole request, a
    malformed source line only its item, as in Elasticsearch."""
    source_lines = lines(text)
    for number, raw in source_lines:
        if not raw.strip():
            continue
        try:
            action_line = limits.parse_json(raw)
        except SearchError as error:
            raise illegal(f"Malformed action/metadata line [{number}], expected START_OBJECT but found "
                          f"[{error.reason}]") from None
        if not isinstance(action_line, dict) or len(action_line) != 1:
            raise illegal(f"Malformed action/metadata line [{number}], expected a single action")
        (kind, meta), = action_line.items()
        if kind not in ACTIONS or not isinstance(meta, dict):
            raise illegal(f"Malformed action/metadata line [{number}], expected one of "
                          f"[create, delete, index, update] but found [{kind}]")
        name, doc_id = meta.get("_index") or default_index, meta.get("_id")
        if kind == "delete":
            yield Action(kind, name, doc_id)
            continue
        following = next(source_lines, None)
        if following is None:
            raise illegal("The bulk request must be terminated by a newline [\\n]")
        try:
            yield Action(kind, name, doc_id, limits.parse_json(following[1]), text=following[1].strip())
        except SearchError as error:
            yield Action(kind, name, doc_id, error=SearchError(
                400, "document_parsing_exception", f"[1:1] failed to parse: {error.reason}"))


def run(engine, default_index: str | None, text: str, refresh: str | None) -> RawBody:
    started = time.perf_counter()
    items, errors, touched = [], False, set()
    for name, group in itertools.groupby(actions(text, default_index), key=lambda a: a.index):
        for batch in _batches(group, BATCH):
            for action, status, result in _apply(engine, name, batch):
                if "error" in result:
                    errors = True
                else:
                    touched.add(name)
                items.append(json.dumps({action.kind: {**result, "status": status}}))
    if refresh in ("true", "", "wait_for"):
        for name in touched:
            engine.index(name).refresh()
    took = int((time.perf_counter() - started) * 1000)
    return RawBody(f'{{"took":{took},"errors":{json.dumps(errors)},"items":[{",".join(items)}]}}'.encode())


def _batches(items: Iterator[Action], size: int) -> Iterator[list[Action]]:
    """`items` in lists of `size` at most (itertools.batched once Python 3.12 is the floor)."""
    while batch := list(itertools.islice(items, size)):
        yield batch


def _apply(engine, name: str | None, batch: list[Action]) -> Iterator[tuple[Action, int, dict]]:
    """The batch's actions in one transaction of their index."""
    index = None
    if name is not None:
        try:
            index = engine.auto_create(name)
        except SearchError as error:
            for action in batch:
                yield action, error.status, _item_error(name, action.doc_id, error)
            return
    done = []
    if index is None or name is None:   # (no name, no index)
        done = [(a, 400, _item_error(None, a.doc_id, illegal("index is missing"))) for a in batch]
    else:
        with index.transaction():
            for action in batch:
                index.check_stopping()
                done.append(_one(engine, name, action))
    yield from done


def _one(engine, name: str, action: Action) -> tuple[Action, int, dict]:
    if action.error is not None:
        return action, action.error.status, _item_error(name, action.doc_id, action.error)
    try:
        if action.kind in ("index", "create"):
            status, result = engine.put(name, action.doc_id, action.source, create=action.kind == "create",
                                        refresh=None, text=action.text)
        elif action.kind == "update":
            status, result = engine.update(name, action.doc_id, action.source, refresh=None)
        else:
            status, result = engine.delete(name, action.doc_id, refresh=None)
        return action, status, result
    except SearchError as error:
        return action, error.status, _item_error(name, action.doc_id, error)


def _item_error(name, doc_id, error: SearchError) -> dict:
    return {"_index": name, "_id": doc_id, "error": error.cause()}
