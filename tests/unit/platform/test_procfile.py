import pytest

from herosim.platform import procfile
from herosim.errors import AppError


def test_parses_types_in_order_and_skips_comments():
    parsed = procfile.parse("# comment\nweb: gunicorn app:app\n\nworker:   python worker.py\nrelease: flask db upgrade\n")
    assert list(parsed.processes) == ["web", "worker", "release"]
    assert parsed.processes["worker"] == "python worker.py"
    assert parsed.formation_types == ["web", "worker"]
    assert parsed.release_command == "flask db upgrade"


@pytest.mark.parametrize("text, fragment", [
    ("web gunicorn app:app\n", "line 1 is not `<type>: <command>`"),
    ("web: a\nweb: b\n", "declared twice"),
    ("web-ui: node server.js\n", "must be alphanumeric"),
    ("\n# only a comment\n", "declares no process types"),
])
def test_refuses_what_heroku_would_not_run(text, fragment):
    with pytest.raises(AppError) as err:
        procfile.parse(text)
    assert fragment in err.value.message
    assert err.value.hint


def test_expand_names_dynos_like_heroku_and_skips_release():
    parsed = procfile.parse("web: a\nworker: b\nrelease: c\n")
    specs = procfile.expand(parsed, {"web": 2, "worker": 1, "release": 1})
    assert [s.name for s in specs] == ["web.1", "web.2", "worker.1"]
    assert specs[2].command == "b" and specs[2].process_type == "worker"


def test_scaled_to_zero_has_no_dynos():
    parsed = procfile.parse("web: a\nworker: b\n")
    assert [s.name for s in procfile.expand(parsed, {"web": 0, "worker": 1})] == ["worker.1"]
    assert procfile.default_formation(parsed) == {"web": 1, "worker": 1}
