"""Conformance with heroku-buildpack-python v351: one row per behaviour its own specs
(spec/hatchet/*_spec.rb) check, on small apps of our own. Each row builds an app with
`herosim build` and checks the outcome and the key lines of the transcript, in the
buildpack's words. Rows the offline stacks cannot reproduce say what herosim does instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field

import pytest

from tests.support import app_name, git_app, herosim

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Row:
    id: str
    spec: str                        # where the buildpack checks it
    fixture: str = "bp_pip"
    files: dict = field(default_factory=dict)   # added or replaced (bytes or text)
    delete: tuple = ()
    last_python: str | None = None   # the app's previous build (the buildpack's cached version)
    config: dict = field(default_factory=dict)
    builds: bool = True
    lines: tuple = ()                # each must be a whole line of the transcript (stdout + stderr)
    absent: tuple = ()               # must not appear anywhere
    freeze: tuple = ()               # `pip list --format=freeze` in the slug (lib/pip.sh's installs)
    pkg_resources: bool | None = None   # `import pkg_resources` works (setuptools 70.3.0 on 3.10-3.12)


ROWS = [
    # -- detection and checks (detect_spec, checks_spec) -------------------------------------------------
    Row("no-python-files", "detect_spec: no recognised Python project files", fixture="bp_no_python", builds=False,
        lines=("-----> App not compatible with buildpack: https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/python.tgz",
               " ▸    Error: Your app is configured to use the Python buildpack,", " ▸    .example-dotfile",
               " ▸    README.md", " ▸    subdir/",
               "       More info: https://devcenter.heroku.com/articles/buildpacks#buildpack-auto-detection",
               " ▸    Push failed"), absent=("Push rejected",)),
    Row("python-in-app-source", "checks_spec: broken Python install in the source",
        files={".heroku/python/bin/python": "#!/bin/sh\n"}, builds=False,
        lines=("-----> Python app detected", " ▸    Error: Existing '.heroku/python/' directory found.",
               " ▸    .heroku/python/bin/python", " ▸    Push rejected, failed to compile Python app.")),
    Row("venv-in-app-source", "checks_spec: a venv directory in the source",
        files={".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/bin/python": "#!/bin/sh\n"}, builds=False,
        lines=(" ▸    Error: Existing '.venv/' directory found.", " ▸    .venv/pyvenv.cfg")),
    # -- package managers (package_manager_spec) ---------------------------------------------------------
    Row("multiple-package-managers", "package_manager_spec: multiple package managers",
        files={"uv.lock": "version = 1\n", "Pipfile.lock": "{}"}, builds=False,
        lines=(" ▸    Error: Multiple Python package manager files were found.", " ▸    Pipfile.lock (Pipenv)",
               " ▸    requirements.txt (pip)", " ▸    uv.lock (uv)")),
    Row("pipenv-no-lockfile", "pipenv_spec: Pipfile without Pipfile.lock", files={"Pipfile": "[packages]\n"},
        delete=("requirements.txt",), builds=False, lines=(" ▸    Error: No 'Pipfile.lock' found!",)),
    Row("setup-py-only", "package_manager_spec: setup.py only", files={"setup.py": "import setuptools\n"},
        delete=("requirements.txt",), builds=False,
        lines=(" ▸    Error: Implicit setup.py file support has been sunset.",)),
    Row("pyproject-toml-only", "package_manager_spec: pyproject.toml only",
        files={"pyproject.toml": "[project]\nname = 'x'\n"}, delete=("requirements.txt",), builds=False,
        lines=(" ▸    Error: Couldn't find any supported Python package manager files.", " ▸    pyproject.toml")),
    # -- the Python version (python_version_spec) ----------------------------------------------------------
    Row("python-version-unspecified", "python_version_spec: no version, a new app",
        lines=("-----> No Python version was specified. Using the buildpack default: Python 3.14",
               " !     Warning: No Python version was specified.", "-----> Installing pip 26.2.1",
               "-----> Installing dependencies using 'pip install -r requirements.txt'",
               "       Successfully installed itsdangerous-2.2.0", "-----> Saving cache",
               "       Procfile declares types -> web")),
    Row("python-version-cached", "python_version_spec: no version, the last build's major sticks",
        last_python="3.13.15",
        lines=("-----> No Python version was specified. Using the same major version as the last build: Python 3.13",
               "-----> Installing Python 3.13.15")),
    Row("python-version-eol-cached", "python_version_spec: the cached version is end-of-life", last_python="3.9.16",
        builds=False,
        lines=("-----> No Python version was specified. Using the same major version as the last build: Python 3.9",
               " ▸    Error: The cached Python version has reached end-of-life.")),
    Row("python-version-unknown-cached", "python_version_spec: the cached version is unrecognised",
        last_python="3.99.0", builds=False, lines=(" ▸    Error: The cached Python version isn't recognised.",)),
    Row("python-3.14", "python_version_spec: builds with Python 3.14", files={".python-version": "3.14\n"},
        lines=("-----> Using Python 3.14 specified in .python-version", "-----> Installing pip 26.2.1"),
        absent=("setuptools",), freeze=("itsdangerous==2.2.0", "pip==26.2.1"), pkg_resources=False),
    Row("python-3.13", "python_version_spec: builds with Python 3.13", files={".python-version": "3.13\n"},
        lines=("-----> Using Python 3.13 specified in .python-version", "-----> Installing Python 3.13.15",
               "-----> Installing pip 26.2.1"),
        freeze=("itsdangerous==2.2.0", "pip==26.2.1"), pkg_resources=False),
    Row("python-3.11", "python_version_spec: builds with Python 3.11 (pip and setuptools)",
        files={".python-version": "3.11\n"},
        lines=("-----> Using Python 3.11 specified in .python-version",
               "-----> Installing pip 26.2.1 and setuptools 70.3.0"),
        freeze=("itsdangerous==2.2.0", "pip==26.2.1", "setuptools==70.3.0"), pkg_resources=True),
    Row("python-3.12-offline", "python_version_spec: builds with Python 3.12 (not offline: no Debian suite has it)",
        files={".python-version": "3.12\n"}, builds=False,
        lines=(" ▸    Python 3.12 is not available offline; herosim's offline stacks carry Python 3.11, 3.13, 3.14",)),
    Row("python-version-eol", "python_version_spec: an end-of-life version", files={".python-version": "3.9\n"},
        builds=False, lines=("-----> Using Python 3.9 specified in .python-version",
                             " ▸    Error: The requested Python version has reached end-of-life.",
                             " ▸    Please upgrade to at least Python 3.10 by changing the",
                             " ▸    version in your .python-version file.")),
    Row("python-version-non-existent-major", "python_version_spec: an unknown major version",
        files={".python-version": "3.99\n"}, builds=False,
        lines=(" ▸    Error: The requested Python version isn't recognised.",
               " ▸    The requested Python version 3.99 isn't recognised.")),
    Row("python-version-file-invalid-version", "python_version_spec: an invalid version",
        files={".python-version": "# comment\r\n  \u200bpython 3.13\r\n"}, builds=False,
        lines=(" ▸    Error: Invalid Python version in .python-version.", " ▸    ���python 3.13")),
    Row("python-version-file-multiple-versions", "python_version_spec: several versions",
        files={".python-version": "3.13\n3.12\n"}, builds=False,
        lines=(" ▸    Error: Multiple Python versions found in .python-version.", " ▸    3.13", " ▸    3.12")),
    Row("python-version-file-no-version", "python_version_spec: no version in the file",
        files={".python-version": "# 3.13\n\n"}, builds=False,
        lines=(" ▸    Error: No Python version found in .python-version.",)),
    Row("python-version-file-unsupported-encoding", "python_version_spec: UTF-8 with a BOM",
        files={".python-version": BOM + b"3.13\r\n"}, builds=False,
        lines=(" ▸    Error: Unable to read .python-version.",
               " ▸    Unicode text, UTF-8 (with BOM) text, with CRLF line terminators")),
    Row("python-version-file-misspelled", "python_version_spec: a misspelled file name (trailing space)",
        files={".python-version ": "3.13\n"}, builds=False,
        lines=(" ▸    Error: Your .python-version file is spelled incorrectly.", " ▸    '.python-version '")),
    Row("runtime-txt", "python_version_spec: runtime.txt, deprecated", files={"runtime.txt": "python-3.13\n"},
        lines=("-----> Using Python 3.13 specified in runtime.txt", " !     Warning: The runtime.txt file is deprecated.")),
    Row("runtime-txt-comments", "python_version_spec (v318): comments and blank lines in runtime.txt",
        files={"runtime.txt": "# the Python we run\n\npython-3.13\n\n"},
        lines=("-----> Using Python 3.13 specified in runtime.txt",)),
    Row("runtime-txt-invalid-version", "python_version_spec: runtime.txt without the python- prefix",
        files={"runtime.txt": "3.13\n"}, builds=False, lines=(" ▸    Error: Invalid Python version in runtime.txt.",)),
    Row("runtime-txt-eol-version", "python_version_spec: runtime.txt with an end-of-life version",
        files={"runtime.txt": "python-3.9.18\n"}, builds=False,
        lines=(" ▸    Error: The requested Python version has reached end-of-life.",
               " ▸    version in your runtime.txt file.")),
    Row("runtime-txt-and-python-version-file", "python_version_spec: runtime.txt wins over .python-version",
        files={"runtime.txt": "python-3.13\n", ".python-version": "3.14\n"},
        lines=("-----> Using Python 3.13 specified in runtime.txt",)),
    Row("pipfile-lock-eol", "pipenv_spec: Pipfile.lock asks for an end-of-life Python",
        files={"Pipfile": "[packages]\n", "Pipfile.lock": json.dumps({"_meta": {"requires": {"python_version": "3.9"}},
                                                                       "default": {}, "develop": {}})},
        delete=("requirements.txt",), builds=False,
        lines=("-----> Using Python 3.9 specified in Pipfile.lock",
               " ▸    version in your Pipfile.lock file.")),
    Row("pipfile-lock-invalid-json", "pipenv_spec: Pipfile.lock that is not JSON",
        files={"Pipfile": "[packages]\n", "Pipfile.lock": "{not json"}, delete=("requirements.txt",), builds=False,
        lines=(" ▸    Error: Can't parse Pipfile.lock.",)),
    Row("uv-no-python-version-file", "uv_spec: uv without .python-version",
        files={"pyproject.toml": "[project]\nname = 'x'\nversion = '0'\n", "uv.lock": "version = 1\n"},
        delete=("requirements.txt",), builds=False, lines=(" ▸    Error: No Python version was specified.",
                                                             " ▸    When using the package manager uv on Heroku, you must specify")),
    Row("uv-runtime-txt", "uv_spec: uv with runtime.txt",
        files={"pyproject.toml": "[project]\nname = 'x'\nversion = '0'\n", "uv.lock": "version = 1\n",
               "runtime.txt": "python-3.13\n"},
        delete=("requirements.txt",), builds=False,
        lines=(" ▸    Error: The runtime.txt file isn't supported when using uv.",)),
    # -- installs (pip_spec) ----------------------------------------------------------------------------------
    Row("pip-invalid-requirement", "pip_spec: an invalid requirement", files={"requirements.txt": "itsdangerous==\n"},
        builds=False, lines=(" ▸    Error: Unable to install dependencies using pip.",
                             " ▸    See the log output above for more information.")),
    # -- hooks (hooks_spec) ---------------------------------------------------------------------------------
    Row("hooks-pre-compile-pass-post-compile-fail", "hooks_spec: pre_compile passes, post_compile fails",
        files={"bin/pre_compile": "#!/usr/bin/env bash\necho \"~ pre_compile sees SOME_APP_CONFIG_VAR=${SOME_APP_CONFIG_VAR}\"\n",
               "bin/post_compile": "#!/usr/bin/env bash\necho 'Some post_compile error!'\nexit 1\n"},
        config={"SOME_APP_CONFIG_VAR": "1"}, builds=False,
        lines=("-----> Python app detected", "-----> Running bin/pre_compile hook",
               "       ~ pre_compile sees SOME_APP_CONFIG_VAR=1", "-----> Running bin/post_compile hook",
               "       Some post_compile error!", " ▸    Error: Failed to run the bin/post_compile script.")),
    Row("hooks-pre-compile-fail", "hooks_spec: pre_compile fails",
        files={"bin/pre_compile": "#!/usr/bin/env bash\necho 'Some pre_compile error!'\nexit 1\n"}, builds=False,
        lines=("-----> Running bin/pre_compile hook", "       Some pre_compile error!",
               " ▸    Error: Failed to run the bin/pre_compile script.")),
    Row("hooks-delete-cache-dir", "hooks_spec: a hook deletes the whole cache directory (lib/build_data.sh)",
        files={"bin/post_compile": "#!/usr/bin/env bash\n\nset -euo pipefail\n\nset -x\nrm -rf \"${CACHE_DIR:?}\"\n"},
        builds=False,
        lines=("-----> Running bin/post_compile hook", "       + rm -rf /tmp/herosim-cache",
               " ▸    Error: Can't find the buildpack's build data file.",
               " ▸    The Python buildpack's internal build data file is missing:",
               " ▸    /tmp/herosim-cache/build-data/python.json",
               " ▸    and so you must not delete it when removing files from the",
               " ▸    build cache or /tmp directories.", " ▸    Push rejected, failed to compile Python app."),
        absent=("Failed to run the bin/post_compile script",)),
    Row("pre-compile-empties-tmp", "lib/build_data.sh: bin/pre_compile removes /tmp, the build data with it",
        files={"bin/pre_compile": "#!/usr/bin/env bash\nrm -rf /tmp\n"}, builds=False,
        lines=("-----> Running bin/pre_compile hook", " ▸    Error: Can't find the buildpack's build data file."),
        absent=("Failed to run the bin/pre_compile script", "Installing dependencies")),
    Row("pre-compile-writes-the-package-manager-file", "bin/compile: the checks run after pre_compile",
        files={"bin/pre_compile": "#!/usr/bin/env bash\necho itsdangerous==2.2.0 > requirements.txt\n"},
        delete=("requirements.txt",),
        lines=("-----> Running bin/pre_compile hook",
               "-----> Installing dependencies using 'pip install -r requirements.txt'")),
    # -- Procfile (profile_d_scripts_spec's fixture) -------------------------------------------------------------
    Row("no-procfile", "slug compiler: no Procfile still builds", delete=("Procfile",),
        lines=("       Procfile declares types -> (none)",)),
    Row("procfile-hyphenated-type", "spec/fixtures/procfile: a hyphenated process type",
        files={"Procfile": "web: true\nexample-worker: true\n"},
        lines=("       Procfile declares types -> web, example-worker",)),
]


SLUG_PACKAGES = ("/app/.heroku/python/bin/pip list --format=freeze --disable-pip-version-check; "
                 "/app/.heroku/python/bin/python -c 'import pkg_resources' 2>/dev/null "
                 "&& echo pkg_resources ok || echo pkg_resources missing")


def build(tmp_path, row: Row, home):
    path = git_app(row.fixture, tmp_path, extra={k: v for k, v in row.files.items() if isinstance(v, str)})
    for name, data in row.files.items():
        if isinstance(data, bytes):
            (path / name).write_bytes(data)
    for name in row.delete:
        (path / name).unlink()
    for name in row.files:
        if name.startswith("bin/"):
            os.chmod(path / name, 0o755)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["add", "-A"], cwd=path, check=True)
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "row"], cwd=path, check=True)
    name = app_name(f"bp-{abs(hash(row.id)) % 10**6}")
    if row.last_python:
        state = home / "apps" / name
        state.mkdir(parents=True, exist_ok=True)
        (state / "settings.json").write_text(json.dumps({"last_build": {"python": row.last_python}}))
    for key, value in row.config.items():
        herosim("config:set", f"{key}={value}", "-a", name, check=True)
    return name, herosim("build", path, "-a", name)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_buildpack_behaviour(client, herosim_home, tmp_path, row):
    name, result = build(tmp_path, row, herosim_home)
    try:
        transcript = (result.stdout + result.stderr).splitlines()
        assert (result.returncode == 0) == row.builds, "\n".join(transcript[-40:])
        for line in row.lines:
            assert line in transcript, f"{line!r} missing:\n" + "\n".join(transcript[-60:])
        for fragment in row.absent:
            assert fragment not in result.stdout + result.stderr
        if not row.builds:
            assert "Traceback" not in result.stderr
        if row.freeze:
            image = result.stdout.strip().splitlines()[-1]
            out = client.containers.run(image, ["bash", "-c", SLUG_PACKAGES], entrypoint=[], remove=True).decode()
            assert out.splitlines() == [*row.freeze, f"pkg_resources {'ok' if row.pkg_resources else 'missing'}"]
    finally:
        herosim("destroy", "-a", name, "--confirm", name)
