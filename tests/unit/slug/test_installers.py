"""The install scripts against lib/pip.sh, lib/pipenv.sh, lib/poetry.sh and lib/uv.sh of v351 (text only)."""

import pytest

from herosim.slug import installers
from herosim.slug.step import environment


def test_pip_runs_as_the_buildpack_runs_it():
    script = installers.script("pip", "python3.14", "3.14.8", fresh=True, tool_cached=False)
    assert "pip install -r requirements.txt --exists-action=w --no-cache-dir --no-input --progress-bar off " \
           "--src=/app/.heroku/python/src" in script
    assert 'echo "-----> Installing pip 26.2.1"' in script and "setuptools" not in script


@pytest.mark.parametrize("python, shown", [("python3.11", "pip 26.2.1 and setuptools 70.3.0"),
                                           ("python3.13", "pip 26.2.1")])
def test_setuptools_only_below_3_13(python, shown):
    script = installers.script("pip", python, "x", fresh=True, tool_cached=False)
    assert f'echo "-----> Installing {shown}"' in script
    assert ("setuptools==70.3.0" in script) == ("setuptools" in shown)
    assert "wheel==" not in script


def test_a_restored_cache_keeps_the_python_install():
    script = installers.script("pip", "python3.14", "3.14.8", fresh=False, tool_cached=True)
    assert 'echo "-----> Using cached install of Python 3.14.8"' in script and "-m venv" not in script.split("\n")[1]


@pytest.mark.parametrize("manager, lines", [
    ("pip", ['export PIP_DISABLE_PIP_VERSION_CHECK="1"']),
    ("pipenv", ['export PIP_DISABLE_PIP_VERSION_CHECK="1"', 'export PIPENV_SYSTEM="1"', 'export PIPENV_VERBOSITY="-1"',
                'export VIRTUAL_ENV="/app/.heroku/python"']),
    ("poetry", ['export POETRY_VIRTUALENVS_CREATE="false"', 'export POETRY_VIRTUALENVS_USE_POETRY_PYTHON="true"']),
    ("uv", ['export UV_PROJECT_ENVIRONMENT="/app/.heroku/python"', 'export UV_NO_MANAGED_PYTHON="1"',
            'export UV_PYTHON_DOWNLOADS="never"', 'export UV_LINK_MODE="hardlink"']),
])
def test_exports_are_the_buildpacks(manager, lines):
    exported = installers.exports(manager, "python3.14")
    assert [line for line in exported if not line.startswith('export PATH=')] == lines
    tool_path = [line for line in exported if line.startswith('export PATH="')]
    assert len(tool_path) == (0 if manager == "pip" else 1)
    for line in tool_path:  # a folder with the tool alone: its venv's python stays off PATH
        assert line.endswith('/heroku-bin:${PATH}"')


def test_no_cache_setting_reaches_the_build_environment_or_the_hooks():
    env = environment(None)
    assert not [k for k in env if k.endswith("CACHE_DIR")]
    for manager in ("pip", "pipenv", "poetry", "uv"):
        assert "CACHE_DIR" not in "".join(installers.exports(manager, "python3.14"))
