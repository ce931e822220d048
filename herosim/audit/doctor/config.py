"""Config vars as the code reads them: required and unset (KeyError at boot), read with
`.get()` and used as a string (a crash when unset), secrets with a constant fallback, and
switches the app has (LOG_TO_STDOUT) that its config does not set."""

from __future__ import annotations

import ast
import re

from herosim.audit.doctor.finding import ERROR, WARNING, Finding
from herosim.audit.doctor.source import EnvRead, PythonFile, env_reads

# Set on every dyno by Heroku (and herosim), or by the buildpack's .profile.d scripts.
PLATFORM_VARS = {"PORT", "DYNO", "HOME", "PATH", "PWD", "LANG", "WEB_CONCURRENCY", "PYTHONPATH", "PYTHONHOME",
                 "PYTHONUNBUFFERED", "DYNO_RAM", "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS",
                 "PIP_DISABLE_PIP_VERSION_CHECK", "LD_LIBRARY_PATH", "LIBRARY_PATH"}
# Set by an add-on (checked with the add-ons)
ADDON_VAR = re.compile(r"^(DATABASE_URL|HEROKU_POSTGRESQL_\w+_URL|REDIS_URL|REDIS_TLS_URL|ELASTICSEARCH_URL|"
                       r"BONSAI_URL|SEARCHBOX_URL|SEARCHBOX_SSL_URL)$")
SECRET_NAME = re.compile(r"(^|_)(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS)(_|$)")
SWITCH_NAME = re.compile(r"STDOUT")


def _unset(read: EnvRead, config_vars: dict[str, str]) -> bool:
    return read.name not in config_vars and read.name not in PLATFORM_VARS and not ADDON_VAR.match(read.name)


def check(sources: list[PythonFile], config_vars: dict[str, str], file_logs: list[tuple[str, str]]) -> list[Finding]:
    reads = [r for s in sources for r in env_reads(s)]
    out = []
    out += _required(reads, config_vars)
    out += _none_used(reads, config_vars)
    out += _secret_fallbacks(reads, config_vars)
    out += _switches(reads, config_vars, file_logs)
    return out


def _boot(read: EnvRead) -> tuple[str, str]:
    """(severity, when): at import the dyno crashes at boot (H10); in a function, when it runs."""
    if read.source.at_import(read.node):
        return ERROR, "at import, so the dyno crashes at boot (H10)"
    return WARNING, "when that code runs"


def _required(reads: list[EnvRead], config_vars) -> list[Finding]:
    out, seen = [], set()
    for read in reads:
        if read.kind != "required" or not _unset(read, config_vars) or read.name in seen:
            continue
        seen.add(read.name)
        severity, when = _boot(read)
        out.append(Finding(severity, f"Config var {read.name} is required but not set", read.where,
                           f"os.environ[{read.name!r}] raises KeyError: {read.name!r} {when}.",
                           f"herosim config:set {read.name}=…"))
    return out


def _none_error(read: EnvRead) -> str | None:
    """The error Python raises where the code uses None as a string, else None."""
    parent, node = read.parent, read.node
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return f"AttributeError: 'NoneType' object has no attribute '{parent.attr}'"
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return "TypeError: 'NoneType' object is not subscriptable"
    if isinstance(parent, ast.Call) and node in parent.args and isinstance(parent.func, ast.Name) \
            and parent.func.id in ("int", "float"):
        return (f"TypeError: {parent.func.id}() argument must be a string or a real number, not 'NoneType'"
                if parent.func.id == "float" else
                "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'")
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add):
        other = parent.left if parent.right is node else parent.right
        if isinstance(other, (ast.JoinedStr,)) or (isinstance(other, ast.Constant) and isinstance(other.value, str)):
            return ('TypeError: can only concatenate str (not "NoneType") to str' if parent.right is node
                    else "TypeError: unsupported operand type(s) for +: 'NoneType' and 'str'")
    return None


def _none_used(reads: list[EnvRead], config_vars) -> list[Finding]:
    out = []
    for read in reads:
        if read.kind != "get" or not _unset(read, config_vars):
            continue
        error, parent = _none_error(read), read.parent
        if error is None or parent is None:   # (an error is only ever found in a parent)
            continue
        severity, when = _boot(read)
        out.append(Finding(severity, f"Config var {read.name} is read with a default of None and used as a string",
                           read.where, f"`{read.source.segment(parent)}` raises {error} {when}, since "
                           f"{read.name} is not set.",
                           f"herosim config:set {read.name}=…, or give it a default: "
                           f"os.environ.get({read.name!r}, '')"))
    return out


def _literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value != ""


def _secret_fallbacks(reads: list[EnvRead], config_vars) -> list[Finding]:
    out = []
    for read in reads:
        if not SECRET_NAME.search(read.name) or read.name in config_vars:
            continue
        parent = read.parent
        constant = (read.kind == "default" and _literal(read.default)) or (
            read.kind == "get" and isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or)
            and parent.values[0] is read.node and any(_literal(v) for v in parent.values[1:]))
        if constant:
            out.append(Finding(WARNING, f"Secret {read.name} falls back to a constant", read.where,
                               f"when {read.name} is not set (it is not), the app runs with a value published "
                               "in its code.",
                               f"herosim config:set {read.name}=\"$(python -c 'import secrets; "
                               f"print(secrets.token_hex(32))')\", and read it with os.environ[{read.name!r}]"))
    return out


def _switches(reads: list[EnvRead], config_vars, file_logs: list[tuple[str, str]]) -> list[Finding]:
    """A config var that sends the logs to stdout, in an app that otherwise writes a log file."""
    if not file_logs:
        return []
    out, seen = [], set()
    for read in reads:
        if SWITCH_NAME.search(read.name) and read.name not in config_vars and read.name not in seen:
            seen.add(read.name)
            where, target = file_logs[0]
            out.append(Finding(WARNING, f"The app logs to a file unless {read.name} is set", read.where,
                               f"{where} writes {target} when {read.name} is not set (it is not): on Heroku "
                               "that file is lost at every restart and `heroku logs` never shows it.",
                               f"herosim config:set {read.name}=1 (and the same on Heroku)"))
    return out
