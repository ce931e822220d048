"""Add-ons the code expects: a Postgres driver and Heroku's postgres:// scheme, and the
URLs of add-ons (DATABASE_URL, REDIS_URL, ELASTICSEARCH_URL…) read with no add-on attached."""

from __future__ import annotations

import re

from herosim.addons import registry
from herosim.audit.doctor.finding import ERROR, WARNING, Finding
from herosim.audit.doctor.source import PythonFile, env_reads

POSTGRES_DRIVERS = {"psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary", "asyncpg", "pg8000"}
# config var -> (the add-on service that sets it, the plan to create on Heroku)
ADDON_VARS = {
    "DATABASE_URL": ("heroku-postgresql", "heroku-postgresql:essential-0"),
    "REDIS_URL": ("heroku-redis", "heroku-redis:mini"),
    "ELASTICSEARCH_URL": ("elasticsearch", "bonsai:sandbox"),
    "BONSAI_URL": ("bonsai", "bonsai:sandbox"),
    "SEARCHBOX_URL": ("searchbox", "searchbox:starter"),
}


def check(sources: list[PythonFile], dependencies: frozenset[str], config_vars: dict[str, str]) -> list[Finding]:
    return _driver(sources, dependencies) + _scheme(sources) + _expected(sources, dependencies, config_vars)


def _driver(sources, dependencies) -> list[Finding]:
    for source in sources:
        match = re.search(r"postgres(ql)?(\+\w+)?://|DATABASE_URL|import psycopg", source.text)
        if match and not dependencies & POSTGRES_DRIVERS:
            line = source.text[:match.start()].count("\n") + 1
            return [Finding(ERROR, "The code uses Postgres but no driver is installed", f"{source.path}:{line}",
                            "the app reaches for Postgres/DATABASE_URL; the requirements list none of psycopg2, "
                            "psycopg2-binary or psycopg.", "add psycopg2-binary to requirements.txt")]
    return []


def _scheme(sources) -> list[Finding]:
    out = []
    for source in sources:
        match = re.search(r"SQLALCHEMY_DATABASE_URI|create_engine\(", source.text)
        if match and "DATABASE_URL" in source.text and "postgres://" not in source.text:
            line = source.text[:match.start()].count("\n") + 1
            out.append(Finding(ERROR, "DATABASE_URL goes to SQLAlchemy unchanged", f"{source.path}:{line}",
                               "Heroku's DATABASE_URL starts with postgres://, which SQLAlchemy 1.4 and later refuse "
                               "(NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgres).",
                               'url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)'))
    return out


def _expected(sources, dependencies, config_vars) -> list[Finding]:
    planned = {service.service for service in registry.wanted_services(dependencies)}
    out, seen = [], set()
    for read in (r for s in sources for r in env_reads(s)):
        if read.name not in ADDON_VARS or read.name in config_vars or read.name in seen:
            continue
        seen.add(read.name)
        service, plan = ADDON_VARS[read.name]
        here = (f"herosim up provisions {service} by itself (the requirements call for it); Heroku does not"
                if service in planned else "herosim up will not provision it either")
        out.append(Finding(WARNING, f"The code reads {read.name} but no add-on sets it", read.where,
                           f"{read.name} is not set until an add-on is attached: {here}.",
                           f"heroku addons:create {plan} (herosim addons:create {plan})"))
    return out
