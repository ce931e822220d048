"""Detection, the buildpack's checks on the source, the package manager (pure, no Docker)."""

import pytest

from herosim.errors import BuildpackError
from herosim.slug import detect
from herosim.slug.managers import PIP, UV


def reason(files, check) -> str:
    with pytest.raises(BuildpackError) as error:
        check(set(files))
    return error.value.reason


def test_detected_by_any_known_file_or_folder():
    assert detect.detected({"app.py"}) and detect.detected({"requirements"}) and detect.detected({".venv/bin/python"})
    assert not detect.detected({"README.md", "subdir/notes.txt", ".example-dotfile"})


def test_not_detected_lists_the_root_as_ls_does():
    with pytest.raises(BuildpackError) as error:
        detect.check_detected({"README.md", "subdir/notes.txt", ".example-dotfile"})
    block = error.value.block
    assert block[:2] == ["Error: Your app is configured to use the Python buildpack,",
                         "but we couldn't find any supported Python project files."]
    at = block.index("Currently the root directory of your app contains:")
    assert block[at + 2:at + 5] == [".example-dotfile", "README.md", "subdir/"]


@pytest.mark.parametrize("files, manager", [
    ({"requirements.txt"}, "pip"), ({"Pipfile", "Pipfile.lock"}, "pipenv"),
    ({"pyproject.toml", "poetry.lock"}, "poetry"), ({"pyproject.toml", "uv.lock"}, "uv"),
])
def test_exactly_one_package_manager(files, manager):
    assert detect.package_manager(files).name == manager


@pytest.mark.parametrize("files, expected", [
    ({"Pipfile"}, "package-manager::pipenv-missing-lockfile"),
    ({"setup.py"}, "package-manager::setup-py-only"),
    ({"app.py", "requirments.txt"}, "package-manager::none-found"),
    ({"pyproject.toml"}, "package-manager::none-found"),
    ({"requirements.txt", "poetry.lock"}, "package-manager::multiple-found"),
])
def test_package_manager_errors(files, expected):
    assert reason(files, detect.package_manager) == expected


def test_multiple_package_managers_are_listed_in_the_buildpacks_order():
    with pytest.raises(BuildpackError) as error:
        detect.package_manager({"uv.lock", "requirements.txt", "Pipfile.lock"})
    assert "Pipfile.lock (Pipenv)" in error.value.block
    at = error.value.block.index("Pipfile.lock (Pipenv)")
    assert error.value.block[at:at + 3] == ["Pipfile.lock (Pipenv)", "requirements.txt (pip)", "uv.lock (uv)"]


def test_a_committed_python_install_or_virtual_environment_is_refused():
    with pytest.raises(BuildpackError) as error:
        detect.check_python_dir({".heroku/python/bin/python", "app.py"})
    assert error.value.block[6:9] == [".heroku/python/", ".heroku/python/bin", ".heroku/python/bin/python"]
    with pytest.raises(BuildpackError) as error:
        detect.check_venv({".venv/bin/python", ".venv/pyvenv.cfg", "app.py"})
    assert error.value.block[0] == "Error: Existing '.venv/' directory found."
    assert error.value.block[5:9] == [".venv/", ".venv/bin", ".venv/bin/python", ".venv/pyvenv.cfg"]
    detect.check_venv({"venv/notes.txt"})  # no pyvenv.cfg: not a virtual environment


def test_dependency_names():
    files = {"requirements.txt": "Flask==3.1.3  # web\n-r extra.txt\ngit+https://x/y.git#egg=My_Pkg\n",
             "extra.txt": "psycopg2-binary>=2.9\n"}
    assert detect.dependencies(PIP, files.get) == {"flask", "my-pkg", "psycopg2-binary"}
    assert detect.dependencies(UV, {"uv.lock": 'name = "Django"\nname = "rq"\n'}.get) == {"django", "rq"}
