"""`herosim ci` as Heroku CI runs ci_spec's pip app (spec/hatchet/ci_spec.rb of v351), on one
that has no requirements-test.txt: bin/test-compile's install, environment and collectstatic
line, the runner's lines, the test dyno (a Performance-M). Differences from the spec's
transcript are herosim's paths (CACHE_DIR, ENV_DIR), no PYTHONHOME (see README) and the
CI runner's own folder on the test dyno's PATH."""

import re

from tests.support import git_app, transcript

CA_VARS = ("CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
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
TEST = "./bin/print-env-vars.sh && python -c 'import itsdangerous; print(\"itsdangerous\", itsdangerous.__name__)'"


def without_ca(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith(tuple(v + "=" for v in CA_VARS)))


def test_ci_of_an_app_without_test_requirements_is_heroku_cis(client, herosim_home, tmp_path):
    path = git_app("ci_pip", tmp_path)
    run = transcript("ci", path, cwd=path)
    assert run.returncode == 0, run.stdout[-3000:]
    out = without_ca(run.stdout[run.stdout.index("-----> Python app detected"):]) + "\n"
    expected = rf"""-----> Python app detected
-----> Using Python 3\.14 specified in \.python-version
-----> Installing Python 3\.14\.\d+
-----> Installing pip 26\.2\.1
-----> Installing dependencies using 'pip install -r requirements\.txt'
       Collecting itsdangerous==2\.2\.0 \(from -r requirements\.txt \(line 1\)\)
(         Downloading itsdangerous-2\.2\.0-py3-none-any\.whl\.metadata \(.+\)
)?         Downloading itsdangerous-2\.2\.0-py3-none-any\.whl \(\d+ kB\)
       Installing collected packages: itsdangerous
       Successfully installed itsdangerous-2\.2\.0
-----> Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set\.
-----> Running bin/post_compile hook
       BUILD_DIR=/app
       CACHE_DIR=/tmp/herosim-cache
       CI=true
       CPLUS_INCLUDE_PATH=/app/\.heroku/python/include
       C_INCLUDE_PATH=/app/\.heroku/python/include
       DISABLE_COLLECTSTATIC=1
       ENV_DIR=/tmp/herosim-env
       INSTALL_TEST=1
       LANG=en_US\.UTF-8
       LC_ALL=C\.UTF-8
       LD_LIBRARY_PATH=/app/\.heroku/python/lib
       LIBRARY_PATH=/app/\.heroku/python/lib
       PATH=/app/\.heroku/python/bin:/usr/local/bin:/usr/bin:/bin:/app/\.sprettur/bin/
       PIP_DISABLE_PIP_VERSION_CHECK=1
       PKG_CONFIG_PATH=/app/\.heroku/python/lib/pkg-config
       PYTHONUNBUFFERED=1
-----> Saving cache
{re.escape(UV_NOTE)}
-----> Discovering process types
       Procfile declares types -> \(none\)
-----> Compressing\.\.\.
       Done: \d+(\.\d)?M
-----> No test-setup command provided\. Skipping\.
-----> Running test command `{re.escape(TEST)}`\.\.\.
CI=true
DYNO_RAM=2560
FORWARDED_ALLOW_IPS=\*
GUNICORN_CMD_ARGS=--access-logfile -
LANG=en_US\.UTF-8
LD_LIBRARY_PATH=/app/\.heroku/python/lib
LIBRARY_PATH=/app/\.heroku/python/lib
PATH=/app/\.heroku/python/bin:/usr/local/bin:/usr/bin:/bin
PIP_DISABLE_PIP_VERSION_CHECK=1
PYTHONPATH=/app
PYTHONUNBUFFERED=true
WEB_CONCURRENCY=5
WEB_CONCURRENCY_SET_BY=heroku/python
itsdangerous itsdangerous
-----> test exited with 0
Test run app ci-pip-ci-[0-9a-f]{{6}} removed
"""
    assert re.fullmatch(expected, out), out
