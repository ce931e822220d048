"""Modules the app imports that no listed distribution provides: ModuleNotFoundError on Heroku."""

from __future__ import annotations

import ast
import sys

from herosim.audit.doctor.finding import ERROR, WARNING, Finding
from herosim.audit.doctor.source import PythonFile
from herosim.slug.managers import PackageManager

# Distributions whose import name is not their own name.
IMPORT_NAMES = {
    "beautifulsoup4": ["bs4"], "pillow": ["PIL"], "pyyaml": ["yaml"], "python-dotenv": ["dotenv"],
    "pyjwt": ["jwt"], "python-dateutil": ["dateutil"], "psycopg2-binary": ["psycopg2"], "psycopg-binary": ["psycopg"],
    "scikit-learn": ["sklearn"], "opencv-python": ["cv2"], "opencv-python-headless": ["cv2"],
    "setuptools": ["setuptools", "pkg_resources"], "pymysql": ["pymysql"], "mysqlclient": ["MySQLdb"],
    "python-magic": ["magic"], "pycryptodome": ["Crypto"], "attrs": ["attr", "attrs"], "protobuf": ["google"],
    "google-cloud-storage": ["google"], "python-multipart": ["multipart", "python_multipart"],
    "flask-sqlalchemy": ["flask_sqlalchemy"], "flask-wtf": ["flask_wtf"], "flask-login": ["flask_login"],
    "flask-migrate": ["flask_migrate"], "flask-mail": ["flask_mail"], "flask-babel": ["flask_babel"],
    "flask-moment": ["flask_moment"], "flask-httpauth": ["flask_httpauth"], "djangorestframework": ["rest_framework"],
    "django-cors-headers": ["corsheaders"], "dj-database-url": ["dj_database_url"],
    "email-validator": ["email_validator"], "elasticsearch-dsl": ["elasticsearch_dsl"],
    "opensearch-py": ["opensearchpy"], "typing-extensions": ["typing_extensions"],
    "msgpack-python": ["msgpack"], "pyopenssl": ["OpenSSL"], "langdetect": ["langdetect"],
}
# What a listed distribution brings with it (its requirements), for files that list only the top.
BRINGS = {
    "flask": {"werkzeug", "jinja2", "itsdangerous", "click", "markupsafe", "blinker"},
    "django": {"asgiref", "sqlparse"}, "requests": {"urllib3", "idna", "certifi", "charset_normalizer"},
    "sqlalchemy": {"greenlet", "typing_extensions"}, "flask-sqlalchemy": {"sqlalchemy", "flask"},
    "flask-migrate": {"alembic", "flask_sqlalchemy", "sqlalchemy"}, "alembic": {"mako", "sqlalchemy"},
    "rq": {"redis", "click"}, "celery": {"kombu", "billiard", "vine", "click"}, "flask-wtf": {"wtforms"},
    "flask-babel": {"babel", "pytz"}, "flask-mail": {"blinker"}, "pyjwt": set(), "uvicorn": {"click", "h11"},
    "fastapi": {"starlette", "pydantic"}, "httpx": {"httpcore", "anyio", "idna", "certifi"},
    "elasticsearch": {"elastic_transport"}, "gunicorn": {"packaging"}, "email-validator": {"dns", "idna"},
    "channels-redis": {"redis", "channels"}, "django-redis": {"redis"},
}
FOR_IMPORT = {module: dist for dist, modules in IMPORT_NAMES.items() for module in modules}


def provided(dependencies: frozenset[str]) -> set[str]:
    names = set()
    for dist in dependencies:
        names |= set(IMPORT_NAMES.get(dist, [dist.replace("-", "_")]))
        names |= BRINGS.get(dist, set())
    return {n.lower() for n in names}


def _local(files: set[str]) -> set[str]:
    """Top-level modules and packages of the app itself (any folder holding Python is importable)."""
    out = set()
    for path in files:
        if path.endswith(".py"):
            parts = path.split("/")
            out.add(parts[0].removesuffix(".py"))
            if len(parts) > 1:  # app/models.py may be imported as models with sys.path tricks
                out.add(parts[-1].removesuffix(".py"))
                out.add(parts[-2])
    return out


def _guarded(source: PythonFile, node: ast.AST) -> bool:
    """Inside `try: … except ImportError` or `if TYPE_CHECKING:`: the app copes without it."""
    for parent in source.ancestors(node):
        if isinstance(parent, ast.Try):
            return True
        if isinstance(parent, ast.If) and "TYPE_CHECKING" in ast.unparse(parent.test):
            return True
    return False


def check(sources: list[PythonFile], files: set[str], dependencies: frozenset[str], manager: PackageManager,
          complete: bool) -> list[Finding]:
    manager_file, fix = manager.selected_by, manager.how_to_add
    have = provided(dependencies) | {m.lower() for m in _local(files)}
    stdlib = {m.lower() for m in sys.stdlib_module_names}
    missing: dict[str, tuple[str, bool]] = {}
    for source in sources:
        if source.tree is None:
            continue
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Import):
                modules = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module.split(".")[0]]
            else:
                continue
            for module in modules:
                if module.lower() in have or module.lower() in stdlib or module.startswith("_") or module in missing:
                    continue
                if _guarded(source, node):
                    continue
                missing[module] = (f"{source.path}:{node.lineno}", source.at_import(node))
    out = []
    for module, (where, at_import) in sorted(missing.items(), key=lambda item: item[1][0]):
        dist = FOR_IMPORT.get(module, module.replace("_", "-"))
        certain = complete and at_import
        brought = "" if complete else " (unless a listed package brings it)"
        out.append(Finding(ERROR if certain else WARNING, f"{module} is imported but not in {manager_file}", where,
                           f"no distribution in {manager_file} provides it{brought}: ModuleNotFoundError: "
                           f"No module named '{module}'{' at boot (H10)' if at_import else ''}.",
                           fix.format(dist=dist)))
    return out
