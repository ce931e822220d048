"""What the app keeps on the dyno's disk: log files and SQLite databases (lost at every restart)."""

from __future__ import annotations

import ast
import re

from herosim.audit.doctor.finding import WARNING, Finding
from herosim.audit.doctor.source import PythonFile

FILE_HANDLERS = ("FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler")


def _calls(tree: ast.AST, name: str):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            label = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if label == name:
                yield node


def file_logs(sources: list[PythonFile]) -> list[tuple[str, str]]:
    """(file:line, the file it writes) of each log file handler."""
    out = []
    for source in sources:
        if source.tree is None:
            continue
        for name in FILE_HANDLERS:
            for call in _calls(source.tree, name):
                target = call.args[0] if call.args else next(
                    (k.value for k in call.keywords if k.arg == "filename"), None)
                out.append((f"{source.path}:{call.lineno}", source.segment(target) if target else "a file"))
        for call in _calls(source.tree, "basicConfig"):
            target = next((k.value for k in call.keywords if k.arg == "filename"), None)
            if target is not None:
                out.append((f"{source.path}:{call.lineno}", source.segment(target)))
    return sorted(out)


def check(sources: list[PythonFile], logs: list[tuple[str, str]]) -> list[Finding]:
    out = []
    texts = {s.path: s.text for s in sources}
    for where, target in logs:
        path = where.rsplit(":", 1)[0]
        if not re.search(r"STDOUT|StreamHandler|sys\.stdout", texts.get(path, "")):
            out.append(Finding(WARNING, "Logs go to a file", where, f"{target} is on the dyno's disk, invisible to "
                               "`heroku logs` and lost at every restart.",
                               "log to stdout (a StreamHandler), or add a LOG_TO_STDOUT switch as many apps do"))
            break
    for source in sources:
        match = re.search(r"sqlite(\+\w+)?:///", source.text) or re.search(r"sqlite3\.connect\(", source.text)
        if match:
            line = source.text[:match.start()].count("\n") + 1
            out.append(Finding(WARNING, "An SQLite database on the dyno's disk", f"{source.path}:{line}",
                               "an SQLite file is lost at every restart (at least daily) and each dyno sees its own.",
                               "use the Postgres add-on through DATABASE_URL; keep SQLite for local runs only"))
    return out
