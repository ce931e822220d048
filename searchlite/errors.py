"""Errors in Elasticsearch's JSON shape and status codes."""

from __future__ import annotations

import uuid

NODE_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "herosim-search-lite-node").hex[:22]


class SearchError(Exception):
    """One Elasticsearch error. `caused_by` is rendered as ES renders an exception's cause;
    `root` replaces the root cause ES would guess (the error itself, without its cause)."""

    def __init__(self, status: int, kind: str, reason: str, root: dict | None = None, **extra):
        super().__init__(reason)
        self.status = status
        self.kind = kind
        self.reason = reason
        self.root = root
        self.extra = extra

    def cause(self) -> dict:
        return {"type": self.kind, "reason": self.reason, **self.extra}

    def body(self) -> dict:
        cause = self.cause()
        root = self.root or {k: v for k, v in cause.items() if k != "caused_by"}
        return {"error": {"root_cause": [root], **cause}, "status": self.status}


class SimpleError(SearchError):
    """The REST layer's own refusals, answered as {"error": "<sentence>", "status": N}."""

    def body(self) -> dict:
        return {"error": self.reason, "status": self.status}


class ShardLevel(SearchError):
    """An error Elasticsearch raises while a shard builds or runs the query: the search
    wraps it in search_phase_execution_exception (see on_shard)."""


def index_not_found(index: str) -> SearchError:
    error = SearchError(404, "index_not_found_exception", f"no such index [{index}]", index=index)
    error.extra.update({"resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_"})
    return error


def parsing(reason: str) -> SearchError:
    return SearchError(400, "parsing_exception", reason, line=1, col=1)


def bad_json(reason: str) -> SearchError:
    return SearchError(400, "x_content_parse_exception", f"[1:1] {reason}")


def illegal(reason: str) -> SearchError:
    return SearchError(400, "illegal_argument_exception", reason)


def unsupported(feature: str) -> SearchError:
    return illegal(f"[{feature}] is not supported by herosim's lite search engine, which speaks the part of "
                   "the Elasticsearch API web apps use; online, "
                   "`herosim addons:create elasticsearch --engine elasticsearch` runs the real engine for the rest")


def conflict(index: str, doc_id: str, version: int) -> SearchError:
    return SearchError(409, "version_conflict_engine_exception",
                       f"[{doc_id}]: version conflict, document already exists (current version [{version}])",
                       index=index, shard="0", index_uuid="_na_")


def document_missing(index: str, doc_id: str) -> SearchError:
    return SearchError(404, "document_missing_exception", f"[{doc_id}]: document missing", index=index,
                       shard="0", index_uuid="_na_")


def document_parsing(reason: str, cause: SearchError | None = None) -> SearchError:
    """What the document parser answers; a limit it hits is its cause, as in Elasticsearch 8."""
    if cause is None:
        return SearchError(400, "document_parsing_exception", f"[1:1] {reason}")
    return SearchError(400, "document_parsing_exception", f"[1:1] failed to parse: {cause.reason}",
                       caused_by=cause.cause())


def failed_to_create_query(cause: SearchError) -> ShardLevel:
    """A query builder's error on the shard, as SearchExecutionContext.toQuery wraps it."""
    return ShardLevel(400, "query_shard_exception", f"failed to create query: {cause.reason}",
                      caused_by=cause.cause())


def on_shard(error: SearchError, index_name: str, index_uuid: str) -> SearchError:
    """All shards (here: the one) failed with `error`: search_phase_execution_exception."""
    reason = error.cause()
    if error.kind == "query_shard_exception":
        reason = {"type": error.kind, "reason": error.reason, "index_uuid": index_uuid, "index": index_name,
                  **{k: v for k, v in error.extra.items()}}
    root = {k: v for k, v in reason.items() if k != "caused_by"}
    return SearchError(error.status, "search_phase_execution_exception", "all shards failed", root=root,
                       phase="query", grouped=True,
                       failed_shards=[{"shard": 0, "index": index_name, "node": NODE_ID, "reason": reason}],
                       caused_by=reason)
