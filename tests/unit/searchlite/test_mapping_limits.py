"""Mapping limits: what a document may add, what an explicit mapping may hold (pure)."""

import pytest

from searchlite import mapping
from searchlite.errors import SearchError


def refused(call, *args):
    with pytest.raises(SearchError) as err:
        call(*args)
    return err.value


def test_a_document_of_5000_fields_is_refused_without_touching_the_mapping():
    before = {"properties": {}}
    error = refused(mapping.merge_dynamic, before, {f"f{i}": f"value {i}" for i in range(5000)})
    # 500 strings (text + keyword: 2 fields each) fill the 1000; the 501st would make it 1002
    assert (error.kind, error.reason) == ("illegal_argument_exception",
                                          "Limit of total fields [1000] has been exceeded while adding new fields [1002]")
    assert before == {"properties": {}}


def test_fields_up_to_the_limit_are_mapped_and_counted_as_elasticsearch_counts():
    merged = mapping.merge_dynamic({"properties": {}}, {f"f{i}": f"value {i}" for i in range(500)})
    assert mapping.count_fields(merged) == 1000
    assert mapping.merge_dynamic(merged, {"f1": "again"}) is None  # nothing new
    error = refused(mapping.merge_dynamic, merged, {"n": 1})
    assert error.reason == "Limit of total fields [1000] has been exceeded while adding new fields [1]"
    assert mapping.merge_dynamic(merged, {"n": 1}, {"index.mapping.total_fields.limit": 1001}) is not None


def test_objects_count_and_nest_to_twenty_levels():
    doc = "x"
    for _ in range(19):
        doc = {"o": doc}
    merged = mapping.merge_dynamic({"properties": {}}, {"o": doc})  # 19 objects: depth 20
    assert mapping.count_fields(merged) == 19 + 2
    error = refused(mapping.merge_dynamic, {"properties": {}}, {"o": {"o": doc}})
    assert error.reason == "Limit of mapping depth [20] has been exceeded due to object field [" + \
        ".".join(["o"] * 20) + "]"


def test_dotted_names_are_objects_and_empty_names_are_refused():
    merged = mapping.merge_dynamic({"properties": {}}, {"a.b": 1, "a": {"c": "x"}})
    assert mapping.field_types(merged) == {"a.b": "long", "a.c": "text", "a.c.keyword": "keyword"}
    assert refused(mapping.merge_dynamic, {}, {"": 1}).reason == "Field name cannot be an empty string"
    assert refused(mapping.merge_dynamic, {}, {"a.": 1}).reason == \
        "object field starting or ending with a [.] makes object resolution ambiguous: [a.]"
    blank = refused(mapping.merge_dynamic, {}, {"o": {"  ": 1}})
    assert (blank.kind, blank.reason) == ("document_parsing_exception",
                                          "[1:1] Field name cannot contain only whitespace: [o.  ]")


def test_nested_documents_are_bounded():
    nested = {"properties": {"items": {"type": "nested", "properties": {}}}}
    assert mapping.merge_dynamic(nested, {"items": [{"n": 1}] * 3}, {"mapping.nested_objects.limit": 3})
    error = refused(mapping.merge_dynamic, nested, {"items": [{"n": 1}] * 4}, {"mapping.nested_objects.limit": 3})
    assert error.reason.startswith("The number of nested documents has exceeded the allowed limit of [3].")


def test_arrays_of_arrays_are_flattened_not_recursed():
    deep = 1
    for _ in range(900):
        deep = [deep]
    merged = mapping.merge_dynamic({"properties": {}}, {"n": deep})
    assert mapping.field_types(merged) == {"n": "long"}
    assert list(mapping.leaves({"n": [[1, 2], [3, [4]]]})) == [("n", 1), ("n", 2), ("n", 3), ("n", 4)]


@pytest.mark.parametrize("properties, settings, reason", [
    ({f"f{i}": {"type": "keyword"} for i in range(1001)}, {}, "Limit of total fields [1000] has been exceeded"),
    ({"t": {"type": "text", "fields": {"k": {"type": "keyword"}}}}, {"mapping.total_fields.limit": 1},
     "Limit of total fields [1] has been exceeded"),
    ({"a": {"properties": {"b": {"properties": {"c": {"type": "long"}}}}}}, {"mapping.depth.limit": 2},
     "Limit of mapping depth [2] has been exceeded due to object field [a.b]"),
    ({"n": {"type": "nested"}, "m": {"type": "nested"}}, {"mapping.nested_fields.limit": 1},
     "Limit of nested fields [1] has been exceeded"),
    ({"abcdef": {"type": "long"}}, {"mapping.field_name_length.limit": 5},
     "Field name [abcdef] is longer than the limit of [5] characters"),
])
def test_an_explicit_mapping_within_the_limits(properties, settings, reason):
    error = refused(mapping.check_mapping, {"properties": properties}, settings)
    assert (error.status, error.kind, error.reason) == (400, "illegal_argument_exception", reason)


def test_a_mapping_nested_past_python_recursion_is_refused_by_depth():
    properties = {"leaf": {"type": "long"}}
    for _ in range(5000):
        properties = {"o": {"properties": properties}}
    settings = {"mapping.total_fields.limit": 10**6}  # checked first, as MappingLookup.checkLimits does
    assert "Limit of mapping depth [20]" in refused(mapping.check_mapping, {"properties": properties}, settings).reason

