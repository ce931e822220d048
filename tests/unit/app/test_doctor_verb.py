"""doctor's verb (app/doctor.py): the tree git would deploy and the app's state read, the
findings returned as data for the CLI to print. git, no Docker; an index that refuses
connections, so the pins check says nothing."""

import subprocess

import pytest

from herosim.app import doctor
from herosim.errors import AppError
from herosim.platform.state import AppState


def committed(root, files):
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], cwd=root, check=True)
    subprocess.run(git + ["add", "-A"], cwd=root, check=True)
    subprocess.run(git + ["commit", "-qm", "x"], cwd=root, check=True)
    return root


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")


def test_findings_counted_and_as_json(tmp_path):
    root = committed(tmp_path / "app", {"app.py": "import flask\n", "requirements.txt": "flask\n"})
    (root / "notes.txt").write_text("never committed\n")
    found = doctor.diagnose(root, lambda: AppState("demo"))
    titles = [f.title for f in found.findings]
    assert "No Procfile" in titles
    assert (found.errors, found.warnings) == (sum(f.severity == "error" for f in found.findings),
                                              len(titles) - found.errors)
    assert found.as_dict() == {"errors": found.errors, "warnings": found.warnings,
                               "findings": [f.as_dict() for f in found.findings]}
    assert found.findings == tuple(sorted(found.findings, key=lambda f: f.severity != "error"))


def test_a_config_var_set_on_the_app_is_read(tmp_path):
    root = committed(tmp_path / "app", {"Procfile": "web: gunicorn app:app\n", "requirements.txt": "gunicorn\n",
                                        "app.py": "import os\nKEY = os.environ['SECRET_KEY']\n"})
    missing = doctor.diagnose(root, lambda: AppState("demo"))
    state = AppState("demo")
    state.update_config_vars({"SECRET_KEY": "s"})
    present = doctor.diagnose(root, lambda: state)
    assert any("SECRET_KEY" in f.fix for f in missing.findings)
    assert not any("SECRET_KEY" in f.fix for f in present.findings)


def test_a_folder_outside_git_says_so_before_the_app_is_resolved(tmp_path):
    def resolve():
        raise AssertionError("the app was resolved first")
    with pytest.raises(AppError, match="is not in a git repository"):
        doctor.diagnose(tmp_path, resolve)
