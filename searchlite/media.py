"""Which request bodies Elasticsearch 8 reads, by their Content-Type (RestController): none
without one, none of the types a web page may send to any origin without asking first
(the CORS-safelisted ones: a form or text/plain), none it has no parser for (pure)."""

from __future__ import annotations

from searchlite.errors import SearchError, SimpleError, unsupported

SAFELISTED = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
JSON = {"application/json", "application/x-ndjson", "application/*", "application/vnd.elasticsearch+json",
        "application/vnd.elasticsearch+x-ndjson"}
OTHER_XCONTENT = {"application/smile", "application/yaml", "application/cbor", "application/vnd.elasticsearch+smile",
                  "application/vnd.elasticsearch+yaml", "application/vnd.elasticsearch+cbor"}


def media_type(value: str) -> str:
    """type/subtype of a Content-Type value, lower-cased, without its parameters."""
    return value.split(";", 1)[0].strip().lower()


def body_refusal(values: list[str] | None, has_body: bool, bulk: bool = False) -> SearchError | None:
    """The error a request with this Content-Type gets, or None when its body may be read.
    A request without a body is never refused for its Content-Type."""
    if not has_body:
        return None
    if not values:
        return SimpleError(406, "", "Content-Type header is missing")
    kind = media_type(values[0])
    if kind in JSON:
        return None
    if kind in OTHER_XCONTENT and kind not in SAFELISTED:
        if bulk and "smile" not in kind:
            return SimpleError(406, "", f"Content-Type [{kind.rpartition('+')[2].rpartition('/')[2]}] does not "
                                        "support stream parsing. Use JSON or SMILE instead")
        return unsupported(f"Content-Type {kind}")
    return SimpleError(406, "", f"Content-Type header [{','.join(values)}] is not supported")
