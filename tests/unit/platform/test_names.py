"""App names: Heroku's rules for a new name, its generated names, and which app a command
acts on (-a, $HEROSIM_APP/$HEROKU_APP, the git remotes, the directory)."""

import random
import re

import pytest

from herosim.errors import HerosimError
from herosim.platform import names


@pytest.mark.parametrize("name", ["flask-microblog-jh", "abc", "a" * 30, "app-2"])
def test_names_heroku_accepts(name):
    assert names.check_new(name) == name


@pytest.mark.parametrize("name, message", [
    ("Bad_Name", names.RULES), ("1app", names.RULES), ("app-", names.RULES), ("ab", names.RULES),
    ("a" * 31, "Name is too long (maximum is 30 characters)"),
])
def test_names_heroku_refuses_say_its_rule(name, message):
    with pytest.raises(HerosimError) as caught:
        names.check_new(name)
    assert caught.value.message == message


def test_the_rule_is_the_platform_apis_words():
    assert names.RULES == ("Name must start with a letter, end with a letter or digit, and can only contain "
                           "lowercase letters, digits, and dashes.")


def test_generated_names_look_like_herokus_and_avoid_taken_ones():
    rng = random.Random(4)
    first = names.generated(rng=random.Random(4))
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{5}", first)
    assert names.check_new(first) == first
    assert names.generated({first}, rng) != first


def test_pick_follows_herokus_order():
    remotes = [("heroku", "from-remote")]
    assert names.pick("explicit", {"HEROKU_APP": "env"}, remotes, None, "dir") == "explicit"
    assert names.pick(None, {"HEROKU_APP": "env"}, remotes, None, "dir") == "env"
    assert names.pick(None, {"HEROSIM_APP": "ours", "HEROKU_APP": "env"}, remotes, None, "dir") == "ours"
    assert names.pick(None, {}, remotes, None, "dir") == "from-remote"
    assert names.pick(None, {}, [], None, "dir") == "dir"
    assert names.pick(None, {}, [("heroku", "a"), ("staging", "b")], "staging", "dir") == "b"


def test_pick_with_two_apps_in_remotes_says_how_to_choose():
    with pytest.raises(HerosimError) as caught:
        names.pick(None, {}, [("heroku", "a"), ("staging", "b")], None, "dir")
    assert caught.value.message == "Multiple apps in git remotes"
    assert "--remote staging or --app b" in caught.value.hint
    assert caught.value.details == "  Heroku remotes in repo:\n  a (heroku)\n  b (staging)"


def test_pick_with_an_unknown_remote():
    with pytest.raises(HerosimError) as caught:
        names.pick(None, {}, [("heroku", "a")], "staging", "dir")
    assert caught.value.message == "remote staging not found in git remotes"
