"""The slug compiler against scenario apps: what the Python buildpack accepts, refuses and prints."""

import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.integration.conftest import RunningApp, app_name, commit_all, free_port, git_app, herosim


def build(path: Path, label: str, *args):
    return herosim("build", path, "-a", app_name(label), *args)


def up(path: Path, label: str, *args):
    app = RunningApp(app_name(label), path, free_port())
    return app, herosim("up", "-d", path, "-a", app.name, "--port", app.port, *args)


def slug_listing(client, result, *paths) -> str:
    image = result.stdout.strip().splitlines()[-1]
    return client.containers.run(image, ["ls", "-a", *paths], remove=True, entrypoint=[]).decode()


def destroy(label):
    herosim("destroy", "-a", app_name(label), "--confirm", app_name(label))


def index_url() -> str:
    """pip's own default index, read at run time (nothing to hard-code)."""
    from pip._internal.models.index import PyPI
    return PyPI.simple_url


@pytest.fixture(scope="session")
def poetry(tmp_path_factory):
    where = tmp_path_factory.mktemp("poetry-tool")
    venv.create(where, with_pip=True)
    subprocess.run([where / "bin" / "pip", "install", "-q", "poetry"], check=True, timeout=600)
    return where / "bin" / "poetry"


def test_pip_basic_uses_the_offline_default_and_says_so(client, herosim_home, tmp_path):
    app, result = up(git_app("pip_basic", tmp_path), "pip-basic")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        assert "-----> No Python version was specified. Using the offline stack's default: Python 3.13" in result.stdout
        assert "Warning: No Python version was specified." in result.stderr
        assert "-----> Installing requirements with pip" in result.stdout
        assert "-----> Compressed size: " in result.stdout
        assert app.get("/").json()["python"].startswith("3.13.")
        again = herosim("build", app.path, "-a", app.name)  # the last build's version sticks
        assert "Using the same version as the last build: Python 3.13" in again.stdout
    finally:
        destroy("pip-basic")


def test_python_version_file_picks_the_suite_that_carries_it(herosim_home, tmp_path):
    app, result = up(git_app("python_version_file", tmp_path), "pyver")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "-----> Using Python 3.11 specified in .python-version" in result.stdout
        assert "(stack herosim-bookworm)" in result.stdout
        assert app.get("/").json()["python"].startswith("3.11.")
    finally:
        destroy("pyver")


def test_a_version_no_stack_carries_is_an_error_naming_the_available_ones(herosim_home, tmp_path):
    result = build(git_app("pip_basic", tmp_path, extra={".python-version": "3.12\n"}), "pyver-missing")
    assert result.returncode == 1
    assert "Python 3.12 is not available offline; herosim's offline stacks carry Python 3.9 (bullseye), " \
           "3.11 (bookworm), 3.13 (trixie)" in result.stderr


def test_runtime_txt_works_with_the_deprecation_warning(herosim_home, tmp_path):
    result = build(git_app("runtime_txt_deprecated", tmp_path), "runtime")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        assert "-----> Using Python 3.13 specified in runtime.txt" in result.stdout
        assert "Warning: The runtime.txt file is deprecated." in result.stderr
    finally:
        destroy("runtime")


def test_uv_lock(client, herosim_home, tmp_path):
    import uv
    path = git_app("uv_lock", tmp_path)
    subprocess.run([uv.find_uv_bin(), "lock", "--python", sys.executable], cwd=path, check=True, capture_output=True,
                   timeout=300)
    commit_all(path, "lock")
    app, result = up(path, "uv")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "-----> Installing dependencies using 'uv sync --locked --no-default-groups'" in result.stdout
        assert app.get("/").json()["python"].startswith("3.13.")
        dyno = app.dyno_container(client)
        assert dyno.exec_run(["python", "-c", "import pytest"]).exit_code != 0  # dev group left out
        assert dyno.exec_run(["ls", "/tmp/tools"]).exit_code != 0  # the tool is not in the slug
    finally:
        destroy("uv")


def test_poetry_lock(poetry, herosim_home, tmp_path):
    path = git_app("poetry_lock", tmp_path)
    with open(path / "pyproject.toml", "a") as handle:
        handle.write(f'\n[[tool.poetry.source]]\nname = "index"\nurl = "{index_url()}"\npriority = "primary"\n')
    subprocess.run([poetry, "lock"], cwd=path, check=True, capture_output=True, timeout=600)
    commit_all(path, "lock")
    app, result = up(path, "poetry")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "-----> Installing dependencies using 'poetry sync --only main'" in result.stdout
        assert app.get("/").status_code == 200
    finally:
        destroy("poetry")


@pytest.mark.parametrize("fixture, extra, message", [
    ("no_package_manager", {}, "Couldn't find any supported Python package manager files"),
    ("two_package_managers", {}, "Multiple Python package manager files were found: requirements.txt, poetry.lock"),
    ("pip_basic", {"Pipfile": "[packages]\n"}, None),
])
def test_package_manager_refusals(herosim_home, tmp_path, fixture, extra, message):
    if fixture == "two_package_managers":
        extra = {"poetry.lock": "# lock\n"}
    result = build(git_app(fixture, tmp_path, extra=extra), "pm")
    if message is None:  # a stray Pipfile beside requirements.txt is not a lockfile: pip is used
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Installing requirements with pip" in result.stdout
        destroy("pm")
        return
    assert result.returncode == 1
    assert message in result.stderr
    assert " ▸    Hint: " in result.stderr


def test_psycopg2_builds_from_source_and_runs_on_the_run_image(client, herosim_home, tmp_path):
    app, result = up(git_app("psycopg2_from_source", tmp_path), "psycopg2")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        # built here with gcc against the stack's libpq (a binary wheel would bundle its own)
        linked = app.dyno_container(client).exec_run(
            ["bash", "-c", "ldd /app/.heroku/python/lib/python3*/site-packages/psycopg2/_psycopg*.so"]).output.decode()
        assert re.search(r"libpq\.so\.5 => /\S*/libpq\.so\.5", linked) and "psycopg2_binary" not in linked, linked
        info = app.get("/libpq").json()
        assert info["psycopg2"].startswith("2.9.13") and info["libpq"] >= 130000
        assert "Creating heroku-postgresql" in result.stderr  # psycopg2 asks for the add-on
    finally:
        destroy("psycopg2")


def test_post_compile_failure_fails_the_build_with_its_output(herosim_home, tmp_path):
    result = build(git_app("hooks_post_compile_fail", tmp_path), "hookfail")
    try:
        assert result.returncode == 1
        assert "-----> Running post-compile hook" in result.stdout
        assert "compiling assets" in result.stdout and "assets missing" in result.stdout
        assert "The post_compile hook failed" in result.stderr
    finally:
        destroy("hookfail")


def test_hooks_run_in_order_and_their_files_reach_the_slug(client, herosim_home, tmp_path):
    result = build(git_app("hooks_compile", tmp_path), "hooks")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        out = result.stdout
        assert out.index("Running pre-compile hook") < out.index("Installing requirements with pip") \
            < out.index("Running post-compile hook")
        assert "post_compile: flask flask" in out
        listing = slug_listing(client, result, "/app", "/app/static")
        assert "pre_compiled.txt" in listing and "bundle.js" in listing
    finally:
        destroy("hooks")
    # the compile step's image builds on the dependency layer: destroy removes both
    assert client.images.list(filters={"label": f"io.herosim.app={app_name('hooks')}"}) == []


def test_django_collectstatic_and_disable_collectstatic(client, herosim_home, tmp_path):
    path = git_app("django_collectstatic", tmp_path)
    app, result = up(path, "django")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "-----> $ python manage.py collectstatic --noinput" in result.stdout
        assert "static file" in result.stdout and "copied to '/app/staticfiles'" in result.stdout
        assert app.get("/").json()["framework"] == "django"
        assert "site.css" in app.dyno_container(client).exec_run(["ls", "/app/staticfiles/css"]).output.decode()
        app.cli("config:set", "DISABLE_COLLECTSTATIC=1", check=True)
        skipped = herosim("build", path, "-a", app.name)
        assert skipped.returncode == 0 and "collectstatic" not in skipped.stdout
        assert "staticfiles" not in slug_listing(client, skipped, "/app")
    finally:
        destroy("django")


def test_slugignore_removes_files_before_the_build(client, herosim_home, tmp_path):
    result = build(git_app("slugignore", tmp_path), "slugignore")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        listing = slug_listing(client, result, "/app")
        assert "app.py" in listing
        for gone in ("design", "logo.psd", "tests"):
            assert gone not in listing
    finally:
        destroy("slugignore")


def test_cache_is_discarded_with_the_reason_and_no_cache_forces_it(herosim_home, tmp_path):
    path = git_app("pip_basic", tmp_path)
    try:
        assert build(path, "cache").returncode == 0
        (path / "requirements.txt").write_text("Flask==3.1.3\ngunicorn==23.0.0\nitsdangerous==2.2.0\n")
        commit_all(path, "one more dependency")
        changed = build(path, "cache")
        assert changed.returncode == 0
        assert "-----> Discarding cache since:" in changed.stdout
        assert "- The contents of the requirements.txt file changed" in changed.stdout
        forced = build(path, "cache", "--no-cache")
        assert "Discarding cache since: --no-cache was given" in forced.stdout
        assert re.search(r"Successfully installed|Installed \d+ packages", forced.stdout)
    finally:
        destroy("cache")
