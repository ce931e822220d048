"""Doctor's pooler rules, on small apps' files: Django's server-side cursors, psycopg 3's
prepared statements and conn_max_age once the app reads a pooled URL or runs the buildpack's
bin/start-pgbouncer; nothing said when the app does not go through a pooler or has the fix."""

from herosim.audit.doctor import pooling
from herosim.audit.doctor.source import parse

SETTINGS = """\
import os
import dj_database_url

DATABASES = {{
    "default": dj_database_url.parse(os.environ["DATABASE_CONNECTION_POOL_URL"]{extra}),
}}
{tail}"""
VIEWS = """\
from ledger.models import Entry


def export(request):
    return [e.name for e in Entry.objects.iterator()]
"""
WORKER = """\
import os
import psycopg

conn = psycopg.connect(os.environ["DATABASE_CONNECTION_POOL_URL"]{extra})
"""
DJANGO = frozenset({"django", "dj-database-url", "psycopg2-binary"})


def run(files: dict[str, str], dependencies=DJANGO):
    sources = [parse(path, text) for path, text in files.items() if path.endswith(".py")]
    return pooling.check(sources, dependencies, files.get)


def rendered(findings) -> list[str]:
    return [line for f in findings for line in f.render()]


def test_server_side_cursors_with_the_pooled_url_whole_finding():
    found = run({"app/settings.py": SETTINGS.format(extra="", tail=""), "ledger/views.py": VIEWS})
    assert rendered(found) == [
        " ! warning: Django's server-side cursors through a transaction pooler",
        "     app/settings.py:5: DATABASE_CONNECTION_POOL_URL is PgBouncer in transaction mode: a queryset's "
        ".iterator() (.iterator() at ledger/views.py:5) DECLAREs its cursor on one server connection and FETCHes "
        'on another: InvalidCursorName: cursor "_django_curs_…" does not exist.',
        '     fix: DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True']


def test_the_fix_silences_it():
    fixed = SETTINGS.format(extra="", tail='DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True\n')
    assert run({"app/settings.py": fixed, "ledger/views.py": VIEWS}) == []


def test_no_pooler_no_finding():
    direct = SETTINGS.format(extra="", tail="").replace("DATABASE_CONNECTION_POOL_URL", "DATABASE_URL")
    assert run({"app/settings.py": direct, "ledger/views.py": VIEWS}) == []


def test_the_buildpacks_start_pgbouncer_makes_database_url_pooled():
    direct = SETTINGS.format(extra="", tail="").replace("DATABASE_CONNECTION_POOL_URL", "DATABASE_URL")
    found = run({"Procfile": "release: python manage.py migrate\nweb: bin/start-pgbouncer gunicorn app.wsgi\n",
                 "app/settings.py": direct})
    assert [(f.title, f.where) for f in found] == [
        ("Django's server-side cursors through a transaction pooler", "app/settings.py:5")]
    assert found[0].detail.startswith("the Procfile runs bin/start-pgbouncer (Procfile:2): ")
    assert pooling.on_dyno_pooler("web: gunicorn app.wsgi\n") == 0


def test_psycopg3_prepared_statements_whole_finding_and_its_fix():
    deps = frozenset({"psycopg"})
    found = run({"worker.py": WORKER.format(extra="")}, deps)
    assert rendered(found) == [
        " ! warning: psycopg 3 prepared statements through a transaction pooler",
        "     worker.py:4: DATABASE_CONNECTION_POOL_URL is PgBouncer in transaction mode: psycopg prepares a query "
        "after its 5th run on one server connection; the next run lands on another: prepared statement "
        '"_pg3_0" does not exist.',
        '     fix: prepare_threshold=None (psycopg.connect(url, prepare_threshold=None); Django: "OPTIONS": '
        '{"prepare_threshold": None})']
    assert run({"worker.py": WORKER.format(extra=", prepare_threshold=None")}, deps) == []
    assert run({"worker.py": WORKER.format(extra="")}, frozenset({"psycopg2-binary"})) == []


def test_psycopg2_connect_is_not_psycopg3():
    code = WORKER.replace("import psycopg\n", "import psycopg2\n").replace("psycopg.connect", "psycopg2.connect")
    assert run({"worker.py": code.format(extra="")}, frozenset({"psycopg", "psycopg2"})) == []


def test_djangos_server_side_binding_prepares_too():
    settings = SETTINGS.format(extra="", tail='DATABASES["default"]["OPTIONS"] = {"server_side_binding": True}\n'
                                              'DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True\n')
    found = run({"app/settings.py": settings}, DJANGO | {"psycopg"})
    assert [(f.title, f.where) for f in found] == [
        ("psycopg 3 prepared statements through a transaction pooler", "app/settings.py:7")]


def test_conn_max_age_with_the_pooled_url():
    settings = SETTINGS.format(extra=", conn_max_age=600", tail='DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True\n')
    found = run({"app/settings.py": settings})
    assert [(f.title, f.where, f.fix) for f in found] == [
        ("Persistent Django connections to a transaction pooler", "app/settings.py:5",
         "conn_max_age=0 for the pooled URL (PgBouncer pools); to keep it, conn_health_checks=True")]
    assert run({"app/settings.py": settings.replace("600", "0")}) == []
    assert run({"app/settings.py": settings.replace("600", "600, conn_health_checks=True")}) == []


def test_conn_max_age_as_a_setting():
    settings = SETTINGS.format(extra="", tail='DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True\n'
                                              'DATABASES["default"]["CONN_MAX_AGE"] = None\n')
    found = run({"app/settings.py": settings})
    assert [(f.title, f.where) for f in found] == [
        ("Persistent Django connections to a transaction pooler", "app/settings.py:8")]


def test_pooled_names():
    assert pooling.pooled_name("DATABASE_CONNECTION_POOL_URL") and pooling.pooled_name("DATABASE_URL_PGBOUNCER")
    assert pooling.pooled_name("REPORTS_POOL_URL")
    assert not pooling.pooled_name("DATABASE_URL") and not pooling.pooled_name("POOL_SIZE")
