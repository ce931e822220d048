"""The ephemeral-filesystem audit on the three classic problems and their fixed twin,
driven through herosim's own pytest plugin (herosim_factory)."""

from tests.integration.conftest import app_name, git_app, herosim


def categories(diff: dict, dyno: str = "web.1") -> dict[str, list[str]]:
    return {item["category"]: item["paths"] for item in diff.get(dyno, [])}


def test_problems_are_named_with_their_fix_and_recycle_warns(herosim_home, herosim_factory, tmp_path):
    app = herosim_factory(git_app("fs_problems", tmp_path), name=app_name("fsp"))
    assert app.get_json("/")["greeting"] == "Bonjour"  # the .mo compiled at dyno start
    found = categories(app.fs_diff())
    assert found["sqlite"] == ["/app/app.db"]
    assert found["logs"] == ["/app/logs/app.log"]
    assert found["translations"] == ["/app/translations/fr/LC_MESSAGES/messages.mo"]
    text = app.cli("fs:diff").stdout
    assert "SQLite database:" in text and "fix: keep data in the Postgres add-on" in text
    assert "fix: log to stdout" in text and "fix: produce it in the build" in text
    recycled = app.recycle()
    assert "About to be lost (each dyno restarts from the slug):" in recycled.stderr
    assert "/app/app.db" in recycled.stderr
    assert app.get_json("/")["visits"] == 1  # the SQLite file started over


def test_the_fixed_twin_loses_nothing(herosim_home, herosim_factory, tmp_path):
    app = herosim_factory(git_app("fs_fixed", tmp_path), name=app_name("fsfixed"))
    first = app.get_json("/")
    assert first["greeting"] == "Bonjour"  # compiled in the build by bin/post_compile
    assert app.fs_diff() == {"web.1": []}
    app.recycle()
    assert app.get_json("/")["visits"] == first["visits"] + 1  # Postgres kept the count
    assert any("visit" in line for line in app.logs(50, "-s", "app"))  # logs went to stdout


def test_strict_fs_fails_ci_unless_allowed(herosim_home, herosim_factory, tmp_path):
    app = herosim_factory(git_app("fs_problems", tmp_path), name=app_name("fsstrict"), options=("--strict-fs",))
    app.get_json("/")
    assert app.cli("fs:diff", check=False).returncode == 1
    strict = app.cli("recycle", check=False)
    assert strict.returncode == 1
    assert "--strict-fs: dynos wrote" in strict.stderr and "--fs-allow" in strict.stderr
    allowed = herosim("up", "-d", app.path, "-a", app.name, "--port", app.port, "--strict-fs",
                      "--fs-allow", "*.db", "--fs-allow", "logs/*", "--fs-allow", "*.mo")
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    app.get_json("/")
    assert app.cli("fs:diff", check=False).returncode == 0
    assert app.cli("recycle", check=False).returncode == 0
