"""How herosim dev tells that a command reloads by itself (then it only syncs files)."""

import pytest

from herosim.app.devreload import reloader


@pytest.mark.parametrize("command, expected", [
    ("gunicorn app:app --reload", "gunicorn --reload"),
    ("gunicorn --reload --bind 0.0.0.0:$PORT app:app", "gunicorn --reload"),
    ("python -m gunicorn app:app --reload", "gunicorn --reload"),
    ("newrelic-admin run-program gunicorn app:app --reload", "gunicorn --reload"),
    ("env FOO=1 gunicorn app:app --reload", "gunicorn --reload"),
    ("FLASK_APP=app gunicorn app:app --reload", "gunicorn --reload"),
    ("flask db upgrade; gunicorn app:app --reload", "gunicorn --reload"),
    ("uvicorn main:app --host=0.0.0.0 --port=${PORT} --reload", "uvicorn --reload"),
    ("hypercorn main:app --reload", "hypercorn --reload"),
    ("flask run --host 0.0.0.0 --port $PORT --debug", "flask run --debug"),
    ("flask --debug run", "flask run --debug"),
    ("flask run --reload", "flask run --reload"),
    ("python manage.py runserver 0.0.0.0:$PORT", "manage.py runserver"),
    ("./manage.py runserver 0.0.0.0:$PORT", "manage.py runserver"),
    ("django-admin runserver", "django-admin runserver"),
    ("watchmedo auto-restart -- python worker.py", "watchmedo"),
])
def test_commands_that_reload(command, expected):
    assert reloader(command, {}) == expected


@pytest.mark.parametrize("command", [
    "gunicorn app:app",
    "gunicorn --reload-extra-file x.txt app:app",
    "uvicorn main:app --host=0.0.0.0 --port=${PORT}",
    "flask run --host 0.0.0.0",
    "flask run --debug --no-reload",
    "python manage.py runserver --noreload 0.0.0.0:$PORT",
    "python worker.py",
    "rq worker default",
    "echo --reload",
    "",
    "gunicorn 'unterminated",
])
def test_commands_that_do_not(command):
    assert reloader(command, {}) is None


def test_gunicorn_cmd_args_and_flask_debug_config_vars_count():
    assert reloader("gunicorn app:app", {"GUNICORN_CMD_ARGS": "--access-logfile - --reload"}) == \
        "gunicorn --reload (GUNICORN_CMD_ARGS)"
    assert reloader("flask run", {"FLASK_DEBUG": "1"}) == "flask run with FLASK_DEBUG"
    assert reloader("flask run", {"FLASK_DEBUG": "0"}) is None


def test_a_gunicorn_config_file_that_sets_reload():
    files = {"gunicorn.conf.py": "workers = 2\nreload = True\n", "conf/dev.py": "reload=True",
             "conf/prod.py": "reload = False\n# reload = True\n"}
    read = files.get
    assert reloader("gunicorn app:app", {}, read) == "gunicorn reload = True (gunicorn.conf.py)"
    assert reloader("gunicorn -c conf/dev.py app:app", {}, read) == "gunicorn reload = True (conf/dev.py)"
    assert reloader("gunicorn --config=conf/prod.py app:app", {}, read) is None
    assert reloader("gunicorn --config python:settings app:app", {}, read) is None
