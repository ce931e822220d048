"""The lite engine's pure parts: mappings, query parsing, _source filtering, sort specs."""

import pytest

from searchlite import dsl, mapping, search
from searchlite.errors import SearchError
from searchlite.store import refresh_seconds, tokens


@pytest.mark.parametrize("value, expected", [
    (True, {"type": "boolean"}), (3, {"type": "long"}), (2.5, {"type": "float"}),
    ("2026-11-28", {"type": "date"}), ("2026-11-28T04:38:58.998605+00:00", {"type": "date"}),
    ("hello", {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}),
    (["a", "b"], {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}),
])
def test_dynamic_mapping_like_elasticsearch(value, expected):
    assert mapping.infer(value) == expected


def test_nested_objects_map_to_dotted_fields():
    m = mapping.merge_dynamic({"properties": {}}, {"author": {"name": "Ada", "age": 36}, "tags": ["x"]})
    assert mapping.field_types(m) == {"author.name": "text", "author.name.keyword": "keyword",
                                      "author.age": "long", "tags": "text", "tags.keyword": "keyword"}
    assert list(mapping.leaves({"a": {"b": [1, 2]}, "c": None})) == [("a.b", 1), ("a.b", 2)]


def test_tokens_follow_the_standard_analyzer_closely():
    assert tokens("Hello, WORLD! Ünïcode_snake 42") == ["hello", "world", "ünïcode", "snake", "42"]


@pytest.mark.parametrize("body, kind, fragment", [
    ({"nope": {}}, "parsing_exception", "unknown query [nope]"),
    ({"fuzzy": {"title": "x"}}, "illegal_argument_exception", "[fuzzy query] is not supported"),
    ({"match": {"a": "x", "b": "y"}}, "parsing_exception", "doesn't support multiple fields"),
    ({"query_string": {"query": "fla*"}}, "illegal_argument_exception", "wildcards"),
    ({"query_string": {"query": "title:[a TO b]"}}, "illegal_argument_exception", "ranges"),
    ({"range": {"views": {"from": 1}}}, "illegal_argument_exception", "range.from"),
])
def test_query_errors_name_the_problem(body, kind, fragment):
    with pytest.raises(SearchError) as err:
        dsl.parse(body, {})
    assert err.value.status == 400 and err.value.kind == kind and fragment in err.value.reason


def test_query_string_operators():
    node = dsl.parse({"query_string": {"query": "a AND b -c d"}}, {"t": "text"})
    assert len(node.must) == 2 and len(node.must_not) == 1 and len(node.should) == 1


def test_source_filtering():
    doc = {"title": "t", "author": {"name": "n", "email": "e"}, "body": "b"}
    assert search.filter_source(doc, ["title", "author.name"]) == {"title": "t", "author": {"name": "n"}}
    assert search.filter_source(doc, {"excludes": ["author.email", "body"]}) == {"title": "t", "author": {"name": "n"}}
    assert search.filter_source(doc, ["auth*"]) == {"author": {"name": "n", "email": "e"}}
    assert search.filter_source(doc, False) is None


def test_sort_specs():
    assert search.sort_spec(None) == [("_score", True)]
    assert search.sort_spec(["views:desc", {"title.keyword": "asc"}, "_score"]) == \
        [("views", True), ("title.keyword", False), ("_score", True)]
    with pytest.raises(SearchError):
        search.sort_spec([{"views": {"order": "asc", "mode": "avg"}}])


def test_body_keys_outside_the_subset_are_refused():
    with pytest.raises(SearchError) as err:
        search.check_body({"aggs": {}})
    assert "[aggregations] is not supported" in err.value.reason


@pytest.mark.parametrize("settings, seconds", [({}, 1.0), ({"refresh_interval": "-1"}, None),
                                               ({"index": {"refresh_interval": "500ms"}}, 0.5),
                                               ({"refresh_interval": "30s"}, 30.0)])
def test_refresh_interval(settings, seconds):
    assert refresh_seconds(settings) == seconds


def test_an_index_of_the_old_layout_is_searchable_in_the_new(tmp_path):
    # layout 1 kept three FTS5 tables per text field; its snapshot is rebuilt from the documents
    import json
    import sqlite3

    from searchlite import search
    from searchlite.store import Index
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE docs (id TEXT PRIMARY KEY, source TEXT NOT NULL, version INTEGER NOT NULL, seq_no INTEGER NOT NULL);
        CREATE TABLE snap (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, source TEXT NOT NULL);
        CREATE TABLE fields (name TEXT PRIMARY KEY, fts TEXT NOT NULL);
        CREATE TABLE lens (rowid INTEGER NOT NULL, field TEXT NOT NULL, len INTEGER NOT NULL);
        CREATE VIRTUAL TABLE fts_0 USING fts5(content);
        CREATE VIRTUAL TABLE fts_0_row USING fts5vocab(fts_0, 'row');
        INSERT INTO fields VALUES ('title', 'fts_0');
    """)
    db.execute("INSERT INTO meta VALUES ('mapping', ?)", (json.dumps({"properties": {"title": {"type": "text"}}}),))
    db.execute("INSERT INTO meta VALUES ('seq_no', '1')")
    for i in range(2):
        db.execute("INSERT INTO docs VALUES (?, ?, 1, ?)", (str(i), json.dumps({"title": f"hello {i}"}), i))
    db.commit()
    db.close()
    index = Index("old", path)
    tables = {r[0] for r in index.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not {"fields", "lens", "fts_0", "fts_0_row"} & tables
    assert search.run([index], {"query": {"match": {"title": "hello"}}})["hits"]["total"]["value"] == 2
    assert index.seq_no == 1
