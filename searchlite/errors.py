"""Errors in Elasticsearch's JSON shape and status codes."""

from __future__ import annotations


class SearchError(Exception):
    def __init__(self, status: int, kind: str, reason: str, **extra):
        super().__init__(reason)
        self.status = status
        self.kind = kind
        self.reason = reason
        self.extra = extra

    def body(self) -> dict:
        cause = {"type": self.kind, "reason": self.reason, **self.extra}
        return {"error": {"root_cause": [cause], **cause}, "status": self.status}


def index_not_found(index: str) -> SearchError:
    return SearchError(404, "index_not_found_exception", f"no such index [{index}]", index=index,
                       **{"resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_"})


def parsing(reason: str) -> SearchError:
    return SearchError(400, "parsing_exception", reason, line=1, col=1)


def bad_json(reason: str) -> SearchError:
    return SearchError(400, "x_content_parse_exception", f"[1:1] {reason}")


def illegal(reason: str) -> SearchError:
    return SearchError(400, "illegal_argument_exception", reason)


def unsupported(feature: str) -> SearchError:
    return illegal(f"[{feature}] is not supported by herosim's lite search engine, which speaks the part of "
                   "the Elasticsearch API web apps use; online, `herosim addons:create elasticsearch --engine elasticsearch` runs the real engine for the rest")


def conflict(index: str, doc_id: str, version: int) -> SearchError:
    return SearchError(409, "version_conflict_engine_exception",
                       f"[{doc_id}]: version conflict, document already exists (current version [{version}])",
                       index=index, shard="0", index_uuid="_na_")


def document_missing(index: str, doc_id: str) -> SearchError:
    return SearchError(404, "document_missing_exception", f"[{doc_id}]: document missing", index=index,
                       shard="0", index_uuid="_na_")
