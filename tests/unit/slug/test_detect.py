import json

import pytest

from herosim.slug import detect
from herosim.errors import BuildError


def reader(files: dict[str, str]):
    return lambda name: files.get(name)


def plan(files: dict[str, str]):
    return detect.plan(reader(files), set(files))


@pytest.mark.parametrize("files, manager", [
    ({"requirements.txt": "flask"}, "pip"),
    ({"requirements.txt": ""}, "pip"),
    ({"Pipfile": "", "Pipfile.lock": "{}"}, "pipenv"),
    ({"poetry.lock": "", "pyproject.toml": ""}, "poetry"),
    ({"uv.lock": "", "pyproject.toml": "", ".python-version": "3.13"}, "uv"),
])
def test_exactly_one_package_manager(files, manager):
    assert plan(files).package_manager == manager


@pytest.mark.parametrize("files, fragment", [
    ({"app.py": ""}, "Couldn't find any supported Python package manager files"),
    ({"setup.py": ""}, "setup.py/pyproject.toml alone"),
    ({"requirements.txt": "", "poetry.lock": ""}, "Multiple Python package manager files"),
    ({"Pipfile": ""}, "no 'Pipfile.lock'"),
    ({"requirement.txt": ""}, "rename it to 'requirements.txt'"),
    ({"uv.lock": "", "pyproject.toml": ""}, "'.python-version' file is required when using uv"),
])
def test_package_manager_errors(files, fragment):
    with pytest.raises(BuildError) as err:
        plan(files)
    assert fragment in err.value.message + " " + err.value.hint
    assert err.value.hint


@pytest.mark.parametrize("files, version, origin", [
    ({"requirements.txt": ""}, None, "default"),
    ({"requirements.txt": "", ".python-version": "# pinned\n3.12\n"}, "3.12", ".python-version"),
    ({"requirements.txt": "", ".python-version": "  3.12.4  \n"}, "3.12.4", ".python-version"),
    ({"requirements.txt": "", "runtime.txt": "python-3.11.9\n", ".python-version": "3.12"}, "3.11.9", "runtime.txt"),
    ({"Pipfile.lock": json.dumps({"_meta": {"requires": {"python_version": "3.11"}}})}, "3.11", "Pipfile.lock"),
    ({"Pipfile.lock": json.dumps({"_meta": {"requires": {"python_version": "3.11",
                                                         "python_full_version": "3.11.2"}}})}, "3.11.2", "Pipfile.lock"),
])
def test_python_version_precedence(files, version, origin):
    request = plan(files).python
    assert (request.version, request.origin) == (version, origin)


@pytest.mark.parametrize("name, text, fragment", [
    ("runtime.txt", "3.12", "Invalid Python version in runtime.txt"),
    ("runtime.txt", "python-3.12 # comment", "Invalid Python version in runtime.txt"),
    (".python-version", "python-3.12", "Invalid Python version in .python-version"),
    (".python-version", "3.12\n3.13\n", "multiple versions"),
    (".python-version", "# nothing\n", "no version found"),
    (".python_version", "3.12", "unexpected name"),
])
def test_bad_version_files(name, text, fragment):
    with pytest.raises(BuildError) as err:
        plan({"requirements.txt": "", name: text})
    assert fragment in err.value.message


def test_requirement_names_follow_includes_and_skip_options():
    files = {
        "requirements.txt": "-r base.txt\nFlask[async]==3.1 ; python_version>'3'\n--index-url x\n"
                            "git+https://example.invalid/x.git#egg=My_Lib\n# comment\n",
        "base.txt": "psycopg2-binary>=2.9  # db\nGunicorn\n",
    }
    names = detect.requirement_names(files["requirements.txt"], reader(files))
    assert names == {"flask", "psycopg2-binary", "gunicorn", "my-lib"}


def test_lockfile_names():
    assert detect.lock_names("poetry", '[[package]]\nname = "Psycopg2"\n') == {"psycopg2"}
    assert detect.lock_names("pipenv", json.dumps({"default": {"Flask": {}}})) == {"flask"}
