"""What a saved change needs under `herosim dev`: a file sync or the full build."""

import pytest

from herosim.app.devchanges import ADDED, MODIFIED, REMOVED, BuildFacts, Change, describe, plan, rebuild_reason

PLAIN = BuildFacts(dependency_files=frozenset({"requirements.txt"}))


@pytest.mark.parametrize("path, reason", [
    ("Procfile", "the Procfile"),
    ("app.json", "app.json"),
    (".python-version", "a version file"),
    ("runtime.txt", "a version file"),
    ("requirements.txt", "a dependency file"),
    ("requirements/base.txt", "a dependency file"),
    ("requirements-dev.txt", "a dependency file"),
    ("constraints.txt", "a dependency file"),
    ("Pipfile.lock", "a dependency file"),
    ("pyproject.toml", "a dependency file"),
    ("uv.lock", "a dependency file"),
    ("bin/post_compile", "a build hook"),
    ("bin/pre_compile", "a build hook"),
    (".slugignore", ".slugignore"),
    (".profile.d/custom.sh", "a .profile.d script (the buildpack writes there too)"),
])
def test_what_the_build_reads_rebuilds(path, reason):
    assert rebuild_reason(path, PLAIN) == reason


@pytest.mark.parametrize("path", ["app.py", "templates/index.html", "static/site.css", "pkg/requirements.py",
                                  "README.md", "docs/requirements.md", "bin/start"])
def test_code_and_assets_sync(path):
    assert rebuild_reason(path, PLAIN) is None


def test_a_local_package_install_makes_every_file_a_dependency():
    facts = BuildFacts(dependency_files=frozenset({"requirements.txt", "setup.py", "mypkg/core.py"}))
    assert rebuild_reason("mypkg/core.py", facts) == "a dependency file"


def test_collectstatic_makes_static_files_rebuild_but_not_code_or_templates():
    facts = BuildFacts(collectstatic=True)
    assert rebuild_reason("hello/static/site.css", facts) == "a static file (collectstatic copies it in the build)"
    assert rebuild_reason("static/js/app.js", facts) is not None
    assert rebuild_reason("hello/templates/index.html", facts) is None
    assert rebuild_reason("hello/views.py", facts) is None
    assert rebuild_reason("static.py", facts) is None


def test_build_hooks_make_every_non_python_file_rebuild():
    facts = BuildFacts(hooks=True)
    assert rebuild_reason("assets/app.scss", facts) == "a file the build hooks may read"
    assert rebuild_reason("app.py", facts) is None


def test_a_plan_rebuilds_when_any_change_needs_it_and_names_each_reason():
    changes = [Change("app.py", MODIFIED), Change("Procfile", MODIFIED), Change("requirements.txt", ADDED)]
    result = plan(changes, PLAIN)
    assert result.needs_build
    assert result.rebuild == ("Procfile (the Procfile)", "requirements.txt (a dependency file)")


def test_a_plan_of_code_changes_syncs_them_in_order():
    changes = [Change("views.py", MODIFIED), Change("app.py", REMOVED)]
    result = plan(changes, PLAIN)
    assert not result.needs_build
    assert [c.path for c in result.sync] == ["app.py", "views.py"]


def test_describe_marks_removals_and_counts_the_rest():
    changes = [Change("a.py", MODIFIED), Change("b.py", REMOVED), Change("c.py", ADDED), Change("d.py", ADDED)]
    assert describe(changes) == "a.py, b.py (removed), c.py (+1 more)"
    assert describe(changes[:1]) == "a.py"
