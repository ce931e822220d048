"""`herosim doctor` on source Python's parser gives up on (issue 19): one line naming the
file, exit 1, no traceback."""

import os
import subprocess
import sys


def test_source_too_deep_for_the_parser_is_one_line_naming_the_file(tmp_path):
    app = tmp_path / "deep"
    app.mkdir()
    (app / "requirements.txt").write_text("flask\n")
    (app / "Procfile").write_text("web: gunicorn app:app\n")
    (app / "app.py").write_text("x = " + "1 + " * 200_000 + "1\n")
    subprocess.run(["git", "init", "-q"], cwd=app, check=True)
    subprocess.run(["git", "add", "-A"], cwd=app, check=True)
    result = subprocess.run([sys.executable, "-m", "herosim", "doctor", str(app)], capture_output=True, text=True,
                            env={**os.environ, "HEROSIM_HOME": str(tmp_path / "home"),
                                 "PIP_INDEX_URL": "http://127.0.0.1:9/simple"}, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (" ▸    app.py is nested too deeply for Python's parser (RecursionError), "
                                             "so no dyno could import it")
