"""Whether a process type's command reloads the app by itself when its files change (pure).

When it does, `herosim dev` copies the changed files into the running dynos and lets the
server reload, as it would on the host; otherwise the dynos restart as Heroku restarts them.
How it tells, from the command, the config vars and the app's files:
  gunicorn   --reload on the command line, in GUNICORN_CMD_ARGS, or `reload = True` in its
             config file (-c FILE, else gunicorn.conf.py beside the app)
  uvicorn, hypercorn   --reload
  flask run  --reload or --debug (also `flask --debug run`), or FLASK_DEBUG set true; not --no-reload
  Django     manage.py runserver / django-admin runserver, unless --noreload
  watchmedo auto-restart, watchfiles, hupper: they exist to reload"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping

RELOADERS = ("watchmedo", "watchfiles", "hupper")
WRAPPERS = ("exec", "env", "newrelic-admin", "run-program", "ddtrace-run", "opentelemetry-instrument", "nice")
TRUE = ("1", "true", "yes", "on")
GUNICORN_CONFIG = "gunicorn.conf.py"
_RELOAD_SETTING = re.compile(r"^\s*reload\s*=\s*True\b", re.MULTILINE)


def reloader(command: str, config_vars: Mapping[str, str],
             read: Callable[[str], str | None] = lambda name: None) -> str | None:
    """What makes `command` reload by itself (e.g. "gunicorn --reload"), or None."""
    commands = _commands(command)
    for words in commands:
        found = _one(words, config_vars, read)
        if found:
            return found
    return None


def _commands(command: str) -> list[list[str]]:
    """The simple commands of a Procfile line (`a; b && c`), each as its words."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        tokens = command.split()
    out: list[list[str]] = []
    current: list[str] = []
    for token in tokens:
        if token and set(token) <= set(";&|"):
            out.append(current)
            current = []
        else:
            current.append(token)
    return [c for c in out + [current] if c]


def _program(words: list[str]) -> tuple[str, list[str]]:
    """The program a command runs and its arguments, past wrappers (`exec`, `env`,
    `newrelic-admin run-program`, their flags), `VAR=x` and `python -m`."""
    index, wrapped = 0, False
    while index < len(words):
        word = words[index]
        name = word.rsplit("/", 1)[-1]
        if _assignment(word) or name in WRAPPERS or (wrapped and word.startswith("-")):
            wrapped = wrapped or name in WRAPPERS
            index += 1
            continue
        rest = words[index + 1:]
        if re.fullmatch(r"python[0-9.]*", name):
            if len(rest) >= 2 and rest[0] == "-m":
                return rest[1], rest[2:]
            if rest and rest[0].endswith("manage.py"):
                return "manage.py", rest[1:]
        return name, rest
    return "", []


def _assignment(word: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word) is not None


def _one(words: list[str], config_vars: Mapping[str, str], read: Callable[[str], str | None]) -> str | None:
    program, args = _program(words)
    if program in RELOADERS:
        return program
    if program == "gunicorn":
        return _gunicorn(args, config_vars, read)
    if program in ("uvicorn", "hypercorn"):
        return f"{program} --reload" if "--reload" in args else None
    if program == "flask" and "run" in args:
        if "--no-reload" in args:
            return None
        for flag in ("--reload", "--debug"):
            if flag in args:
                return f"flask run {flag}"
        if config_vars.get("FLASK_DEBUG", "").lower() in TRUE:
            return "flask run with FLASK_DEBUG"
        return None
    if program in ("manage.py", "django-admin") and "runserver" in args:
        return None if "--noreload" in args else f"{program} runserver"
    return None


def _gunicorn(args: list[str], config_vars: Mapping[str, str], read: Callable[[str], str | None]) -> str | None:
    if "--reload" in args:
        return "gunicorn --reload"
    if "--reload" in config_vars.get("GUNICORN_CMD_ARGS", "").split():
        return "gunicorn --reload (GUNICORN_CMD_ARGS)"
    config = GUNICORN_CONFIG
    for index, arg in enumerate(args):
        if arg in ("-c", "--config") and index + 1 < len(args):
            config = args[index + 1]
        elif arg.startswith("--config="):
            config = arg.split("=", 1)[1]
    if config.startswith("python:"):
        return None
    text = read(config.removeprefix("./").removeprefix("/app/"))
    if text and _RELOAD_SETTING.search(text):
        return f"gunicorn reload = True ({config})"
    return None
