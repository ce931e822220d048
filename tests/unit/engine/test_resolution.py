"""Which stack a build or an add-on gets, and what the engine is asked for: the official images
when a registry answers, herosim's offline ones when none does or HEROSIM_OFFLINE=1, a recipe
built only when its image is missing or its recipe changed. A fake engine; whole transcripts."""

import pytest

from herosim.const import LABEL_RECIPE, LABEL_ROLE, LABEL_STACK
from herosim.engine import recipes, resolution, stack, stackimages
from herosim.progress import Recorder
from tests.unit.engine.fakes import Engine

FORKY = stack.offline(stack.SUITES["forky"])
DEBIAN = {f"herosim/debian:{name}": {} for name in stack.SUITES}


def current(*images: recipes.Recipe) -> dict[str, dict[str, str]]:
    """The engine has these images, built from their recipes as they are now."""
    return {image.ref: {LABEL_RECIPE: recipes.digest(image)} for image in images}


@pytest.fixture
def online(monkeypatch):
    monkeypatch.delenv("HEROSIM_OFFLINE", raising=False)


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HEROSIM_OFFLINE", "1")


def test_online_the_official_images_are_pulled(online):
    engine, progress = Engine(), Recorder()
    assert resolution.resolve(engine, progress, "3.14") == stack.official("3.14")
    assert engine.calls == [("pull", "python:3.14"), ("pull", "python:3.14-slim")]
    assert progress.lines == ["-----> Pulling python:3.14", "       3.14: Pulling from library/python",
                              "       Downloaded newer image for python:3.14",
                              "-----> Pulling python:3.14-slim", "       3.14-slim: Pulling from library/python",
                              "       Downloaded newer image for python:3.14-slim"]


def test_online_images_the_engine_has_are_not_pulled_again(online):
    engine, progress = Engine({"python:3.13": {}}), Recorder()
    assert resolution.resolve(engine, progress, "3.13", kinds=("build",)).build_image == "python:3.13"
    assert engine.calls == [] and progress.lines == []


def test_when_no_registry_answers_the_offline_stack_is_built_from_its_recipes(online):
    engine, progress = Engine(DEBIAN, registry=False), Recorder()
    assert resolution.resolve(engine, progress, "3.13") == stack.offline(stack.SUITES["forky"], "3.13")
    assert engine.calls == [("pull", "python:3.13"), ("build", "herosim/stack-build:forky"),
                            ("build", "herosim/stack-run:forky")]
    assert progress.lines == [
        "-----> Pulling python:3.13",
        "-----> No registry answered (dial tcp: lookup registry-1: no such host); using herosim's offline stack",
        "-----> Building stack image herosim/stack-build:forky from Debian forky packages (first use on this engine)",
        "       Step 1/2 : FROM herosim/debian:forky",
        "-----> Building stack image herosim/stack-run:forky from Debian forky packages (first use on this engine)",
        "       Step 1/2 : FROM herosim/debian:forky"]
    built = engine.builds["herosim/stack-build:forky"]
    assert built["buildargs"] == {"BASE_IMAGE": "herosim/debian:forky", "SUITE": "forky", "PYTHONS": "3.14 3.13"}
    assert built["labels"] == {LABEL_ROLE: "stack", LABEL_STACK: "herosim-forky",
                               LABEL_RECIPE: recipes.digest(FORKY.build)}


def test_offline_no_registry_is_asked_and_current_images_are_used_as_they_are(offline):
    engine, progress = Engine(current(FORKY.build, FORKY.run)), Recorder()
    assert resolution.resolve(engine, progress, "3.14") == FORKY
    assert engine.calls == [] and progress.lines == []


def test_an_image_whose_recipe_changed_is_rebuilt_and_says_why(offline):
    engine = Engine({**DEBIAN, **current(FORKY.run), FORKY.build_image: {LABEL_RECIPE: "0123456789abcdef"}})
    progress = Recorder()
    resolution.resolve(engine, progress, "3.14")
    assert engine.calls == [("build", "herosim/stack-build:forky")]
    assert progress.lines[0] == ("-----> Building stack image herosim/stack-build:forky from Debian forky packages "
                                 "(its recipe in docker/ changed)")


def test_offline_a_python_no_suite_carries_is_refused_before_the_engine_is_asked(offline):
    engine = Engine()
    with pytest.raises(Exception, match="Python 3.12 is not available offline"):
        resolution.resolve(engine, Recorder(), "3.12")
    assert engine.calls == []


def test_add_ons_run_on_the_official_stack_when_a_registry_answers(online):
    engine = Engine()
    assert resolution.addon_stack(engine, Recorder()) == stack.official("3.14")
    assert engine.calls == [("pull", "python:3.14-slim")]


def test_add_ons_run_on_the_default_offline_stack_when_none_answers_or_offline(online, monkeypatch):
    engine = Engine(registry=False)
    assert resolution.addon_stack(engine, Recorder()) == FORKY
    monkeypatch.setenv("HEROSIM_OFFLINE", "yes")
    quiet = Engine(registry=False)
    assert resolution.addon_stack(quiet, Recorder()) == FORKY and quiet.calls == []


@pytest.mark.parametrize("value, requested", [("1", True), ("true", True), ("ON", True), ("0", False), ("", False)])
def test_offline_is_requested_by_herosim_offline(value, requested):
    assert resolution.offline_requested({"HEROSIM_OFFLINE": value}) is requested


def test_stack_build_builds_what_is_missing_on_the_base_the_engine_has():
    engine = Engine({**DEBIAN, **current(FORKY.build)})
    refs = stackimages.build_all(engine, Recorder())
    assert refs == ["herosim/stack-build:forky", "herosim/stack-run:forky", "herosim/postgres:trixie",
                    "herosim/pgbouncer:trixie", "herosim/keyvalue:trixie"]
    assert engine.calls == [("build", ref) for ref in refs[1:]]
    assert engine.builds["herosim/postgres:trixie"]["buildargs"] == {"BASE_IMAGE": "herosim/debian:trixie",
                                                                      "SUITE": "trixie"}


def test_a_build_on_an_official_base_pulls_it_first():
    lite = recipes.Recipe("search-lite", "official", recipes.Pulled("python:3.13-slim"), "official")
    engine = Engine()
    stackimages.StackImages(engine, Recorder()).ensure(lite)
    assert engine.calls == [("pull", "python:3.13-slim"), ("build", "herosim/search-lite:official")]
    assert b"engine/searchlite/engine.py" in engine.builds["herosim/search-lite:official"]["context"]
