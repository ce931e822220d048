"""The package-manager table against heroku-buildpack-python v351: lib/package_manager.sh (which
file selects which manager, their order), lib/<manager>.sh (the commands of a build and of a
test build, what each exports and writes to .profile.d, which config vars it reads), lib/cache.sh
(why a cache is discarded). Pure: no Docker."""

import re
from pathlib import Path

import docker.errors
import pytest

from herosim.progress import Recorder
from herosim.slug import managers
from herosim.slug.context import BuildContext
from herosim.slug.dependencies import DependencyLayer, DepsInputs
from herosim.slug.managers import PIP, PIPENV, POETRY, UV
from herosim.slug.source import SourceTree

HEROSIM = Path(__file__).resolve().parents[3] / "herosim"


def test_the_buildpacks_order_and_files():
    """lib/package_manager.sh: Pipfile.lock, requirements.txt, poetry.lock, uv.lock, listed so."""
    assert [(m.selected_by, m.name, m.shown) for m in managers.ALL] == [
        ("Pipfile.lock", "pipenv", "Pipfile.lock (Pipenv)"), ("requirements.txt", "pip", "requirements.txt (pip)"),
        ("poetry.lock", "poetry", "poetry.lock (Poetry)"), ("uv.lock", "uv", "uv.lock (uv)")]
    assert [managers.by_name(m.name) for m in managers.ALL] == list(managers.ALL)


@pytest.mark.parametrize("manager, build, test, test_without_file", [
    # lib/pip.sh: `[[ -v INSTALL_TEST && -f requirements-test.txt ]]` adds the test requirements
    (PIP, "pip install -r requirements.txt", "pip install -r requirements.txt -r requirements-test.txt",
     "pip install -r requirements.txt"),
    # lib/pipenv.sh: `[[ -v INSTALL_TEST ]]` adds --dev
    (PIPENV, "pipenv install --deploy", "pipenv install --deploy --dev", "pipenv install --deploy --dev"),
    # lib/poetry.sh and lib/uv.sh: `[[ ! -v INSTALL_TEST ]]` limits the groups
    (POETRY, "poetry sync --only main", "poetry sync", "poetry sync"),
    (UV, "uv sync --locked --no-default-groups", "uv sync --locked", "uv sync --locked"),
], ids=lambda v: v.name if isinstance(v, managers.PackageManager) else None)
def test_the_commands_of_a_build_and_of_a_test_build(manager, build, test, test_without_file):
    assert " ".join(manager.install_command()) == build
    assert " ".join(manager.install_command(test=False, has_test_file=True)) == build
    assert " ".join(manager.install_command(test=True, has_test_file=True)) == test
    assert " ".join(manager.install_command(test=True, has_test_file=False)) == test_without_file


@pytest.mark.parametrize("manager, flags", [
    (PIP, "--exists-action=w --no-cache-dir --no-input --progress-bar off --src=/app/.heroku/python/src"),
    (PIPENV, ""),
    (POETRY, "--compile --no-ansi --no-interaction"),
    # the buildpack's uv runs with `--color always`; herosim's output is not a terminal's
    (UV, "--color never --compile-bytecode --no-progress"),
], ids=lambda v: v.name if isinstance(v, managers.PackageManager) else None)
def test_the_flags_the_buildpack_runs_the_install_with(manager, flags):
    assert " ".join(manager.run_flags) == flags


def test_what_each_writes_for_the_dynos():
    """lib/pip.sh and lib/pipenv.sh write their exports to the export file and to
    .profile.d/python.sh; lib/poetry.sh and lib/uv.sh to the export file alone."""
    assert PIP.profile == PIP.exports == ('export PIP_DISABLE_PIP_VERSION_CHECK="1"',)
    assert PIPENV.profile == PIPENV.exports
    assert POETRY.profile == UV.profile == ()
    assert [m.name for m in managers.ALL if m.config_vars == ("PIP_EXTRA_INDEX_URL",)] == ["pipenv", "pip"]
    assert [m.name for m in managers.ALL if m.config_vars] == ["pipenv", "pip"]


def test_which_tool_lives_where_and_when_it_is_cached():
    """pip is installed on every build (lib/pip.sh); Pipenv is kept in the app's environment,
    Poetry and uv in the build cache (herosim: its tools volume); a cached Poetry never works
    on Heroku CI (lib/poetry.sh)."""
    assert [m.name for m in managers.ALL if m.on_tools_volume] == ["poetry", "uv"]
    cached = {(m.name, fresh, test): m.tool_cached(fresh, test)
              for m in managers.ALL for fresh in (True, False) for test in (True, False)}
    assert {key for key, value in cached.items() if value} == {
        ("pipenv", False, True), ("pipenv", False, False), ("poetry", False, False),
        ("uv", False, True), ("uv", False, False)}


def test_python_version_rules():
    """lib/python_version.sh: Pipfile.lock may name the version; uv needs .python-version.
    bin/compile: the closing note recommends uv to the others."""
    assert [m.name for m in managers.ALL if m.python_in_lockfile] == ["pipenv"]
    assert [m.name for m in managers.ALL if m.requires_version_file] == ["uv"]
    assert [m.name for m in managers.ALL if not m.recommended] == ["pipenv", "pip", "poetry"]


def test_the_files_each_install_reads(tmp_path):
    files = ("requirements.txt", "requirements/prod.txt", "constraints.txt", "Pipfile", "Pipfile.lock",
             "pyproject.toml", "poetry.lock", "uv.lock", ".python-version", "app.py", "notes.txt")
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("flask\n")
    assert PIP.dependency_files(tmp_path, files) == ["constraints.txt", "requirements.txt", "requirements/prod.txt"]
    assert PIPENV.dependency_files(tmp_path, files) == ["Pipfile", "Pipfile.lock"]
    assert POETRY.dependency_files(tmp_path, files) == ["pyproject.toml", "poetry.lock"]
    assert UV.dependency_files(tmp_path, files) == ["pyproject.toml", "uv.lock", ".python-version"]
    assert UV.dependency_files(tmp_path, ("uv.lock",)) == ["uv.lock"]
    (tmp_path / "requirements.txt").write_text("flask\n-e .\n")   # a local path: the whole tree
    assert PIP.dependency_files(tmp_path, files) == list(files)


def inputs(manager, **changes):
    base = dict(stack="heroku-24", build_image="sha256:1", python="3.14.7", package_manager=manager.name,
                tool_version=manager.version, files_sha256="a", manifest_sha256="b")
    return DepsInputs(**{**base, **changes})


@pytest.mark.parametrize("manager, tool, manifest", [
    (PIP, "pip", "requirements.txt"), (PIPENV, "Pipenv", "Pipfile.lock"), (POETRY, "Poetry", None), (UV, "uv", None),
], ids=lambda v: v.name if isinstance(v, managers.PackageManager) else None)
def test_the_reasons_to_discard_the_cache_are_lib_cache_sh_s(manager, tool, manifest):
    now = inputs(manager)
    assert now.discard_reasons(inputs(manager)) == []
    assert now.discard_reasons(inputs(manager, tool_version="0.1")) == [
        f"The {tool} version has changed from 0.1 to {manager.version}"]
    # only pip's requirements.txt and Pipenv's Pipfile.lock are compared with the cached ones
    assert now.discard_reasons(inputs(manager, manifest_sha256="c")) == (
        [f"The contents of {manifest} changed"] if manifest else [])
    assert now.discard_reasons(inputs(manager, files_sha256="c")) == []
    other = PIP if manager is not PIP else UV
    assert now.discard_reasons(inputs(other, stack="heroku-22", python="3.13.5")) == [
        "The stack has changed from heroku-22 to heroku-24",
        "The Python version has changed from 3.13.5 to 3.14.7",
        f"The package manager has changed from {other.name} to {manager.name}"]


COMPARED = re.compile(r"""(?:[!=]=|\bin)\s*[\(\[{]?\s*["'](?:pip|pipenv|poetry|uv)["']""")


def test_no_module_asks_which_manager_it_has_by_name():
    """What differs between managers is in their PackageManager: nothing compares a name."""
    found = [f"{path.relative_to(HEROSIM)}:{number}: {line.strip()}"
             for path in sorted(HEROSIM.rglob("*.py")) if "managers" not in path.parts
             for number, line in enumerate(path.read_text().splitlines(), 1) if COMPARED.search(line)]
    assert found == []
    assert COMPARED.search('if manager == "uv":') and COMPARED.search("manager in ('pip', 'pipenv')")


class FakeImages:
    def __init__(self, refs):
        self.refs = set(refs)

    def get(self, ref):
        if ref not in self.refs:
            raise docker.errors.ImageNotFound(ref)
        return object()


class FakeClient:
    def __init__(self, refs):
        self.images = FakeImages(refs)


def test_a_discarded_cache_says_what_changed_from_the_cached_build_to_this_one(tmp_path):
    """lib/cache.sh: "The Python version has changed from <cached> to <this build's>"."""
    before, now = inputs(UV, python="3.13.5", tool_version="0.1"), inputs(UV)
    printer = Recorder()
    ctx = BuildContext(FakeClient({f"herosim-deps/shop:{before.key}"}), printer, "shop",
                       SourceTree(root=tmp_path, files=(), untracked=(), commit=""))
    assert DependencyLayer(ctx)._restored(before, now) is None
    assert printer.lines == ["-----> Discarding cache since:",
                             "       - The Python version has changed from 3.13.5 to 3.14.7",
                             f"       - The uv version has changed from 0.1 to {UV.version}"]
    printer.lines.clear()
    assert DependencyLayer(ctx)._restored(before, before) == f"herosim-deps/shop:{before.key}"
    assert printer.lines == ["-----> Restoring cache"]
