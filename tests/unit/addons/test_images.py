"""Each add-on chooses its own server's image from the stack it runs on: the official image
online, herosim's Debian-built one offline; what the offline stacks cannot run is refused
before anything is created."""

import pytest

from herosim.addons import keyvalue, postgres, search
from herosim.addons.registry import SERVICES
from herosim.engine import stack
from herosim.engine.recipes import Debian, Pulled, Recipe
from herosim.errors import AddonError, StackError

ONLINE = stack.official("3.14")
FORKY = stack.offline(stack.SUITES["forky"])
BOOKWORM = stack.offline(stack.SUITES["bookworm"])


@pytest.mark.parametrize("version", postgres.VERSIONS)
def test_online_every_heroku_postgres_version_is_its_official_image(version):
    assert postgres.image(ONLINE, version) == Pulled(f"postgres:{version}")


@pytest.mark.parametrize("version, suite", [("17", "trixie"), ("15", "bookworm")])
def test_offline_postgres_comes_from_the_suite_that_carries_its_version_whatever_the_apps_suite(version, suite):
    for app_stack in (FORKY, BOOKWORM):
        assert postgres.image(app_stack, version) == Recipe("postgres", suite, Debian(suite), suite)
    assert postgres.image(FORKY) == postgres.image(FORKY, "17")   # Heroku's default


def test_offline_a_postgres_version_no_suite_carries_is_refused_with_the_versions_that_are():
    with pytest.raises(StackError) as refused:
        postgres.image(FORKY, "16")
    assert refused.value.message == "Postgres 16 is not available offline"
    assert refused.value.hint == ("herosim's offline stacks carry Postgres 15 and 17 (addons:create "
                                  "heroku-postgresql --version 17); online, the official images carry every version")


def test_postgres_validates_its_plan_then_its_version_for_the_stack():
    service = SERVICES["heroku-postgresql"]
    service.validate("heroku-postgresql:essential-0", {"version": "16"}, ONLINE)
    with pytest.raises(StackError):
        service.validate("heroku-postgresql:essential-0", {"version": "16"}, FORKY)
    with pytest.raises(AddonError, match="Postgres 14 is not a version Heroku Postgres offers"):
        service.validate("heroku-postgresql:essential-0", {"version": "14"}, ONLINE)
    with pytest.raises(AddonError, match="Postgres 18 is not a version Heroku Postgres offers"):   # forky has it
        service.validate("heroku-postgresql:essential-0", {"version": "18"}, FORKY)
    with pytest.raises(AddonError, match="heroku-postgresql:hobby-dev"):
        service.validate("heroku-postgresql:hobby-dev", {}, ONLINE)


def test_the_key_value_store_is_valkey_8_1_official_online_and_trixies_offline():
    assert keyvalue.image(ONLINE) == Pulled("valkey/valkey:8.1")
    assert keyvalue.image(FORKY) == keyvalue.image(BOOKWORM) == Recipe("keyvalue", "trixie", Debian("trixie"), "trixie")


def test_the_lite_search_engine_is_built_on_the_stacks_suite_offline_and_on_an_official_python_online():
    assert search.image(FORKY, "lite") == Recipe("search-lite", "forky", Debian("forky", testing=True), "forky")
    assert search.image(BOOKWORM, "lite").ref == "herosim/search-lite:bookworm"
    assert search.image(ONLINE, "lite") == Recipe("search-lite", "official", Pulled("python:3.13-slim"), "official")


def test_the_jvm_search_engines_are_their_official_images():
    assert search.image(ONLINE, "elasticsearch") == Pulled("elasticsearch:8.15.3")
    assert search.image(ONLINE, "opensearch") == Pulled("opensearchproject/opensearch:2.17.1")


def test_an_unknown_search_engine_is_refused():
    with pytest.raises(StackError) as refused:
        search.image(ONLINE, "solr")
    assert (refused.value.message, refused.value.hint) == ("Unknown search engine 'solr'",
                                                           "use lite, elasticsearch or opensearch")
