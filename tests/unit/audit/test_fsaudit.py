from herosim.audit import fsaudit
from herosim.audit.fsaudit import Change

DIFF = [
    {"Path": "/app", "Kind": 0}, {"Path": "/app/app.db", "Kind": 1}, {"Path": "/app/logs", "Kind": 1},
    {"Path": "/app/logs/app.log", "Kind": 1}, {"Path": "/app/translations/fr/LC_MESSAGES/messages.mo", "Kind": 1},
    {"Path": "/app/translations", "Kind": 0}, {"Path": "/app/translations/fr", "Kind": 0},
    {"Path": "/app/translations/fr/LC_MESSAGES", "Kind": 0}, {"Path": "/app/uploads/cat.png", "Kind": 1},
    {"Path": "/app/uploads", "Kind": 1}, {"Path": "/app/report.csv", "Kind": 1},
    {"Path": "/app/__pycache__/app.cpython-313.pyc", "Kind": 1}, {"Path": "/app/__pycache__", "Kind": 1},
    {"Path": "/tmp/x", "Kind": 1}, {"Path": "/tmp", "Kind": 0}, {"Path": "/app/README.md", "Kind": 2},
]


def test_directories_collapse_to_their_files():
    paths = [c.path for c in fsaudit.changes_from_docker(DIFF)]
    assert "/app" not in paths and "/app/logs" not in paths and "/app/logs/app.log" in paths


def test_classification_names_each_classic_problem():
    findings = fsaudit.classify(fsaudit.changes_from_docker(DIFF))
    by_key = {f.key: f.paths for f in findings}
    assert by_key == {
        "sqlite": ["/app/app.db"],
        "logs": ["/app/logs/app.log"],
        "translations": ["/app/translations/fr/LC_MESSAGES/messages.mo"],
        "uploads": ["/app/uploads/cat.png"],
        "deleted": ["/app/README.md"],
        "other": ["/app/report.csv"],
    }


def test_allow_list_and_scratch_paths():
    changes = [Change("/app/report.csv", "added"), Change("/tmp/cache", "added"), Change("/app/tmp.db", "added")]
    findings = fsaudit.classify(changes, allow=("report.csv", "*.db"))
    assert findings == []


def test_render_gives_the_fix():
    lines = fsaudit.render("web.1", fsaudit.classify([Change("/app/app.db", "added")]))
    assert lines[0] == "web.1: 1 file(s) written since it started, lost at the next restart:"
    assert "  SQLite database:" in lines and any("Postgres add-on" in l for l in lines)
    assert fsaudit.render("web.2", []) == ["web.2: nothing written outside scratch paths"]


def test_upper_directory_reading_matches_the_diff(tmp_path):
    import os
    import stat

    import pytest
    (tmp_path / "app" / "logs").mkdir(parents=True)
    (tmp_path / "app" / "logs" / "app.log").write_text("x")
    (tmp_path / "app" / "app.db").write_text("x")
    try:
        os.mknod(tmp_path / "app" / "README.md", stat.S_IFCHR | 0o600, os.makedev(0, 0))
    except PermissionError:
        pytest.skip("creating a whiteout needs CAP_MKNOD")
    changes = fsaudit.changes_from_upperdir(str(tmp_path))
    assert changes == [Change("/app/README.md", "deleted"), Change("/app/app.db", "changed"),
                       Change("/app/logs/app.log", "changed")]
    assert {f.key for f in fsaudit.classify(changes)} == {"sqlite", "logs", "deleted"}
    assert fsaudit.changes_from_upperdir(str(tmp_path / "missing")) is None
