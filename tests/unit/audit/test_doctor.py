"""`herosim doctor` on fixture apps (each broken one with its fixed twin) and on small
snippets, whole text where the user reads it. The package index is a fake here (file
names as its simple API lists them, small source archives); tests/integration/test_doctor.py
asks the real one, and tests/integration/test_pin_outcomes.py holds the predictions against
real builds. The pins' own cases (file lists, archives, outcomes) are in test_pins.py."""

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from herosim.audit import doctor
from herosim.slug import wheels

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "apps"
LINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"


def tar_gz(top: str, files: dict[str, str]) -> bytes:
    """A source archive as the index serves one: every file under one top folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


OPTIONAL_SETUP = """\
from setuptools import Extension, setup
class BuildFailed(Exception):
    pass
def run_setup(with_binary):
    setup(ext_modules=[Extension("m._speedups", ["src/m/_speedups.c"])] if with_binary else [])
try:
    run_setup(True)
except BuildFailed:
    run_setup(False)
"""
NATIVE_SETUP = 'from setuptools import Extension, setup\nsetup(ext_modules=[Extension("m._m", ["m/m.c"])])\n'
SDISTS = {  # what each release's source archive holds, in short
    "greenlet-1.1.2.tar.gz": {"setup.py": NATIVE_SETUP, "src/greenlet/greenlet.c":
                              "#include <Python.h>\nstatic int f(PyThreadState *tstate) { return tstate->use_tracing; }\n"},
    "psycopg2-binary-2.9.1.tar.gz": {"setup.py": NATIVE_SETUP, "psycopg/adapter_asis.c": "#include <Python.h>\n"},
    "MarkupSafe-2.0.1.tar.gz": {"setup.py": OPTIONAL_SETUP, "src/markupsafe/_speedups.c": "#include <Python.h>\n"},
    "SQLAlchemy-1.4.22.tar.gz": {"setup.py": OPTIONAL_SETUP, "lib/sqlalchemy/cextension/processors.c": ""},
}
INDEX = {
    "greenlet": ["greenlet-1.1.2.tar.gz", f"greenlet-1.1.2-cp310-cp310-{LINUX}.whl",
                 "greenlet-3.0.3-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
                 "greenlet-3.2.3-cp314-cp314-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl"],
    "psycopg2-binary": ["psycopg2-binary-2.9.1.tar.gz", "psycopg2_binary-2.9.1-cp39-cp39-manylinux_2_24_x86_64.whl",
                        "psycopg2_binary-2.9.1-cp310-cp310-manylinux_2_24_x86_64.whl",
                        f"psycopg2_binary-2.9.9-cp311-cp311-{LINUX}.whl",
                        f"psycopg2_binary-2.9.11-cp314-cp314-{LINUX}.whl"],
    "markupsafe": ["MarkupSafe-2.0.1.tar.gz", "MarkupSafe-2.0.1-cp39-cp39-manylinux2010_x86_64.whl",
                   f"markupsafe-3.0.3-cp314-cp314-{LINUX}.whl"],
    "sqlalchemy": ["SQLAlchemy-1.4.22.tar.gz", f"SQLAlchemy-1.4.22-cp39-cp39-{LINUX}.whl",
                   "sqlalchemy-2.0.0-py3-none-any.whl"],
}


class FakeIndex:
    """The package index: file lists as its simple API gives them, source archives as it serves them."""

    def __init__(self, index=None, sdists=None):
        self.index, self.sdists = index or INDEX, sdists or SDISTS
        self.downloads = []

    def files(self, name):
        names = self.index.get(wheels.normalise(name))
        return None if names is None else [wheels.IndexFile(n, url=f"https://index.test/{n}") for n in names]

    def __call__(self, name):
        found = self.files(name)
        return None if found is None else [f.filename for f in found]

    def download(self, file, max_bytes, seconds):
        self.downloads.append(file.filename)
        if file.filename not in self.sdists:
            return None
        return tar_gz(file.filename.removesuffix(".tar.gz"), self.sdists[file.filename])


fetch = FakeIndex()


def reader(root: Path):
    def read(name):
        path = root / name
        return path.read_text() if path.is_file() else None
    return read


def files_of(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def report(root: Path, config=None, **kwargs) -> str:
    found = doctor.check(files_of(root), reader(root), config or {}, fetch=fetch, **kwargs)
    return "\n".join(line for f in found for line in f.render()) + "\n"


def snippet(tmp_path, code: str, requirements: str = "flask==3.1.3\ngunicorn==23.0.0\n", config=None,
            python: str = "3.14"):
    (tmp_path / "Procfile").write_text("web: gunicorn app:app\n")
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / ".python-version").write_text(python + "\n")
    (tmp_path / "app.py").write_text(code)
    return doctor.check(files_of(tmp_path), reader(tmp_path), config or {}, fetch=fetch)


TUTORIAL = """\
 ✖ error: rq is imported but not in requirements.txt
     app/__init__.py:5: no distribution in requirements.txt provides it: ModuleNotFoundError: No module named 'rq' at boot (H10).
     fix: add rq to requirements.txt
 ✖ error: redis is imported but not in requirements.txt
     app/__init__.py:8: no distribution in requirements.txt provides it: ModuleNotFoundError: No module named 'redis' at boot (H10).
     fix: add redis to requirements.txt
 ✖ error: Config var ADMINS is read with a default of None and used as a string
     config.py:16: `os.environ.get("ADMINS").split` raises AttributeError: 'NoneType' object has no attribute 'split' at import, so the dyno crashes at boot (H10), since ADMINS is not set.
     fix: herosim config:set ADMINS=…, or give it a default: os.environ.get('ADMINS', '')
 ✖ error: greenlet==1.1.2 does not build on Python 3.14
     requirements.txt:4: Python 3.14 is Heroku's default (no version file): greenlet 1.1.2 has no wheel for it, so pip compiles it from source, and its C code reads CPython's internals (`tstate->use_tracing` in src/greenlet/greenlet.c), which change with every Python, as they were before 3.14 (its newest wheel is for Python 3.10): it does not compile, and the build stops there.
     fix: a .python-version of 3.10 or greenlet>=3.2.3
 ! warning: The app loads a .env file
     config.py:6: there is no .env on Heroku (and it should not be in git); its values must be config vars.
     fix: herosim config:set KEY=value for each key the app needs
 ! warning: Secret SECRET_KEY falls back to a constant
     config.py:10: when SECRET_KEY is not set (it is not), the app runs with a value published in its code.
     fix: herosim config:set SECRET_KEY="$(python -c 'import secrets; print(secrets.token_hex(32))')", and read it with os.environ['SECRET_KEY']
 ! warning: The code reads DATABASE_URL but no add-on sets it
     config.py:11: DATABASE_URL is not set until an add-on is attached: herosim up provisions heroku-postgresql by itself (the requirements call for it); Heroku does not.
     fix: heroku addons:create heroku-postgresql:essential-0 (herosim addons:create heroku-postgresql:essential-0)
 ! warning: An SQLite database on the dyno's disk
     config.py:12: an SQLite file is lost at every restart (at least daily) and each dyno sees its own.
     fix: use the Postgres add-on through DATABASE_URL; keep SQLite for local runs only
 ! warning: The app logs to a file unless LOG_TO_STDOUT is set
     config.py:13: app/__init__.py:30 writes "logs/microblog.log" when LOG_TO_STDOUT is not set (it is not): on Heroku that file is lost at every restart and `heroku logs` never shows it.
     fix: herosim config:set LOG_TO_STDOUT=1 (and the same on Heroku)
 ! warning: The code reads REDIS_URL but no add-on sets it
     config.py:17: REDIS_URL is not set until an add-on is attached: herosim up will not provision it either.
     fix: heroku addons:create heroku-redis:mini (herosim addons:create heroku-redis:mini)
 ! warning: psycopg2-binary==2.9.1 has no wheel for Python 3.14
     requirements.txt:9: Python 3.14 is Heroku's default (no version file): pip compiles psycopg2-binary's C code (psycopg/adapter_asis.c) from source there, written before Python 3.14 (its newest wheel is for Python 3.10); the build stops if it does not compile for 3.14.
     fix: a .python-version of 3.10 or psycopg2-binary>=2.9.11
"""


def test_the_tutorials_heroku_chapter_whole_report():
    assert report(APPS / "doctor_tutorial") == TUTORIAL


def test_its_fixed_twin_reports_nothing_once_its_config_is_set():
    config = {"SECRET_KEY": "s", "DATABASE_URL": "postgres://x", "REDIS_URL": "rediss://x", "LOG_TO_STDOUT": "1"}
    assert report(APPS / "doctor_tutorial_fixed", config) == "\n"


def test_the_fixed_twin_without_config_says_what_to_set():
    found = {f.title: f for f in doctor.check(files_of(APPS / "doctor_tutorial_fixed"),
                                               reader(APPS / "doctor_tutorial_fixed"), {}, fetch=fetch)}
    assert found["Config var SECRET_KEY is required but not set"].severity == "error"
    assert found["Config var SECRET_KEY is required but not set"].where == "config.py:7"
    assert "The app logs to a file unless LOG_TO_STDOUT is set" in found


def test_the_last_builds_python_is_the_one_checked():
    found = doctor.check(files_of(APPS / "doctor_tutorial"), reader(APPS / "doctor_tutorial"), {}, fetch=fetch,
                         last_python="3.11.2")
    pins = [f for f in found if f.where.startswith("requirements.txt")]
    assert [(f.severity, f.title) for f in pins] == [("error", "greenlet==1.1.2 does not build on Python 3.11"),
                                                     ("warning", "psycopg2-binary==2.9.1 has no wheel for Python 3.11")]
    assert "Python 3.11 is the last build's" in pins[0].detail


def test_an_end_of_life_python_is_the_buildpacks_refusal(tmp_path):
    found = snippet(tmp_path, "import flask\n", python="3.9")
    refusal = next(f for f in found if f.title == "The build will refuse the Python version")
    assert refusal.severity == "error"
    assert refusal.detail == "The requested Python version has reached end-of-life."


def test_no_index_no_pin_findings():
    found = doctor.check(files_of(APPS / "doctor_tutorial"), reader(APPS / "doctor_tutorial"), {})
    assert not [f for f in found if f.where.startswith("requirements.txt")]


@pytest.mark.parametrize("code, error", [
    ("import os\nX = os.environ.get('NAMES').split(',')\n", "AttributeError: 'NoneType' object has no attribute 'split'"),
    ("import os\nX = os.getenv('NAMES')[0]\n", "TypeError: 'NoneType' object is not subscriptable"),
    ("import os\nX = int(os.environ.get('NAMES'))\n",
     "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"),
    ("import os\nX = 'a,' + os.environ.get('NAMES')\n", 'TypeError: can only concatenate str (not "NoneType") to str'),
    ("from os import environ\nX = environ.get('NAMES').lower()\n",
     "AttributeError: 'NoneType' object has no attribute 'lower'"),
])
def test_a_get_used_as_a_string_is_the_error_python_raises(tmp_path, code, error):
    found = [f for f in snippet(tmp_path, code) if "NAMES" in f.title]
    assert [(f.severity, f.where) for f in found] == [("error", "app.py:2")]
    assert error in found[0].detail
    with pytest.raises(Exception) as raised:  # the very error Python gives
        exec(compile(code, "app.py", "exec"), {"__name__": "x"})
    assert error == f"{type(raised.value).__name__}: {raised.value}"


@pytest.mark.parametrize("code", [
    "import os\nX = os.environ.get('NAMES', '').split(',')\n",
    "import os\nX = (os.environ.get('NAMES') or '').split(',')\n",
    "import os\nX = os.environ.get('NAMES')\n",
])
def test_a_get_with_a_default_or_kept_as_none_is_fine(tmp_path, code):
    assert not [f for f in snippet(tmp_path, code) if "NAMES" in f.title]


def test_in_a_function_it_is_a_warning_and_set_it_is_silent(tmp_path):
    code = "import os\n\ndef admins():\n    return os.environ.get('NAMES').split(',')\n"
    found = [f for f in snippet(tmp_path, code) if "NAMES" in f.title]
    assert found[0].severity == "warning" and "when that code runs" in found[0].detail
    assert not [f for f in snippet(tmp_path, code, config={"NAMES": "a"}) if "NAMES" in f.title]


@pytest.mark.parametrize("code", ["import os\nK = os.environ.get('API_TOKEN', 'dev-token')\n",
                                  "import os\nK = os.getenv('DB_PASSWORD') or 'hunter2'\n"])
def test_secret_fallbacks(tmp_path, code):
    found = [f for f in snippet(tmp_path, code) if f.title.startswith("Secret")]
    assert len(found) == 1 and found[0].severity == "warning"
    assert "dev-token" not in found[0].detail and "hunter2" not in found[0].detail  # never repeated


def test_an_import_is_certain_with_frozen_requirements_and_a_warning_otherwise(tmp_path):
    frozen = [f for f in snippet(tmp_path, "import redis\n") if "redis" in f.title]
    assert frozen[0].severity == "error"
    loose = [f for f in snippet(tmp_path, "import redis\n", "flask\ngunicorn\n") if "redis" in f.title]
    assert loose[0].severity == "warning" and "unless a listed package brings it" in loose[0].detail


@pytest.mark.parametrize("code", [
    "try:\n    import redis\nexcept ImportError:\n    redis = None\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import redis\n",
    "import werkzeug\nimport jinja2\nfrom flask import Flask\nimport json, os\n",
    "from app import x\n",
])
def test_imports_that_are_fine(tmp_path, code):
    assert not [f for f in snippet(tmp_path, code) if "is imported" in f.title]


def test_every_problem_of_the_broken_app_is_found():
    root = APPS / "doctor_broken"
    found = doctor.check(files_of(root) - {"migrations/env.py"}, reader(root), {"DATABASE_URL": "x"},
                         ignored=("migrations/env.py",))
    titles = {f.title: f for f in found}
    assert titles["The web process runs a development server"].severity == "error"
    assert titles["The code uses Postgres but no driver is installed"].severity == "error"
    assert titles["DATABASE_URL goes to SQLAlchemy unchanged"].fix.startswith('url = os.environ["DATABASE_URL"]')
    assert titles["Config var SECRET_KEY is required but not set"].where == "app.py:12"
    assert titles["Files the app needs are not in git"].where == "migrations/env.py"
    assert titles["Logs go to a file"].severity == "warning"
    assert titles["An SQLite database on the dyno's disk"].severity == "warning"
    assert titles["The app loads a .env file"].severity == "warning"


def test_healthy_apps_have_no_errors():
    for name in ("microblog", "hello", "fs_fixed"):
        root = APPS / name
        found = doctor.check(files_of(root), reader(root), {"DATABASE_URL": "x"}, fetch=fetch)
        assert [f for f in found if f.severity == "error"] == [], (name, found)


def test_missing_procfile_and_package_manager(tmp_path):
    (tmp_path / "app.py").write_text("print('hi')\n")
    titles = {f.title for f in doctor.check({"app.py"}, reader(tmp_path), {})}
    assert {"No Procfile", "No usable package-manager file"} <= titles


def run_cli(tmp_path, fixture, *args):
    path = tmp_path / fixture
    shutil.copytree(APPS / fixture, path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], cwd=path, check=True)
    subprocess.run(git + ["add", "-A"], cwd=path, check=True)
    subprocess.run(git + ["commit", "-qm", "x"], cwd=path, check=True)
    # an index that refuses connections: the pins check says nothing, quickly
    return subprocess.run([sys.executable, "-m", "herosim", "doctor", str(path), *args], capture_output=True,
                          text=True, env={**os.environ, "HEROSIM_HOME": str(tmp_path / "home"),
                                          "PIP_INDEX_URL": "http://127.0.0.1:9/simple"}, timeout=60)


def test_cli_prints_findings_and_exits_1(tmp_path):
    result = run_cli(tmp_path, "doctor_broken")
    assert result.returncode == 1
    assert " ✖ error: Files the app needs are not in git" in result.stdout
    assert "fix: herosim config:set SECRET_KEY=…" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "5 errors, 4 warnings"


def test_cli_json(tmp_path):
    result = run_cli(tmp_path, "doctor_tutorial", "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["errors"] == 3 and data["warnings"] == len(data["findings"]) - 3
    assert data["findings"][0] == {"severity": "error", "title": "rq is imported but not in requirements.txt",
                                   "where": "app/__init__.py:5",
                                   "detail": "no distribution in requirements.txt provides it: ModuleNotFoundError: "
                                             "No module named 'rq' at boot (H10).",
                                   "fix": "add rq to requirements.txt"}


def test_more_than_one_clock_dyno(tmp_path):
    (tmp_path / "Procfile").write_text("web: gunicorn app:app\nclock: python clock.py\n")
    (tmp_path / "requirements.txt").write_text("gunicorn==23.0.0\n")
    files = {"Procfile", "requirements.txt"}
    found = doctor.check(files, reader(tmp_path), {}, formation={"web": 1, "clock": 2})
    clock = [f for f in found if f.title == "More than one clock dyno"]
    assert clock and clock[0].fix == "herosim ps:scale clock=1"
    assert not [f for f in doctor.check(files, reader(tmp_path), {}, formation={"clock": 1})
                if f.title == "More than one clock dyno"]
