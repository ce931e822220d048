import pytest

from herosim.errors import AppError
from herosim.platform import procfile


def test_parses_types_in_order_and_skips_comments():
    parsed = procfile.parse("# comment\nweb: gunicorn app:app\n\nworker:   python worker.py\nrelease: flask db upgrade\n")
    assert list(parsed.processes) == ["web", "worker", "release"]
    assert parsed.processes["worker"] == "python worker.py"
    assert parsed.formation_types == ["web", "worker"]
    assert parsed.release_command == "flask db upgrade"


def test_process_types_may_have_hyphens_and_other_lines_are_skipped():
    parsed = procfile.parse("web: true\nexample-worker: true\nnot a declaration\n  # indented comment\n")
    assert list(parsed.processes) == ["web", "example-worker"]
    assert parsed.ignored == ("not a declaration",)


def test_no_types_is_an_empty_procfile():
    assert procfile.parse("\n# only a comment\n").processes == {}


def test_a_type_declared_twice_is_refused():
    with pytest.raises(AppError) as err:
        procfile.parse("web: a\nweb: b\n")
    assert err.value.message == "Procfile declares the process type 'web' twice"
    assert err.value.hint


def test_expand_names_dynos_like_heroku_and_skips_release():
    parsed = procfile.parse("web: a\nworker: b\nrelease: c\n")
    specs = procfile.expand(parsed, {"web": 2, "worker": 1, "release": 1})
    assert [s.name for s in specs] == ["web.1", "web.2", "worker.1"]
    assert specs[2].command == "b" and specs[2].process_type == "worker"


def test_scaled_to_zero_has_no_dynos():
    parsed = procfile.parse("web: a\nworker: b\n")
    assert [s.name for s in procfile.expand(parsed, {"web": 0, "worker": 1})] == ["worker.1"]
