"""The slug compiler end to end: whole transcripts against the buildpack's (v351's pip_spec),
the environment of hooks and dynos, tutorial-era apps, the package managers, native builds,
hooks, collectstatic, .slugignore and the build cache. One-row behaviours (each check and
error of the buildpack) are in tests/conformance."""

import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.integration.conftest import RunningApp, app_name, commit_all, free_port, git_app, herosim
from tests.support import transcript

PIP = "26.2.1"
UV_NOTE = """
 !     Note: We recently added support for the package manager uv:
 !     https://devcenter.heroku.com/changelog-items/3238
 !     
 !     It's now our recommended Python package manager, since it
 !     supports lockfiles, is faster, gives more helpful error
 !     messages, and is actively maintained by a full-time team.
 !     
 !     If you haven't tried it yet, we suggest you take a look!
 !     https://docs.astral.sh/uv/
"""
# What a CA bundle adds to a build's environment (herosim's --ca-bundle: the proxy's trust)
CA_VARS = ("CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


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


def without_ca(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith(tuple(v + "=" for v in CA_VARS)))


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


HOOK_ENV = """\
       BUILD_DIR=/app
       CACHE_DIR=/tmp/herosim-cache
       C_INCLUDE_PATH=/app/.heroku/python/include
       CPLUS_INCLUDE_PATH=/app/.heroku/python/include
       ENV_DIR=/tmp/herosim-env
       LANG=en_US.UTF-8
       LD_LIBRARY_PATH=/app/.heroku/python/lib
       LIBRARY_PATH=/app/.heroku/python/lib
       PATH=/app/.heroku/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
       PIP_DISABLE_PIP_VERSION_CHECK=1
       PKG_CONFIG_PATH=/app/.heroku/python/lib/pkg-config
       PYTHONUNBUFFERED=1"""


def test_pip_transcripts_and_environments_are_the_buildpacks(herosim_home, tmp_path):
    """pip_spec's first two contexts: a first build, a rebuild from the cache, a dyno's
    environment, then a changed (linked) requirements.txt discarding the cache."""
    path = git_app("pip_transcript", tmp_path)
    app = RunningApp(app_name("piptx"), path, free_port())
    try:
        first = transcript("up", "-d", path, "-a", app.name, "--port", app.port)
        assert first.returncode == 0, first.stdout[-3000:]
        expected = rf"""-----> Python app detected
-----> Using Python 3\.14 specified in \.python-version
-----> Installing Python 3\.14\.\d+
-----> Installing pip {PIP}
-----> Installing dependencies using 'pip install -r requirements\.txt'
       Collecting itsdangerous==2\.2\.0 \(from -r requirements\.txt \(line 3\)\)
(         Downloading itsdangerous-2\.2\.0-py3-none-any\.whl\.metadata \(.+\)
)?         Downloading itsdangerous-2\.2\.0-py3-none-any\.whl \(\d+ kB\)
       Installing collected packages: itsdangerous
       Successfully installed itsdangerous-2\.2\.0
-----> Running bin/post_compile hook
{re.escape(HOOK_ENV)}
-----> Saving cache
{re.escape(UV_NOTE)}
-----> Discovering process types
       Procfile declares types -> \(none\)
-----> Compressing\.\.\.
       Done: \d+(\.\d)?M
-----> Launching\.\.\.
       Released v1
"""
        compiled = first.stdout[first.stdout.index("-----> Python app detected"):]  # after `up`'s own line
        assert re.match(expected, without_ca(compiled) + "\n"), first.stdout

        again = transcript("build", path, "-a", app.name)
        assert again.returncode == 0, again.stdout[-3000:]
        assert re.match(rf"""-----> Python app detected
-----> Using Python 3\.14 specified in \.python-version
-----> Restoring cache
-----> Using cached install of Python 3\.14\.\d+
-----> Installing pip {PIP}
-----> Installing dependencies using 'pip install -r requirements\.txt'
       Requirement already satisfied: itsdangerous==2\.2\.0 \(from -r requirements\.txt \(line 3\)\) \(2\.2\.0\)
-----> Running bin/post_compile hook
{re.escape(HOOK_ENV)}
-----> Saving cache
""", without_ca(again.stdout)), again.stdout

        # a dyno: the buildpack's .profile.d scripts, as its spec prints them; PYTHONHOME is
        # the one line herosim leaves out (its Pythons are Debian's, in a venv: see README)
        dyno = herosim("run", "-a", app.name, "bin/print-env-vars.sh && pip --version")
        assert dyno.returncode == 0, dyno.stderr
        assert dyno.stdout == f"""DYNO_RAM=512
FORWARDED_ALLOW_IPS=*
GUNICORN_CMD_ARGS=--access-logfile -
LANG=en_US.UTF-8
LD_LIBRARY_PATH=/app/.heroku/python/lib
LIBRARY_PATH=/app/.heroku/python/lib
PATH=/app/.heroku/python/bin:/usr/local/bin:/usr/bin:/bin
PIP_DISABLE_PIP_VERSION_CHECK=1
PYTHONPATH=/app
PYTHONUNBUFFERED=true
WEB_CONCURRENCY=2
WEB_CONCURRENCY_SET_BY=heroku/python
pip {PIP} from /app/.heroku/python/lib/python3.14/site-packages/pip (python 3.14)
"""
        with open(path / "requirements" / "prod.txt", "a") as handle:
            handle.write("six==1.17.0\n")
        (path / "bin" / "post_compile").unlink()
        commit_all(path, "one more dependency, no hook")
        changed = transcript("build", path, "-a", app.name)
        assert changed.returncode == 0, changed.stdout[-3000:]
        assert re.match(rf"""-----> Python app detected
-----> Using Python 3\.14 specified in \.python-version
-----> Discarding cache since:
       - The contents of requirements\.txt changed
-----> Installing Python 3\.14\.\d+
-----> Installing pip {PIP}
-----> Installing dependencies using 'pip install -r requirements\.txt'
       Collecting itsdangerous==2\.2\.0 \(from -r requirements\.txt \(line 3\)\)
(.+\n)*       Collecting six==1\.17\.0 \(from -r requirements\.txt \(line 4\)\)
(.+\n)*       Successfully installed itsdangerous-2\.2\.0 six-1\.17\.0
-----> Saving cache
""", changed.stdout), changed.stdout
    finally:
        destroy("piptx")


def test_default_python_is_3_14_and_sticks(herosim_home, tmp_path):
    app, result = up(git_app("pip_basic", tmp_path), "pip-basic")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        assert "-----> No Python version was specified. Using the buildpack default: Python 3.14" in result.stdout
        assert " !     Warning: No Python version was specified." in result.stderr
        assert app.get("/").json()["python"].startswith("3.14.")
        again = herosim("build", app.path, "-a", app.name)
        assert "-----> No Python version was specified. Using the same major version as the last build: " \
               "Python 3.14" in again.stdout
    finally:
        destroy("pip-basic")


def test_tutorial_era_app_fails_on_3_14_naming_the_package_and_boots_on_3_11_with_new_pins(herosim_home, tmp_path):
    """A 2021 tutorial's pins: greenlet 1.1.2 has no wheel for 3.14 and does not build (Heroku
    fails the same way; herosim adds which package and the two fixes); 3.9 is end-of-life;
    on 3.11 with a newer greenlet, gunicorn 20.1 (pkg_resources, from setuptools 70.3.0) boots."""
    path = git_app("tutorial_2021", tmp_path)
    app = RunningApp(app_name("tutorial"), path, free_port())
    try:
        failed = herosim("build", path, "-a", app.name)
        assert failed.returncode == 1
        assert "       ERROR: Failed building wheel for greenlet" in failed.stdout
        assert re.search(r"""
 ▸    Error: Unable to install dependencies using pip\.
 ▸
 ▸    See the log output above for more information\.

 ▸    Push rejected, failed to compile Python app\.
 ▸    herosim: greenlet 1\.1\.2 has no wheel for Python 3\.14, so pip built it from source, and that build failed \(above\)\.
 ▸    Fix: request Python 3\.\d+ \(the newest with a greenlet 1\.1\.2 wheel\) in \.python-version, or upgrade to greenlet>=3\.\d+\.\d+ \(its first release with wheels for Python 3\.14\)\.
$""", failed.stderr), failed.stderr[-1500:]

        (path / ".python-version").write_text("3.9\n")
        commit_all(path, "the tutorial's Python")
        eol = herosim("build", path, "-a", app.name)
        assert eol.returncode == 1 and " ▸    Error: The requested Python version has reached end-of-life." in eol.stderr

        (path / ".python-version").write_text("3.11\n")
        (path / "requirements.txt").write_text((path / "requirements.txt").read_text().replace(
            "greenlet==1.1.2", "greenlet==3.0.3"))
        commit_all(path, "3.11, a greenlet with wheels")
        result = herosim("up", "-d", path, "-a", app.name, "--port", app.port)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert f"-----> Installing pip {PIP} and setuptools 70.3.0" in result.stdout
        body = app.get("/").json()
        assert body["gunicorn"] == "20.1.0" and body["python"].startswith("3.11."), body
    finally:
        destroy("tutorial")


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
        assert "Note: We recently added support for the package manager uv" not in result.stderr
        assert app.get("/").json()["python"].startswith("3.13.")
        dyno = app.dyno_container(client)
        assert dyno.exec_run(["python", "-c", "import pytest"]).exit_code != 0  # dev group left out
        assert dyno.exec_run(["ls", "/var/cache/herosim"]).exit_code != 0  # the tool is not in the slug
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


def test_hooks_run_in_the_buildpacks_order_and_their_files_reach_the_slug(client, herosim_home, tmp_path):
    result = build(git_app("hooks_compile", tmp_path), "hooks")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        out = result.stdout
        assert out.index("-----> Python app detected") < out.index("-----> Running bin/pre_compile hook") \
            < out.index("-----> No Python version was specified") \
            < out.index("-----> Installing dependencies using") < out.index("-----> Running bin/post_compile hook")
        assert "       post_compile: flask flask" in out
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
        assert re.search(r"       \d+ static files? copied to '/app/staticfiles'", result.stdout), result.stdout
        assert app.get("/").json()["framework"] == "django"
        assert "site.css" in app.dyno_container(client).exec_run(["ls", "/app/staticfiles/css"]).output.decode()
        app.cli("config:set", "DISABLE_COLLECTSTATIC=1", check=True)
        skipped = herosim("build", path, "-a", app.name)
        assert skipped.returncode == 0
        assert "-----> Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set." in skipped.stdout
        assert "$ python manage.py collectstatic" not in skipped.stdout
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


def test_no_cache_builds_as_after_a_cache_purge(herosim_home, tmp_path):
    """`--no-cache`: what a build prints after `heroku builds:cache:purge` (no cache line at all)."""
    path = git_app("pip_basic", tmp_path, extra={".python-version": "3.14\n"})
    try:
        assert build(path, "cache").returncode == 0
        forced = build(path, "cache", "--no-cache")
        assert forced.returncode == 0
        assert "-----> Installing Python 3.14." in forced.stdout
        assert "cache" not in forced.stdout.split("-----> Saving cache")[0].lower()
        assert "Successfully installed" in forced.stdout
    finally:
        destroy("cache")
