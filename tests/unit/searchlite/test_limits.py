"""Elasticsearch's limits as the lite engine reads and words them (pure)."""

import sys
import time

import pytest

from searchlite import limits
from searchlite.__main__ import RECURSION
from searchlite.errors import SearchError


@pytest.mark.parametrize("settings, value", [
    ({}, 1000),
    ({"mapping.total_fields.limit": 2000}, 2000),
    ({"index.mapping.total_fields.limit": "3000"}, 3000),
    ({"mapping": {"total_fields": {"limit": 4000}}}, 4000),
    ({"index": {"mapping": {"total_fields": {"limit": 5000}}}}, 5000),
])
def test_an_index_setting_nested_or_dotted(settings, value):
    assert limits.limit(settings, limits.TOTAL_FIELDS) == value


def test_a_setting_that_is_no_number_is_refused():
    with pytest.raises(SearchError) as err:
        limits.limit({"max_result_window": "lots"}, limits.MAX_RESULT_WINDOW)
    assert err.value.reason == "Failed to parse value [lots] for setting [index.max_result_window]"


def test_flat_settings_and_back():
    flat = limits.flatten({"index": {"mapping": {"depth": {"limit": 5}}, "refresh_interval": "1s"}})
    assert flat == {"mapping.depth.limit": 5, "refresh_interval": "1s"}
    assert limits.nest(flat) == {"mapping": {"depth": {"limit": 5}}, "refresh_interval": "1s"}


@pytest.mark.parametrize("processors, clauses", [(1, 16384), (2, 8192), (4, 4681), (8, 2520), (64, 1024)])
def test_max_clause_count_follows_heap_and_search_threads(processors, clauses):
    # SearchUtils.calculateMaxClauseValue on the add-on's 512 MB heap: 512 * 64 / ((p * 3) / 2 + 1), >= 1024
    assert limits.max_clause_count(processors) == clauses


@pytest.mark.parametrize("size, text", [(0, "0b"), (1023, "1023b"), (1024, "1kb"), (1536, "1.5kb"),
                                        (100 * 1024 * 1024, "100mb"), (512 * 1024 * 1024, "512mb"),
                                        (int(1.99 * 1024 ** 3), "1.9gb")])
def test_byte_sizes_as_elasticsearch_prints_them(size, text):
    assert limits.byte_size(size) == text


def test_in_flight_breaker_sentence():
    error = limits.in_flight_breaker(600 * 1024 * 1024)
    assert error.status == 429 and error.kind == "circuit_breaking_exception"
    assert error.reason == ("[in_flight_requests] Data too large, data for [<http_request>] would be "
                            "[629145600/600mb], which is larger than the limit of [536870912/512mb]")
    assert error.extra == {"bytes_wanted": 629145600, "bytes_limit": 536870912, "durability": "TRANSIENT"}


@pytest.fixture
def server_recursion():
    """The interpreter as the engine's process sets it (python -m searchlite)."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(RECURSION)
    yield
    sys.setrecursionlimit(before)


def test_json_nesting_is_bounded_at_jacksons_depth(server_recursion):
    assert limits.parse_json("[" * 1000 + "]" * 1000) is not None
    with pytest.raises(SearchError) as err:
        limits.parse_json("[" * 1001 + "]" * 1001)
    assert err.value.kind == "x_content_parse_exception" and err.value.reason == (
        "[1:1] Document nesting depth (1001) exceeds the maximum allowed (1000, from "
        "`StreamReadConstraints.getMaxNestingDepth()`)")
    # brackets inside strings do not nest
    assert limits.parse_json('{"a": "' + "[" * 5000 + '"}') == {"a": "[" * 5000}


def test_json_depth_check_is_linear():
    started = time.monotonic()
    assert limits.json_depth_exceeds('{"a": [' + "[1], " * 400_000 + "1]}") is False
    assert limits.json_depth_exceeds('"' + "\\\"[" * 400_000 + '"') is False
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("raw, fragment", [(b'{"a": NaN}', "Non-standard token 'NaN'"),
                                           (b'{"a": ', "[1:7] Unexpected character"),
                                           (b'\xff', "Invalid UTF-8")])
def test_malformed_json_is_a_parse_error(raw, fragment):
    with pytest.raises(SearchError) as err:
        limits.parse_json(raw)
    assert err.value.status == 400 and err.value.kind == "x_content_parse_exception" and fragment in err.value.reason
