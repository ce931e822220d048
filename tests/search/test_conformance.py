"""What web apps ask of Elasticsearch, through the official clients."""

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.search.conftest import error_type, status_of

POSTS = [
    {"title": "Deploying Flask to Heroku", "body": "Procfile, gunicorn and a Postgres add-on", "views": 120,
     "tags": ["flask", "heroku"], "author": {"name": "Ada"}, "published": "2026-01-10T10:00:00Z"},
    {"title": "Ephemeral filesystems", "body": "Files written by a dyno vanish at restart; Heroku cycles dynos",
     "views": 45, "tags": ["heroku"], "author": {"name": "Grace"}, "published": "2026-02-01T09:30:00Z"},
    {"title": "Full text search with Elasticsearch", "body": "Index a post when it is created, search it later",
     "views": 300, "tags": ["search", "elasticsearch"], "author": {"name": "Ada"},
     "published": "2026-03-15T18:00:00Z"},
    {"title": "Postgres connection strings", "body": "DATABASE_URL uses the postgres scheme on Heroku",
     "views": 80, "tags": ["postgres", "heroku"], "author": {"name": "Linus"}, "published": "2025-12-24T12:00:00Z"},
]


def bulk(es, flavor, index, docs):
    if flavor == "os2":
        from opensearchpy import helpers
    else:
        from elasticsearch import helpers
    actions = [{"_index": index, "_id": str(i + 1), "_source": doc} for i, doc in enumerate(docs)]
    return helpers.bulk(es, actions, refresh=True)


@pytest.fixture
def posts(es, flavor, index_name):
    es.indices.create(index=index_name, body={"mappings": {"properties": {
        "title": {"type": "text", "fields": {"keyword": {"type": "keyword"}}}, "body": {"type": "text"},
        "views": {"type": "integer"}, "tags": {"type": "keyword"}, "published": {"type": "date"}}}})
    bulk(es, flavor, index_name, POSTS)
    return index_name


def ids(response):
    return [hit["_id"] for hit in response["hits"]["hits"]]


def search(es, index, body):
    return es.search(index=index, body=body)


def test_root_info_and_cluster_health(es):
    info = es.info()
    assert info["version"]["number"].split(".")[0] in ("7", "8", "2", "3")
    assert es.cluster.health()["status"] in ("green", "yellow")


def test_index_lifecycle(es, index_name, errors):
    created = es.indices.create(index=index_name, body={"settings": {"number_of_shards": 1},
                                                        "mappings": {"properties": {"title": {"type": "text"}}}})
    assert created["acknowledged"] is True and created["index"] == index_name
    assert es.indices.exists(index=index_name)
    mapping = es.indices.get_mapping(index=index_name)[index_name]["mappings"]
    assert mapping["properties"]["title"]["type"] == "text"
    with pytest.raises(errors["bad_request"]) as dup:
        es.indices.create(index=index_name)
    assert status_of(dup.value) == 400 and error_type(dup.value) == "resource_already_exists_exception"
    assert es.indices.delete(index=index_name)["acknowledged"] is True
    assert not es.indices.exists(index=index_name)
    with pytest.raises(errors["not_found"]) as missing:
        es.indices.delete(index=index_name)
    assert status_of(missing.value) == 404 and error_type(missing.value) == "index_not_found_exception"


def test_documents_crud(es, index_name, errors):
    put = es.index(index=index_name, id="a1", body={"title": "hello", "n": 1}, refresh=True)
    assert put["result"] == "created" and put["_version"] == 1
    again = es.index(index=index_name, id="a1", body={"title": "hello again", "n": 2})
    assert again["result"] == "updated" and again["_version"] == 2
    auto = es.index(index=index_name, body={"title": "no id given"})
    assert auto["result"] == "created" and len(auto["_id"]) >= 8
    got = es.get(index=index_name, id="a1")
    assert got["found"] is True and got["_source"] == {"title": "hello again", "n": 2}
    assert es.exists(index=index_name, id="a1")
    assert not es.exists(index=index_name, id="nope")
    with pytest.raises(errors["not_found"]):
        es.get(index=index_name, id="nope")
    assert es.delete(index=index_name, id="a1")["result"] == "deleted"
    with pytest.raises(errors["not_found"]):
        es.delete(index=index_name, id="a1")


def test_create_if_absent_conflicts(es, index_name, errors):
    es.create(index=index_name, id="x", body={"v": 1})
    with pytest.raises(errors["conflict"]) as conflict:
        es.create(index=index_name, id="x", body={"v": 2})
    assert status_of(conflict.value) == 409 and error_type(conflict.value) == "version_conflict_engine_exception"
    assert es.get(index=index_name, id="x")["_source"] == {"v": 1}


def test_update_partial_upsert_and_missing(es, index_name, errors):
    es.index(index=index_name, id="u", body={"title": "t", "meta": {"a": 1, "b": 2}})
    updated = es.update(index=index_name, id="u", body={"doc": {"meta": {"b": 3}, "extra": True}})
    assert updated["result"] == "updated"
    assert es.get(index=index_name, id="u")["_source"] == {"title": "t", "meta": {"a": 1, "b": 3}, "extra": True}
    assert es.update(index=index_name, id="u", body={"doc": {"extra": True}})["result"] == "noop"
    upserted = es.update(index=index_name, id="new", body={"doc": {"x": 1}, "doc_as_upsert": True})
    assert upserted["result"] == "created"
    with pytest.raises(errors["not_found"]) as missing:
        es.update(index=index_name, id="ghost", body={"doc": {"x": 1}})
    assert error_type(missing.value) == "document_missing_exception"


def test_bulk_indexes_in_one_request(es, flavor, index_name):
    docs = [{"title": f"post number {i}", "n": i} for i in range(500)]
    indexed, failures = bulk(es, flavor, index_name, docs)
    assert indexed == 500 and not failures
    assert es.count(index=index_name)["count"] == 500


def test_writes_are_searchable_after_a_refresh_not_before(es, index_name):
    es.indices.create(index=index_name, body={"settings": {"index": {"refresh_interval": "-1"}}})
    es.index(index=index_name, id="1", body={"title": "invisible until refresh"})
    assert es.get(index=index_name, id="1")["found"] is True  # GET is real time
    assert es.search(index=index_name, body={"query": {"match": {"title": "invisible"}}})["hits"]["total"]["value"] == 0
    es.indices.refresh(index=index_name)
    assert es.search(index=index_name, body={"query": {"match": {"title": "invisible"}}})["hits"]["total"]["value"] == 1


def test_default_refresh_makes_writes_searchable_within_a_second(es, index_name):
    es.index(index=index_name, id="1", body={"title": "soon visible"})
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if es.search(index=index_name, body={"query": {"match": {"title": "visible"}}})["hits"]["total"]["value"]:
            break
        time.sleep(0.1)
    else:
        pytest.fail("not searchable 3 s after the write")


def test_match_multi_match_with_boosts(es, posts):
    found = search(es, posts, {"query": {"match": {"body": "heroku"}}})
    assert set(ids(found)) == {"2", "4"}
    assert found["hits"]["total"] == {"value": 2, "relation": "eq"}
    assert found["hits"]["hits"][0]["_score"] >= found["hits"]["hits"][1]["_score"] > 0
    title_first = search(es, posts, {"query": {"multi_match": {"query": "postgres", "fields": ["title^3", "body"]}}})
    assert ids(title_first)[0] == "4"
    body_first = search(es, posts, {"query": {"multi_match": {"query": "heroku", "fields": ["title", "body^3"]}}})
    assert set(ids(body_first)) == {"1", "2", "4"}
    both = search(es, posts, {"query": {"match": {"body": {"query": "heroku postgres", "operator": "and"}}}})
    assert ids(both) == ["4"]


def test_term_terms_range_ids(es, posts):
    assert set(ids(search(es, posts, {"query": {"term": {"tags": "heroku"}}}))) == {"1", "2", "4"}
    assert set(ids(search(es, posts, {"query": {"terms": {"tags": ["search", "postgres"]}}}))) == {"3", "4"}
    assert set(ids(search(es, posts, {"query": {"range": {"views": {"gte": 80, "lt": 300}}}}))) == {"1", "4"}
    recent = search(es, posts, {"query": {"range": {"published": {"gte": "2026-01-15T00:00:00Z"}}}})
    assert set(ids(recent)) == {"2", "3"}
    assert set(ids(search(es, posts, {"query": {"ids": {"values": ["1", "3", "99"]}}}))) == {"1", "3"}
    # a term is not analysed: the capitalised word never matches the lower-cased token
    assert ids(search(es, posts, {"query": {"term": {"title": "Flask"}}})) == []
    assert ids(search(es, posts, {"query": {"term": {"title": "flask"}}})) == ["1"]
    assert ids(search(es, posts, {"query": {"term": {"title.keyword": "Ephemeral filesystems"}}})) == ["2"]


def test_bool_queries(es, posts):
    body = {"query": {"bool": {"must": [{"match": {"body": "heroku"}}],
                               "filter": [{"range": {"views": {"gte": 50}}}],
                               "must_not": [{"term": {"tags": "flask"}}]}}}
    assert ids(search(es, posts, body)) == ["4"]
    should = {"query": {"bool": {"should": [{"term": {"tags": "search"}}, {"term": {"tags": "postgres"}}]}}}
    assert set(ids(search(es, posts, should))) == {"3", "4"}
    filtered = search(es, posts, {"query": {"bool": {"filter": {"term": {"tags": "heroku"}}}}})
    assert {h["_score"] for h in filtered["hits"]["hits"]} == {0.0}


def test_query_string_simple(es, posts):
    assert set(ids(search(es, posts, {"query": {"query_string": {"query": "dyno OR elasticsearch"}}}))) == {"2", "3"}
    assert ids(search(es, posts, {"query": {"query_string": {"query": "title:connection"}}})) == ["4"]
    assert ids(es.search(index=posts, q="restart")) == ["2"]


def test_pagination_sort_and_source_filtering(es, posts):
    by_views = search(es, posts, {"sort": [{"views": {"order": "desc"}}], "size": 2})
    assert ids(by_views) == ["3", "1"]
    assert by_views["hits"]["hits"][0]["sort"] == [300]
    assert by_views["hits"]["total"]["value"] == 4
    page2 = search(es, posts, {"sort": [{"views": "desc"}], "from": 2, "size": 2})
    assert ids(page2) == ["4", "2"]
    ascending = search(es, posts, {"sort": ["published"], "_source": ["title", "author.name"]})
    assert ids(ascending)[0] == "4"
    assert ascending["hits"]["hits"][0]["_source"] == {"title": "Postgres connection strings",
                                                       "author": {"name": "Linus"}}
    excluded = search(es, posts, {"query": {"ids": {"values": ["1"]}}, "_source": {"excludes": ["body", "tags"]}})
    assert set(excluded["hits"]["hits"][0]["_source"]) == {"title", "views", "author", "published"}
    assert "_source" not in search(es, posts, {"_source": False, "size": 1})["hits"]["hits"][0]


def test_sorting_on_a_text_field_is_refused(es, posts, errors):
    with pytest.raises(errors["bad_request"]) as refused:
        search(es, posts, {"sort": ["title"]})
    assert "Text fields are not optimised" in str(refused.value)


def test_count_and_delete_by_query(es, posts):
    assert es.count(index=posts, body={"query": {"term": {"tags": "heroku"}}})["count"] == 3
    deleted = es.delete_by_query(index=posts, body={"query": {"term": {"tags": "postgres"}}}, refresh=True)
    assert deleted["deleted"] == 1
    assert es.count(index=posts)["count"] == 3
    assert es.delete_by_query(index=posts, body={"query": {"match_all": {}}}, refresh=True)["deleted"] == 3


def test_unknown_index_and_bad_query_dsl(es, posts, errors):
    with pytest.raises(errors["not_found"]) as missing:
        search(es, "no-such-index", {"query": {"match_all": {}}})
    assert error_type(missing.value) == "index_not_found_exception"
    with pytest.raises(errors["bad_request"]) as bad:
        search(es, posts, {"query": {"no_such_query": {}}})
    assert status_of(bad.value) == 400 and error_type(bad.value) == "parsing_exception"


@pytest.mark.lite_only
def test_unsupported_features_are_refused_by_name(es, posts, errors):
    for body, name in (({"aggs": {"t": {"terms": {"field": "tags"}}}}, "aggregations"),
                       ({"query": {"fuzzy": {"title": "flsk"}}}, "fuzzy query"),
                       ({"query": {"query_string": {"query": "fla*"}}}, "wildcards"),
                       ({"highlight": {"fields": {"body": {}}}}, "highlight")):
        with pytest.raises(errors["bad_request"]) as refused:
            search(es, posts, body)
        assert name in str(refused.value)


def test_malformed_json_and_huge_documents_leave_the_engine_serving(es, url, posts):
    request = urllib.request.Request(f"{url}/{posts}/_search", data=b'{"query": {"match_all": ',
                                     headers={"Content-Type": "application/json"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(request, timeout=10)
    assert bad.value.code == 400
    assert json.loads(bad.value.read())["status"] == 400
    # ~4 MB of 800 k words: large for a document, and indexed well within the clients' 30 s
    # timeout on a busy machine too (20 MB took 13 s on an idle one; past 30 s a client's retry
    # stacks a second copy on the engine)
    big = {"title": "huge", "body": "word " * (800 * 1024)}
    assert es.index(index=posts, id="big", body=big, refresh=True)["result"] == "created"
    assert es.count(index=posts, body={"query": {"match": {"title": "huge"}}})["count"] == 1
    assert es.cluster.health()["status"] in ("green", "yellow")


def test_keyword_api_of_the_8x_client(es, flavor, index_name):
    if flavor != "es8":
        pytest.skip("the document=/query= keywords are the 8.x client's")
    es.index(index=index_name, id="k", document={"title": "keyword arguments"}, refresh=True)
    found = es.search(index=index_name, query={"match": {"title": "keyword"}}, size=5, source=["title"])
    assert ids(found) == ["k"]


def test_elasticsearch_limits_answer_400(es, posts, index_name, errors):
    with pytest.raises(errors["bad_request"]) as wide:
        es.index(index=index_name, id="1", body={f"f{i}": f"v{i}" for i in range(1200)})
    assert status_of(wide.value) == 400 and "Limit of total fields [1000] has been exceeded" in str(wide.value.info)
    with pytest.raises(errors["bad_request"]) as mapped:
        es.indices.create(index=f"{index_name}-mapped", body={"mappings": {"properties": {
            f"f{i}": {"type": "keyword"} for i in range(1001)}}})
    assert error_type(mapped.value) == "illegal_argument_exception"
    with pytest.raises(errors["bad_request"]) as terms:
        search(es, posts, {"query": {"terms": {"tags": [str(i) for i in range(65537)]}}})
    assert "The number of terms [65537] used in the Terms Query request has exceeded" in str(terms.value.info)
    with pytest.raises(errors["bad_request"]) as window:
        search(es, posts, {"from": 10000, "size": 1})
    assert "Result window is too large" in str(window.value.info)
    deep = {"match_all": {}}
    for _ in range(31):
        deep = {"bool": {"must": [deep]}}
    with pytest.raises(errors["bad_request"]):
        search(es, posts, {"query": deep})


def test_a_body_any_web_page_could_send_is_not_read(es, url, posts):
    # text/plain needs no CORS preflight: Elasticsearch 8 reads no such body (406)
    request = urllib.request.Request(f"{url}/{posts}/_delete_by_query", data=b'{"query": {"match_all": {}}}',
                                     headers={"Content-Type": "text/plain"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 406
    assert json.loads(refused.value.read()) == {"error": "Content-Type header [text/plain] is not supported",
                                                "status": 406}
    assert es.count(index=posts)["count"] == 4
