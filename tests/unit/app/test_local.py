"""herosim local: heroku local's env file, ports and process list (its vendored foreman's rules)."""

import pytest

from herosim.app.local import DEFAULT_PORT, base_port, load_envs, parse_env, processes, requirements
from herosim.errors import HerosimError


def test_env_files_as_foreman_reads_them():
    text = ("# a comment\nA=1\nB = two words \nC=\"quoted # not a comment\"\nD='single'\n"
            "E=value # a comment\nF=\"line\\nbreak\"\nG=a=b\n\nx\n")
    assert parse_env(text) == {"A": "1", "B": "two words", "C": "quoted # not a comment", "D": "single",
                               "E": "value", "F": "line\\nbreak", "G": "a=b"}


def test_json_env_files_are_flattened():
    assert parse_env('{"database": {"url": "postgres://x"}, "debug": true, "port": 5000}') == \
        {"DATABASE_URL": "postgres://x", "DEBUG": "true", "PORT": "5000"}


def test_several_env_files_later_ones_win_and_a_missing_one_is_empty(tmp_path):
    (tmp_path / ".env").write_text("A=1\nB=1\n")
    (tmp_path / ".env.local").write_text("B=2\n")
    env = load_envs(".env,.env.local,.env.missing", tmp_path, {"PATH": "/usr/bin"})
    assert env == {"A": "1", "B": "2", "PATH": "/usr/bin"}
    assert load_envs("", tmp_path, {"PATH": "/bin"}) == {"PATH": "/bin"}


def test_the_port_flag_then_the_env_file_then_the_shell_then_5006():
    assert base_port("7000", {"PORT": "6000"}, {"PORT": "8000"}) == 7000
    assert base_port(None, {"PORT": "6000"}, {"PORT": "8000"}) == 6000
    assert base_port(None, {}, {"PORT": "8000"}) == 8000
    assert base_port(None, {}, {}) == DEFAULT_PORT == 5006
    with pytest.raises(HerosimError):
        base_port("80", {}, {})


def test_every_type_once_but_release_unless_named():
    assert requirements(None, ["web", "worker", "release"]) == {"web": 1, "worker": 1}
    assert requirements("web=2,worker", ["web", "worker"]) == {"web": 2, "worker": 1}
    assert requirements("release", ["web", "release"]) == {"release": 1}


def test_ports_are_base_plus_instance_plus_100_per_type():
    procfile = {"web": "gunicorn app:app", "worker": "python w.py", "clock": "python c.py"}
    procs, missing = processes(procfile, {"web": 2, "worker": 1, "nope": 1}, {"A": "1"}, 5006)
    assert [(p.name, p.env["PORT"], p.env["FOREMAN_WORKER_NAME"]) for p in procs] == \
        [("web.1", "5006", "web.1"), ("web.2", "5007", "web.2"), ("worker.1", "5106", "worker.1")]
    assert missing == ["nope"]
    assert procs[0].env["A"] == "1" and procs[0].command == "gunicorn app:app"
