"""herosim's pytest plugin works on an app of its own and never touches the developer's app of
the same directory (it used to destroy it, database included)."""

import subprocess
import sys
import textwrap

from tests.integration.conftest import free_port, git_app, herosim


def test_a_test_session_leaves_the_developers_app_alone(herosim_home, tmp_path):
    path = git_app("hello", tmp_path)
    name = path.name  # the developer's app: named after the directory, as `herosim up` names it
    mine = herosim("up", "-d", path, "--port", free_port(), cwd=path)
    assert mine.returncode == 0, mine.stderr[-2000:]
    try:
        herosim("config:set", "API_TOKEN=keep-me", "-a", name, check=True)
        (tmp_path / "suite").mkdir()
        (tmp_path / "suite" / "pytest.ini").write_text(f"[pytest]\nherosim_app_path = ../{path.name}\n")
        (tmp_path / "suite" / "test_app.py").write_text(textwrap.dedent('''
            def test_home(herosim_app):
                assert herosim_app.name != "hello" and herosim_app.name.startswith("hello-t")
                assert herosim_app.get_json("/")["app"] == "hello"
        '''))
        session = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                                 cwd=tmp_path / "suite", capture_output=True, text=True, timeout=600)
        assert session.returncode == 0, session.stdout[-3000:] + session.stderr[-3000:]
        assert herosim("config:get", "API_TOKEN", "-a", name).stdout.strip() == "keep-me"
        status = herosim("ps", "--json", "-a", name, check=True).stdout
        assert '"state": "up"' in status
        apps = sorted(p.name for p in (herosim_home / "apps").iterdir())
        assert not any(a.startswith("hello-t") for a in apps), apps  # the session's own app is gone
    finally:
        herosim("destroy", "-a", name, "--confirm", name)
