"""Image recipes: build arguments, the files of a build context, and the digest every
image herosim built carries in its label (the same formula, or every engine rebuilds)."""

import hashlib

from herosim.engine import recipes, stack
from herosim.engine.recipes import Debian, Pulled, Recipe

RUN = Recipe("stack-run", "forky", Debian("forky", testing=True), "forky", ("3.14", "3.13"))


def test_a_stack_recipe_passes_its_base_suite_and_pythons_to_the_build():
    assert RUN.buildargs() == {"BASE_IMAGE": "herosim/debian:forky", "SUITE": "forky", "PYTHONS": "3.14 3.13"}
    assert (RUN.ref, RUN.stack_label) == ("herosim/stack-run:forky", "herosim-forky")
    postgres = stack.offline_image("postgres", "trixie")
    assert postgres.buildargs() == {"BASE_IMAGE": "herosim/debian:trixie", "SUITE": "trixie"}
    lite = Recipe("search-lite", "official", Pulled("python:3.13-slim"), "official")
    assert (lite.ref, lite.buildargs()["BASE_IMAGE"], lite.stack_label) == (
        "herosim/search-lite:official", "python:3.13-slim", "herosim-official")


def test_the_digest_is_the_pythons_then_each_files_name_and_content(tmp_path):
    (tmp_path / "stack-run").mkdir()
    (tmp_path / "stack-run" / "Dockerfile").write_bytes(b"FROM base\n")
    (tmp_path / "stack-run" / "b.sh").write_bytes(b"echo\n")
    expected = hashlib.sha256(b"3.14 3.13" + b"Dockerfile\0FROM base\n\0" + b"b.sh\0echo\n\0").hexdigest()[:16]
    assert recipes.digest(RUN, tmp_path) == expected


def test_a_changed_file_a_new_file_or_other_pythons_change_the_digest(tmp_path):
    folder = tmp_path / "stack-run"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM base\n")
    first = recipes.digest(RUN, tmp_path)
    assert recipes.digest(RUN, tmp_path) == first
    (folder / "Dockerfile").write_text("FROM base\nRUN true\n")
    edited = recipes.digest(RUN, tmp_path)
    (folder / "extra").write_text("x")
    added = recipes.digest(RUN, tmp_path)
    other = recipes.digest(Recipe("stack-run", "forky", RUN.base, "forky", ("3.14",)), tmp_path)
    assert len({first, edited, added, other}) == 4


def test_the_lite_engines_context_carries_the_engines_package():
    names = [name for name, _ in recipes.files(stack.offline_image("search-lite", "forky"))]
    assert "Dockerfile" in names and "engine/searchlite/engine.py" in names


def test_every_image_stack_build_makes_has_its_dockerfile_in_docker():
    for recipe in stack.build_list(list(stack.SUITES)) + stack.build_list():
        assert "Dockerfile" in [name for name, _ in recipes.files(recipe)], recipe.folder
