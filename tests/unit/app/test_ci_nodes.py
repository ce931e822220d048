"""Heroku CI's parallel test runs: which test dynos a run starts and what each is told
(CI_NODE_INDEX zero-indexed, CI_NODE_TOTAL), from app.json or `herosim ci --shard I/N`."""

import pytest

from herosim.app.ci import MAX_NODES, Node, nodes, parse_shard
from herosim.errors import AppError
from herosim.platform import appjson


def test_without_formation_one_node_is_told_it_is_the_only_one():
    assert nodes(appjson.Environment(), None) == [Node(0, 1)]
    assert Node(0, 1).env() == {"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "1"}


def test_app_json_quantity_starts_that_many_nodes():
    test = appjson.Environment(formation={"test": (3, "performance-m")})
    assert nodes(test, None) == [Node(0, 3), Node(1, 3), Node(2, 3)]
    assert [n.env()["CI_NODE_INDEX"] for n in nodes(test, None)] == ["0", "1", "2"]


def test_a_shard_runs_that_node_alone_whatever_app_json_says():
    test = appjson.Environment(formation={"test": (8, "performance-m")})
    assert nodes(test, parse_shard("2/4")) == [Node(2, 4)]


@pytest.mark.parametrize("text", ["4/4", "-1/4", "a/b", "3", "0/0", f"0/{MAX_NODES + 1}", "1/ 2"])
def test_a_bad_shard_is_one_line_with_a_hint(text):
    with pytest.raises(AppError) as caught:
        parse_shard(text)
    assert str(caught.value.message).startswith(f"--shard {text!r} is not INDEX/TOTAL")
    assert "--shard 0/4" in caught.value.hint


def test_more_than_herokus_32_nodes_is_refused():
    with pytest.raises(AppError) as caught:
        nodes(appjson.Environment(formation={"test": (33, "performance-m")}), None)
    assert "more than 32" in caught.value.message
