"""Query limits in Elasticsearch's words and shapes: nested depth, terms count, clause count,
field expansion, and the search_phase_execution_exception around shard-level errors (pure)."""

import pytest

from searchlite import dsl, limits
from searchlite.errors import SearchError, ShardLevel, on_shard
from searchlite.query import check_clauses

TEXT = {"title": "text", "tags": "keyword"}


def nested_bool(depth: int) -> dict:
    query = {"match_all": {}}
    for _ in range(depth - 1):
        query = {"bool": {"must": [query]}}
    return query


def refused(query, fields=TEXT, settings=None, maximum=None):
    with pytest.raises(SearchError) as err:
        node = dsl.parse(query, fields, settings)
        check_clauses(node, fields, maximum or limits.MAX_CLAUSES)
    return err.value


def test_thirty_nested_queries_are_read_the_thirty_first_refused():
    dsl.parse(nested_bool(30), TEXT)
    error = refused(nested_bool(31))
    assert (error.status, error.kind, error.reason) == (400, "x_content_parse_exception",
                                                        "[1:1] [bool] failed to parse field [must]")
    body = error.body()["error"]
    assert body["root_cause"] == [{"type": "x_content_parse_exception",
                                   "reason": "[1:1] [bool] failed to parse field [must]"}]
    cause, wrappers = body["caused_by"], 1
    while cause["type"] == "x_content_parse_exception":
        cause, wrappers = cause["caused_by"], wrappers + 1
    assert wrappers == 30 and cause == {"type": "illegal_argument_exception", "reason": (
        "The nested depth of the query exceeds the maximum nested depth for queries set in "
        "[indices.query.bool.max_nested_depth]")}


def test_terms_are_bounded_by_the_index_setting():
    dsl.parse({"terms": {"tags": list(range(65536))}}, TEXT)
    error = refused({"terms": {"tags": list(range(65537))}})
    assert isinstance(error, ShardLevel) and error.reason == (
        "failed to create query: The number of terms [65537] used in the Terms Query request has exceeded the allowed "
        "maximum of [65536]. This maximum can be set by changing the [index.max_terms_count] index level setting.")
    assert error.extra["caused_by"]["type"] == "illegal_argument_exception"
    dsl.parse({"terms": {"tags": list(range(65537))}}, TEXT, {"max_terms_count": 70000})


def test_a_boolean_query_wider_than_max_clause_count_fails_when_created():
    check_clauses(dsl.parse({"match": {"title": " ".join(f"w{i}" for i in range(10))}}, TEXT), TEXT, 10)
    error = refused({"match": {"title": " ".join(f"w{i}" for i in range(11))}}, maximum=10)
    assert error.reason == "failed to create query: maxClauseCount is set to 10"
    assert error.extra["caused_by"] == {"type": "too_many_clauses", "reason": "maxClauseCount is set to 10"}
    assert refused({"bool": {"should": [{"term": {"tags": i}} for i in range(11)]}}, maximum=10).reason == \
        "failed to create query: maxClauseCount is set to 10"


def test_more_leaves_than_max_clause_count_fail_at_rewrite():
    # two clauses of 6 words each: no query wider than 10, but 12 leaves (Lucene allows max + 1)
    words = " ".join(f"w{i}" for i in range(6))
    check_clauses(dsl.parse({"bool": {"should": [{"match": {"title": words}}, {"match": {"title": "a b c d e"}}]}},
                            TEXT), TEXT, 10)
    error = refused({"bool": {"should": [{"match": {"title": words}}] * 2}}, maximum=10)
    assert (error.kind, error.reason) == ("illegal_argument_exception", "Query rewrite failed: too many clauses")
    assert error.extra["caused_by"] == {"type": "too_many_nested_clauses",
                                        "reason": "Query contains too many nested clauses; maxClauseCount is set to 10"}


def test_field_expansion_is_bounded_by_max_clause_count():
    fields = {f"f{i}": "text" for i in range(20)}
    context = dsl.Context(fields, {}, max_clauses=10)
    with pytest.raises(SearchError) as err:
        dsl._multi_match({"query": "x", "fields": ["f*"]}, context)
    assert err.value.reason == "failed to create query: field expansion for [f*] matches too many fields, limit: 10, got: 20"


def test_shard_level_errors_come_in_search_phase_execution_exception():
    error = on_shard(refused({"terms": {"tags": list(range(65537))}}), "posts", "uuid1")
    body = error.body()
    assert body["status"] == 400 and body["error"]["type"] == "search_phase_execution_exception"
    assert body["error"]["reason"] == "all shards failed" and body["error"]["phase"] == "query"
    shard = body["error"]["failed_shards"][0]
    assert shard["index"] == "posts" and shard["shard"] == 0 and shard["reason"]["index"] == "posts"
    assert shard["reason"]["type"] == "query_shard_exception" and "caused_by" in shard["reason"]
    assert body["error"]["root_cause"] == [{k: v for k, v in shard["reason"].items() if k != "caused_by"}]


def test_query_string_uses_the_clause_limit():
    context = dsl.Context(TEXT, {}, max_clauses=10)
    dsl._query_string({"query": "a " * 10}, context)
    with pytest.raises(SearchError) as err:
        dsl._query_string({"query": "a " * 11}, context)
    assert err.value.kind == "query_shard_exception"
    assert err.value.extra["caused_by"]["reason"].endswith("': too many boolean clauses")
