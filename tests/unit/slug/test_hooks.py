"""The hooks' scripts and errors against lib/hooks.sh, lib/build_data.sh and bin/steps/collectstatic
of v351 (text only)."""

import pytest

from herosim.progress import Recorder
from herosim.slug import hooks
from herosim.slug.hooks import CompilePlan
from herosim.slug.step import BUILD_DATA_FILE, CACHE_DIR, PROLOGUE


def test_the_build_data_file_is_in_the_cache_dir_of_every_step():
    assert BUILD_DATA_FILE == f"{CACHE_DIR}/build-data/python.json"
    assert f'mkdir -p "$CACHE_DIR/build-data" && echo "{{}}" > {BUILD_DATA_FILE}' in PROLOGUE


@pytest.mark.parametrize("compile_plan", [CompilePlan(None, True), CompilePlan("manage.py", True),
                                          CompilePlan("manage.py", False)])
def test_each_hook_and_collectstatic_is_followed_by_the_build_data_write(compile_plan):
    lines = hooks.script(compile_plan, []).splitlines()
    checks = [i for i, line in enumerate(lines) if BUILD_DATA_FILE in line]
    runs = [i for i, line in enumerate(lines) if line.startswith("sub_env ")]
    assert len(checks) == len(runs) and all(run < check for run, check in zip(runs, checks, strict=True))
    pre = hooks.hook_lines("bin/pre_compile", hooks.PRE_COMPILE_FAILED)
    assert pre[2] == "sub_env bin/pre_compile && status=0 || status=$?" and BUILD_DATA_FILE in pre[3]


def test_a_hook_that_removed_the_cache_fails_with_the_buildpacks_block():
    error = hooks.hook_failure("bin/post_compile", hooks.BUILD_DATA_MISSING)
    assert error.reason == "build-data::data-file-deleted"
    assert error.block == ["Error: Can't find the buildpack's build data file.", "",
                           "The Python buildpack's internal build data file is missing:",
                           "/tmp/herosim-cache/build-data/python.json", "",
                           "This file is required for the buildpack to work correctly,",
                           "and so you must not delete it when removing files from the",
                           "build cache or /tmp directories."]


def test_a_failing_hook_that_removed_the_cache_prints_both_blocks():
    """hooks::run_hook prints its error, then its build_data::set_string finds no file."""
    error = hooks.hook_failure("bin/pre_compile", hooks.HOOK_FAILED_AND_BUILD_DATA_MISSING)
    assert error.block[0] == "Error: Failed to run the bin/pre_compile script."
    assert "Error: Can't find the buildpack's build data file." in error.block
    assert hooks.hook_failure("bin/post_compile", hooks.POST_COMPILE_FAILED).reason == "hooks::post_compile"


@pytest.mark.parametrize("test, config, runs", [
    (False, {}, True),
    (True, {}, False),                                # bin/test-compile's DISABLE_COLLECTSTATIC=1
    (True, {"DISABLE_COLLECTSTATIC": "0"}, True),     # ...which the app's own config var overrides
    (False, {"DISABLE_COLLECTSTATIC": "1"}, False),
])
def test_collectstatic_on_builds_and_test_builds(test, config, runs):
    printer = Recorder()
    compile_plan = hooks.plan(printer, ("manage.py",), True, config, test)
    assert (compile_plan.collectstatic == "manage.py") == runs
    assert printer.lines == ([] if runs else
                             ["-----> Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set."])


def test_a_test_build_of_an_app_without_django_says_collectstatic_is_skipped():
    printer = Recorder()
    hooks.plan(printer, ("app.py",), False, {}, test=True)
    assert printer.lines == ["-----> Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set."]
