"""The stack catalogue: suites and their Pythons and Postgres, the Stack a slug's label names,
and what `herosim stack build` builds. Pure: no engine."""

import pytest

from herosim.engine import stack
from herosim.engine.recipes import Debian, Pulled, Recipe
from herosim.errors import StackError


@pytest.mark.parametrize("python, suite", [("3.14", "forky"), ("3.13", "forky"), ("3.11", "bookworm")])
def test_a_python_is_carried_by_the_first_suite_that_has_it(python, suite):
    assert stack.suite_for_python(python).name == suite


def test_a_python_no_suite_carries_is_refused_with_what_is_carried_and_the_way_out():
    with pytest.raises(StackError) as refused:
        stack.suite_for_python("3.12")
    assert refused.value.message == ("Python 3.12 is not available offline; herosim's offline stacks carry "
                                     "Python 3.11, 3.13, 3.14")
    assert refused.value.hint == ("pin one of those in .python-version, or go online (unset HEROSIM_OFFLINE) "
                                  "for the official images")


def test_an_offline_stack_is_built_by_recipes_on_its_suites_debian():
    forky = stack.offline(stack.SUITES["forky"], "3.13")
    assert (forky.name, forky.suite, forky.python, forky.offline) == ("herosim-forky", "forky", "python3.13", True)
    base = Debian("forky", testing=True)
    assert forky.build == Recipe("stack-build", "forky", base, "forky", ("3.14", "3.13"))
    assert forky.run == Recipe("stack-run", "forky", base, "forky", ("3.14", "3.13"))
    assert (forky.build_image, forky.run_image) == ("herosim/stack-build:forky", "herosim/stack-run:forky")
    assert stack.offline(stack.SUITES["bookworm"]).build.base == Debian("bookworm", testing=False)


def test_an_official_stack_is_pulled():
    official = stack.official("3.12")
    assert (official.build, official.run) == (Pulled("python:3.12"), Pulled("python:3.12-slim"))
    assert (official.name, official.suite, official.offline) == ("official-python-3.12", None, False)
    assert official.images(("build",)) == [Pulled("python:3.12")]


@pytest.mark.parametrize("made", [stack.offline(stack.SUITES["forky"], "3.13"), stack.offline(stack.SUITES["trixie"]),
                                  stack.offline(stack.SUITES["bookworm"]), stack.official("3.14")])
def test_the_stack_a_slug_names_in_its_labels_is_the_stack_it_was_built_on(made):
    assert stack.from_name(made.name, made.python_version + ".4") == made


def test_a_slug_label_naming_no_stack_herosim_knows_names_none():
    assert stack.from_name("herosim-sid", "3.14.0") is None and stack.from_name("heroku-24") is None
    assert stack.from_name("herosim-forky", "3.9.1").python_version == "3.14"   # the suite's first


def test_each_postgres_offline_comes_from_the_suite_that_carries_that_major():
    for version, suite in stack.POSTGRES_SUITES.items():
        assert stack.SUITES[suite].postgres == version
    assert stack.DEFAULT_POSTGRES in stack.POSTGRES_SUITES and stack.KEYVALUE_SUITE in stack.SUITES


def test_stack_build_makes_the_default_suite_and_the_default_add_on_servers():
    assert [r.ref for r in stack.build_list()] == ["herosim/stack-build:forky", "herosim/stack-run:forky",
                                                   "herosim/postgres:trixie", "herosim/pgbouncer:trixie",
                                                   "herosim/keyvalue:trixie"]


def test_stack_build_of_named_suites_makes_their_stacks_and_the_postgres_they_carry():
    assert [r.ref for r in stack.build_list(["bookworm", "forky"])] == [
        "herosim/stack-build:bookworm", "herosim/stack-run:bookworm", "herosim/postgres:bookworm",
        "herosim/stack-build:forky", "herosim/stack-run:forky"]


def test_stack_build_of_an_unknown_suite_is_refused_before_anything_is_built():
    with pytest.raises(StackError) as refused:
        stack.build_list(["forky", "sid"])
    assert (refused.value.message, refused.value.hint) == ("Unknown Debian suite 'sid'",
                                                           "use one of forky, trixie, bookworm")
