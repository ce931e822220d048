"""`herosim doctor` on the fixture that has every problem, and on healthy apps."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from herosim.audit import doctor

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "apps"


def reader(root: Path):
    def read(name):
        path = root / name
        return path.read_text() if path.is_file() else None
    return read


def files_of(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_every_problem_of_the_broken_app_is_found():
    root = APPS / "doctor_broken"
    found = doctor.check(files_of(root) - {"migrations/env.py"}, reader(root), {"DATABASE_URL": "x"},
                         ignored=("migrations/env.py",))
    titles = {f.title: f for f in found}
    assert titles["The web process runs a development server"].severity == "error"
    assert titles["The code uses Postgres but no driver is installed"].severity == "error"
    assert titles["DATABASE_URL goes to SQLAlchemy unchanged"].fix.startswith('url = os.environ["DATABASE_URL"]')
    assert "SECRET_KEY (app.py:12)" in titles["Config vars the code requires are not set"].detail
    assert "migrations/env.py" in titles["Files the app needs are not in git"].detail
    assert titles["Logs go to a file"].severity == "warning"
    assert titles["An SQLite database on the dyno's disk"].severity == "warning"
    assert titles["The app loads a .env file"].severity == "warning"


def test_set_config_vars_silence_their_finding():
    root = APPS / "doctor_broken"
    found = doctor.check(files_of(root), reader(root), {"SECRET_KEY": "s"})
    assert "Config vars the code requires are not set" not in {f.title for f in found}


def test_healthy_apps_have_no_errors():
    for name in ("microblog", "hello", "fs_fixed"):
        root = APPS / name
        found = doctor.check(files_of(root), reader(root), {"DATABASE_URL": "x"})
        assert [f for f in found if f.severity == "error"] == [], (name, found)


def test_missing_procfile_and_package_manager(tmp_path):
    (tmp_path / "app.py").write_text("print('hi')\n")
    titles = {f.title for f in doctor.check({"app.py"}, reader(tmp_path), {})}
    assert {"No Procfile", "No usable package-manager file"} <= titles


def test_cli_prints_findings_and_exits_1(tmp_path):
    path = tmp_path / "broken"
    shutil.copytree(APPS / "doctor_broken", path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], cwd=path, check=True)
    subprocess.run(git + ["add", "-A"], cwd=path, check=True)
    subprocess.run(git + ["commit", "-qm", "x"], cwd=path, check=True)
    result = subprocess.run([sys.executable, "-m", "herosim", "doctor", str(path)], capture_output=True, text=True,
                            env={**os.environ, "HEROSIM_HOME": str(tmp_path / "home")})
    assert result.returncode == 1
    assert " ✖ error: Files the app needs are not in git" in result.stdout
    assert "fix: herosim config:set SECRET_KEY=…" in result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith("warning(s)")
