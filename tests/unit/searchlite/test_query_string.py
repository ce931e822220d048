"""query_string read as Lucene's classic query parser reads it: its occur rules, its parse
errors, features outside the lite engine refused by name, and one pass over the text."""

import time

import pytest

from searchlite import query_string
from searchlite.errors import SearchError


def clauses(text, operator="or"):
    return [(c.field, c.text, c.phrase, c.occur) for c in query_string.parse(text, operator)]


@pytest.mark.parametrize("text, operator, expected", [
    ("a b", "or", [(None, "a", False, "should"), (None, "b", False, "should")]),
    ("a b", "and", [(None, "a", False, "must"), (None, "b", False, "must")]),
    ("a AND b -c d", "or", [(None, "a", False, "must"), (None, "b", False, "must"), (None, "c", False, "must_not"),
                            (None, "d", False, "should")]),
    ("a OR b c", "and", [(None, "a", False, "should"), (None, "b", False, "should"), (None, "c", False, "must")]),
    ("+a !b NOT c", "or", [(None, "a", False, "must"), (None, "b", False, "must_not"), (None, "c", False, "must_not")]),
    ("a && b || c", "or", [(None, "a", False, "must"), (None, "b", False, "must"), (None, "c", False, "should")]),
    ('title:connection body:"two words"', "or", [("title", "connection", False, "should"),
                                                 ("body", "two words", True, "should")]),
    ("a - b", "or", [(None, "a", False, "should"), (None, "b", False, "should")]),  # a bare operator is no clause
    (r"C++ tit\:le ANDROID x\*y", "or", [(None, "C++", False, "should"), (None, "tit:le", False, "should"),
                                         (None, "ANDROID", False, "should"), (None, "x*y", False, "should")]),
])
def test_occur_rules_of_lucene(text, operator, expected):
    assert clauses(text, operator) == expected


TERM_START = ("<BAREOPER> ...\n    \"(\" ...\n    \"*\" ...\n    <QUOTED> ...\n    <TERM> ...\n    <PREFIXTERM> ...\n"
              "    <WILDTERM> ...\n    <REGEXPTERM> ...\n    \"[\" ...\n    \"{\" ...\n    <NUMBER> ...\n    ")


@pytest.mark.parametrize("text, reason, cause_type", [
    ("title:", 'Encountered "<EOF>" at line 1, column 6.\nWas expecting one of:\n    ' + TERM_START, "parse_exception"),
    (":foo", 'Encountered " ":" ": "" at line 1, column 0.\nWas expecting one of:\n    <NOT> ...\n    "+" ...\n    '
             '"-" ...\n    ' + TERM_START + '<TERM> ...\n    "*" ...\n    ', "parse_exception"),
    ('foo "bar', 'Lexical error at line 1, column 8.  Encountered: <EOF> after : "\\"bar"', "token_mgr_error"),
    ("a ]", 'Lexical error at line 1, column 3.  Encountered: "]" (93), after : ""', "token_mgr_error"),
    ("a/b", 'Lexical error at line 1, column 3.  Encountered: <EOF> after : "/b"', "token_mgr_error"),
])
def test_what_lucene_cannot_parse_gets_its_error(text, reason, cause_type):
    with pytest.raises(SearchError) as err:
        query_string.parse(text)
    error = err.value
    assert (error.status, error.kind, error.reason) == (400, "query_shard_exception", f"Failed to parse query [{text}]")
    assert error.extra["caused_by"] == {"type": "parse_exception", "reason": f"Cannot parse '{text}': {reason}",
                                        "caused_by": {"type": cause_type, "reason": reason}}


@pytest.mark.parametrize("text", ["", "AND b", "a AND", "a AND OR b", "NOT", "foo\\"])
def test_more_parse_errors(text):
    with pytest.raises(SearchError) as err:
        query_string.parse(text)
    assert err.value.kind == "query_shard_exception"
    assert err.value.extra["caused_by"]["reason"].startswith(f"Cannot parse '{text}': ")


@pytest.mark.parametrize("text, feature", [
    ("fla*", "wildcards"), ("f?o", "wildcards"), ("title:*", "wildcards"), ("a~2", "fuzzy and proximity (~)"),
    ('"a b"~3', "fuzzy and proximity (~)"), ("a^2", "boosts (^)"), ("(a b)", "grouping with parentheses"),
    ("[a TO b]", "ranges"), ("{a TO b}", "ranges"), ("/re/", "regular expressions"),
])
def test_features_outside_the_lite_engine_are_named(text, feature):
    with pytest.raises(SearchError) as err:
        query_string.parse(text)
    assert err.value.kind == "illegal_argument_exception" and f"[query_string {feature}] is not supported" in \
        err.value.reason


def test_too_many_clauses_as_the_parser_says_it():
    query_string.parse("a " * 10, max_clauses=10)
    with pytest.raises(SearchError) as err:
        query_string.parse("a " * 11, max_clauses=10)
    cause = err.value.extra["caused_by"]
    assert cause["reason"] == f"Cannot parse '{'a ' * 11}': too many boolean clauses"
    assert cause["caused_by"] == {"type": "too_many_clauses", "reason": "maxClauseCount is set to 10"}


@pytest.mark.parametrize("text", ["[" * 80_000, "/ " * 40_000, '"' + "a" * 2_000_000, "a" * 2_000_000,
                                  "\\a" * 100_000, "a:" * 200_000, "a " * 1_000_000],
                         ids=["brackets", "slashes", "open quote", "one long term", "escapes", "colons", "many terms"])
def test_one_pass_over_the_text(text):
    started = time.monotonic()
    try:
        query_string.parse(text, max_clauses=8192)
    except SearchError:
        pass
    assert time.monotonic() - started < 3  # before: 80 k of '[' took 7 s in the regular expressions
