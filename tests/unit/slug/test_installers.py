"""The install scripts against lib/pip.sh, lib/pipenv.sh, lib/poetry.sh and lib/uv.sh of v351 (text only)."""

import pytest

from herosim.slug import installers
from herosim.slug.installers import Install
from herosim.slug.managers import PIP, PIPENV, UV, by_name
from herosim.slug.step import environment

UV_HOME = installers.tool_home(UV, "herosim-forky", "python3.14")


def test_pip_runs_as_the_buildpack_runs_it():
    script = installers.script(Install(PIP, "python3.14", "3.14.8", fresh=True))
    assert "pip install -r requirements.txt --exists-action=w --no-cache-dir --no-input --progress-bar off " \
           "--src=/app/.heroku/python/src" in script
    assert 'echo "-----> Installing pip 26.2.1"' in script and "setuptools" not in script


@pytest.mark.parametrize("python, shown", [("python3.11", "pip 26.2.1 and setuptools 70.3.0"),
                                           ("python3.13", "pip 26.2.1")])
def test_setuptools_only_below_3_13(python, shown):
    script = installers.script(Install(PIP, python, "x", fresh=True))
    assert f'echo "-----> Installing {shown}"' in script
    assert ("setuptools==70.3.0" in script) == ("setuptools" in shown)
    assert "wheel==" not in script


def test_a_restored_cache_keeps_the_python_install_and_pip_is_reinstalled_only_when_changed():
    script = installers.script(Install(PIP, "python3.14", "3.14.8", fresh=False))
    assert 'echo "-----> Using cached install of Python 3.14.8"' in script
    assert script.split("\n")[1].startswith("[ -x /app/.heroku/python/bin/python ] || ")
    assert "'\"'\"'pip'\"'\"': '\"'\"'26.2.1'\"'\"'}.items()))' 2>/dev/null || {" in script


@pytest.mark.parametrize("manager", ["pip", "pipenv"])
def test_the_base_image_is_what_the_apps_own_step_would_make_and_nothing_of_an_app(manager):
    base = installers.base_script(by_name(manager), "python3.11")
    assert "ENV_DIR" not in base and "requirements" not in base and "Pipfile" not in base
    made = by_name(manager).prepare("python3.11")
    assert made in base and made in installers.script(Install(by_name(manager), "python3.11", "3.11.2", fresh=True))
    assert ("setuptools==70.3.0" in base) == (manager == "pip")
    assert "setuptools" not in installers.base_script(PIP, "python3.13")


@pytest.mark.parametrize("manager, test, has_file, shown", [
    # lib/pip.sh: `[[ -v INSTALL_TEST && -f requirements-test.txt ]]`
    ("pip", False, True, "pip install -r requirements.txt"),
    ("pip", True, True, "pip install -r requirements.txt -r requirements-test.txt"),
    ("pip", True, False, "pip install -r requirements.txt"),
    # lib/pipenv.sh: `[[ -v INSTALL_TEST ]]` adds --dev; poetry.sh and uv.sh drop their group limits
    ("pipenv", True, False, "pipenv install --deploy --dev"),
    ("pipenv", False, False, "pipenv install --deploy"),
    ("poetry", True, False, "poetry sync"),
    ("poetry", False, False, "poetry sync --only main"),
    ("uv", True, False, "uv sync --locked"),
    ("uv", False, False, "uv sync --locked --no-default-groups"),
])
def test_install_commands_on_builds_and_test_builds(manager, test, has_file, shown):
    assert " ".join(by_name(manager).install_command(test, has_file)) == shown
    script = installers.script(Install(by_name(manager), "python3.14", "3.14.8", fresh=True, test=test,
                                       test_requirements=has_file, tool_home=UV_HOME))
    assert f"echo \"-----> Installing dependencies using '{shown}'\"" in script
    assert ("requirements-test.txt" in script) == ("requirements-test.txt" in shown)


@pytest.mark.parametrize("manager, fresh, test, line", [
    ("uv", False, True, "Using cached uv 0.12.5"),
    ("uv", True, True, "Installing uv 0.12.5"),
    ("poetry", False, False, "Using cached Poetry 2.4.1"),
    # lib/poetry.sh: the cache moves on every Heroku CI run, so the cached Poetry never works there
    ("poetry", False, True, "Installing Poetry 2.4.1"),
    ("pipenv", False, True, "Using cached Pipenv 2026.7.1"),
    ("pip", False, True, "Installing pip 26.2.1"),
])
def test_the_tool_line_of_a_rebuild(manager, fresh, test, line):
    opening = installers.opening(Install(by_name(manager), "python3.14", "3.14.8", fresh=fresh, test=test))
    assert opening == ["Installing Python 3.14.8" if fresh else "Using cached install of Python 3.14.8", line]


def test_a_replayed_rebuild_names_setuptools_too():
    assert installers.opening(Install(PIP, "python3.11", "3.11.2", fresh=False))[1] == \
        "Installing pip 26.2.1 and setuptools 70.3.0"


@pytest.mark.parametrize("manager, lines", [
    ("pip", ['export PIP_DISABLE_PIP_VERSION_CHECK="1"']),
    # ci_spec and pipenv_spec: no PIP_DISABLE_PIP_VERSION_CHECK for Pipenv, its bin first on PATH
    ("pipenv", ['export PATH="/app/.heroku/python/pipenv/bin:${PATH}"', 'export PIPENV_SYSTEM="1"',
                'export PIPENV_VERBOSITY="-1"', 'export VIRTUAL_ENV="/app/.heroku/python"']),
    ("poetry", ['export POETRY_VIRTUALENVS_CREATE="false"', 'export POETRY_VIRTUALENVS_USE_POETRY_PYTHON="true"']),
    ("uv", ['export UV_PROJECT_ENVIRONMENT="/app/.heroku/python"', 'export UV_NO_MANAGED_PYTHON="1"',
            'export UV_PYTHON_DOWNLOADS="never"', 'export UV_LINK_MODE="hardlink"']),
])
def test_exports_are_the_buildpacks(manager, lines):
    exported = installers.exports(by_name(manager), UV_HOME)
    tool_path = [line for line in exported if line.startswith('export PATH="') and "/pipenv/" not in line]
    assert [line for line in exported if line not in tool_path] == lines
    assert len(tool_path) == (1 if manager in ("uv", "poetry") else 0)
    for line in tool_path:  # a folder with the tool alone: its venv's python stays off PATH
        assert line == f'export PATH="{UV_HOME}/heroku-bin:${{PATH}}"'


def test_pipenv_lives_in_the_apps_environment_and_pip_stays_out_of_it():
    """lib/pipenv.sh: Pipenv in .heroku/python/pipenv (kept with the cache, in the slug), made
    with the stdlib's bundled pip; no pip is installed into the app's Python."""
    script = installers.script(Install(PIPENV, "python3.14", "3.14.8", fresh=True))
    assert "[ -f /app/.heroku/python/pipenv/bin/pipenv ] || {" in script
    assert "/app/.heroku/python/bin/python -m venv --without-pip /app/.heroku/python/pipenv/venv" in script
    assert "pipenv==2026.7.1" in script and "pip==26.2.1" not in script
    assert installers.TOOLS not in script


@pytest.mark.parametrize("manager", ["uv", "poetry"])
def test_uv_and_poetry_come_from_the_tools_volume_and_are_not_installed_by_the_apps_step(manager):
    home = installers.tool_home(by_name(manager), "herosim-forky", "python3.14")
    script = installers.script(Install(by_name(manager), "python3.14", "3.14.8", fresh=True, tool_home=home))
    assert f"[ -x {home}/heroku-bin/{manager} ] || exit {installers.TOOL_FAILED}" in script
    assert "-m venv --without-pip /var/lib" not in script and f"{manager}==" not in script
    tool = installers.tool_script(by_name(manager), "python3.14", home)
    assert f"{manager}==" in tool and f"mv -T \"$new\" {home}" in tool


def test_only_pip_and_pipenv_read_pip_extra_index_url():
    for manager in ("pip", "pipenv", "poetry", "uv"):
        script = installers.script(Install(by_name(manager), "python3.14", "3.14.8", fresh=True, tool_home=UV_HOME))
        assert ("PIP_EXTRA_INDEX_URL" in script) == (manager in ("pip", "pipenv"))


def test_no_cache_setting_reaches_the_build_environment_or_the_hooks():
    env = environment(None)
    assert not [k for k in env if k.endswith("CACHE_DIR")]
    for manager in ("pip", "pipenv", "poetry", "uv"):
        assert "CACHE_DIR" not in "".join(installers.exports(by_name(manager), UV_HOME))


def test_a_test_build_has_bin_test_compiles_environment():
    assert {k: v for k, v in environment(None, test=True).items() if k not in environment(None)} == {
        "LC_ALL": "C.UTF-8", "DISABLE_COLLECTSTATIC": "1", "INSTALL_TEST": "1"}
