"""`herosim doctor`: static checks of an app for what breaks on Heroku, each with its fix.

Pure over the app's files: `check(files, read, config_vars)` takes the paths git would
deploy, a reader, and the config vars set; nothing is built or run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from herosim.platform import procfile as procfile_mod
from herosim.slug import detect
from herosim.errors import HerosimError

ERROR, WARNING = "error", "warning"
DEV_SERVERS = (re.compile(r"\bflask\s+run\b"), re.compile(r"manage\.py\s+runserver\b"),
               re.compile(r"\bpython3?\s+-m\s+http\.server\b"))
PORT_AWARE = (re.compile(r"\bgunicorn\b"), re.compile(r"\$\{?PORT\b"))  # gunicorn binds $PORT itself
POSTGRES_DRIVERS = {"psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary", "asyncpg", "pg8000"}


@dataclass(frozen=True)
class Finding:
    severity: str
    title: str
    detail: str
    fix: str

    def render(self) -> list[str]:
        mark = " ✖ " if self.severity == ERROR else " ! "
        return [f"{mark}{self.severity}: {self.title}", f"     {self.detail}", f"     fix: {self.fix}"]


@dataclass(frozen=True)
class PythonFile:
    path: str
    text: str
    tree: ast.AST | None


def check(files: set[str], read: Callable[[str], str | None], config_vars: dict[str, str],
          untracked: tuple[str, ...] = (), ignored: tuple[str, ...] = ()) -> list[Finding]:
    findings: list[Finding] = []
    findings += _procfile(files, read)
    dependencies = _dependencies(files, read, findings)
    sources = [_python(path, read(path) or "") for path in sorted(files) if path.endswith(".py")]
    findings += _postgres(sources, dependencies)
    findings += _file_logging(sources)
    findings += _sqlite(sources)
    findings += _missing_files(files, untracked, ignored)
    findings += _environ(sources, config_vars)
    findings += _dotenv(sources, files)
    return sorted(findings, key=lambda f: (f.severity != ERROR, f.title))


def _python(path: str, text: str) -> PythonFile:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError:
        tree = None
    return PythonFile(path, text, tree)


def _runs_dev_server(web: str, read) -> bool:
    """`python app.py` where app.py calls app.run(...): Flask's development server."""
    match = re.search(r"\bpython3?\s+(\S+\.py)\b", web)
    return bool(match and re.search(r"\.run\(", read(match.group(1)) or ""))


def _procfile(files: set[str], read) -> list[Finding]:
    if "Procfile" not in files:
        return [Finding(ERROR, "No Procfile", "Heroku starts nothing without a Procfile in the app's root "
                        "(and git must track it).", "add a Procfile with `web: gunicorn app:app`")]
    try:
        parsed = procfile_mod.parse(read("Procfile") or "")
    except HerosimError as exc:
        return [Finding(ERROR, "Procfile does not parse", exc.message, exc.hint)]
    web = parsed.processes.get("web")
    if web is None:
        return [Finding(WARNING, "No web process type", "The router answers H14 (No web processes running): "
                        "nothing serves HTTP.", "add `web: gunicorn app:app` unless the app has no web side")]
    out = []
    if any(p.search(web) for p in DEV_SERVERS) or _runs_dev_server(web, read):
        out.append(Finding(ERROR, "The web process runs a development server",
                           f"`{web}`: Flask's and Django's development servers are single-process, slow and "
                           "not meant for production.", "web: gunicorn app:app (add gunicorn to the requirements)"))
    elif not any(p.search(web) for p in PORT_AWARE):
        out.append(Finding(ERROR, "The web process may not bind $PORT",
                           f"`{web}` does not mention $PORT: Heroku assigns the port at each start and kills a "
                           "web dyno that has not bound it within 60 s (R10).",
                           "pass the port, e.g. `--port $PORT` or `-b 0.0.0.0:$PORT`, or use gunicorn"))
    return out


def _dependencies(files, read, findings) -> frozenset[str]:
    try:
        return detect.dependencies(detect.package_manager(files), read)
    except HerosimError as exc:
        findings.append(Finding(ERROR, "No usable package-manager file", exc.message, exc.hint))
        return frozenset()


def _calls(tree, name: str):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            label = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if label == name:
                yield node


def _postgres(sources: list[PythonFile], dependencies: frozenset[str]) -> list[Finding]:
    out = []
    uses_postgres = [s.path for s in sources if re.search(r"postgres(ql)?(\+\w+)?://|DATABASE_URL|import psycopg",
                                                         s.text)]
    if uses_postgres and not dependencies & POSTGRES_DRIVERS:
        out.append(Finding(ERROR, "The code uses Postgres but no driver is installed",
                           f"{', '.join(uses_postgres)} reach for Postgres/DATABASE_URL; the requirements list "
                           "none of psycopg2, psycopg2-binary or psycopg.", "add psycopg2-binary to requirements.txt"))
    for source in sources:
        if "DATABASE_URL" in source.text and re.search(r"SQLALCHEMY_DATABASE_URI|create_engine\(", source.text):
            if "postgres://" not in source.text:
                out.append(Finding(ERROR, "DATABASE_URL goes to SQLAlchemy unchanged",
                                   f"{source.path}: Heroku's DATABASE_URL starts with postgres://, which SQLAlchemy "
                                   "1.4 and later refuse (NoSuchModuleError: Can't load plugin: "
                                   "sqlalchemy.dialects:postgres).",
                                   'url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)'))
    return out


def _file_logging(sources: list[PythonFile]) -> list[Finding]:
    out = []
    for source in sources:
        if source.tree is None:
            continue
        handlers = [c for name in ("FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler")
                    for c in _calls(source.tree, name)]
        configs = [c for c in _calls(source.tree, "basicConfig") if any(k.arg == "filename" for k in c.keywords)]
        if (handlers or configs) and not re.search(r"STDOUT|StreamHandler|sys\.stdout", source.text):
            line = (handlers or configs)[0].lineno
            out.append(Finding(WARNING, "Logs go to a file", f"{source.path}:{line}: the file is on the dyno's "
                               "disk, invisible to `heroku logs` and lost at restart.",
                               "log to stdout (a StreamHandler), or switch on LOG_TO_STDOUT as many apps do"))
    return out


def _sqlite(sources: list[PythonFile]) -> list[Finding]:
    out = []
    for source in sources:
        match = re.search(r"sqlite(\+\w+)?:///", source.text)
        if match or re.search(r"sqlite3\.connect\(", source.text):
            line = source.text[:match.start()].count("\n") + 1 if match else 1
            out.append(Finding(WARNING, "An SQLite database on the dyno's disk",
                               f"{source.path}:{line}: an SQLite file is lost at every restart (at least daily) "
                               "and each dyno sees its own.",
                               "use the Postgres add-on through DATABASE_URL; keep SQLite for local runs only"))
    return out


def _missing_files(files: set[str], untracked: tuple[str, ...], ignored: tuple[str, ...]) -> list[Finding]:
    out = []
    needed = [p for p in (*untracked, *ignored)
              if re.search(r"(^|/)(migrations|alembic)/|(^|/)alembic\.ini$|(^|/)env\.py$", p)]
    if needed:
        out.append(Finding(ERROR, "Files the app needs are not in git",
                           f"{', '.join(needed[:8])}: not tracked (or ignored), so not deployed; migrations then "
                           'fail and queries meet `relation "user" does not exist`.',
                           "git add them (and remove their pattern from .gitignore)"))
    others = [p for p in untracked if p not in needed and not p.endswith((".pyc", ".log", ".db"))]
    if others:
        out.append(Finding(WARNING, "Untracked files are not deployed",
                           f"{', '.join(others[:8])}{' …' if len(others) > 8 else ''}: `git push heroku` leaves "
                           "them out.", "git add the ones the app needs"))
    return out


def _environ(sources: list[PythonFile], config_vars: dict[str, str]) -> list[Finding]:
    """os.environ["X"] raises at boot when X is not a config var (a crashed dyno, H10)."""
    read = {}
    for source in sources:
        if source.tree is None:
            continue
        for node in ast.walk(source.tree):
            if (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "environ"
                    and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
                read.setdefault(node.slice.value, f"{source.path}:{node.lineno}")
    missing = {k: where for k, where in read.items() if k not in config_vars and k not in PLATFORM_VARS}
    if not missing:
        return []
    listing = ", ".join(f"{k} ({where})" for k, where in sorted(missing.items()))
    return [Finding(ERROR, "Config vars the code requires are not set",
                    f"os.environ[...] raises KeyError at boot for: {listing}.",
                    "herosim config:set " + " ".join(f"{k}=…" for k in sorted(missing)))]


PLATFORM_VARS = {"PORT", "DYNO", "HOME", "PATH", "DATABASE_URL", "WEB_CONCURRENCY", "PYTHONPATH", "LANG"}


def _dotenv(sources: list[PythonFile], files: set[str]) -> list[Finding]:
    users = [s.path for s in sources if re.search(r"load_dotenv\(|dotenv_values\(", s.text)]
    if users:
        return [Finding(WARNING, "The app loads a .env file", f"{', '.join(users)}: there is no .env on Heroku "
                        "(and it should not be in git); values must be config vars.",
                        "herosim config:set KEY=value for each key the app needs")]
    return []
