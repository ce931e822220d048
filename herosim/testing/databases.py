"""The databases the pytest plugin makes on an app's Postgres add-on: a template of its
migrated database (made once, right after the release phase ran), and working copies
(`CREATE DATABASE … TEMPLATE`, milliseconds where a migration takes seconds), each owned by
the app's credential, so every connection to them counts against the plan's limit on that
role, as on Heroku. SQL runs inside the add-on's container as its superuser."""

from __future__ import annotations

import time

from herosim.app.fork import on_database
from herosim.errors import HerosimError

BUSY = "is being accessed by other users"


class AppDatabases:
    def __init__(self, app):
        self.app = app
        self.attachment = app.pg.find()

    @property
    def primary(self) -> str:
        return self.attachment.secret["database"]

    @property
    def template(self) -> str:
        return f"{self.primary}_template"

    @property
    def owner(self) -> str:
        return self.attachment.secret["user"]

    def name_for(self, suffix: str) -> str:
        return f"{self.primary}_{suffix}"

    def url(self, database: str) -> str:
        """DATABASE_URL as the dynos use it, naming `database`."""
        return on_database(self.attachment.config["DATABASE_URL"], database)

    def make_template(self, attempts: int = 50) -> int:
        """The migrated database, copied as the template (its connections ended first: a
        template must have none). Returns how many connections were ended."""
        self._sql(f'DROP DATABASE IF EXISTS "{self.template}"')
        ended = 0
        for _ in range(attempts):
            ended += self._end_connections(self.primary)
            try:
                self._sql(f'CREATE DATABASE "{self.template}" TEMPLATE "{self.primary}" OWNER "{self.owner}"')
                break
            except HerosimError as exc:
                if BUSY not in exc.message:
                    raise
                time.sleep(0.1)
        else:
            raise HerosimError(f"{self.primary} kept connections open: no template could be made",
                               hint="stop what connects to it (a worker dyno?) while the session starts")
        self._sql(f'ALTER DATABASE "{self.template}" WITH ALLOW_CONNECTIONS false')
        return ended

    def clone(self, database: str) -> float:
        """`database` made afresh from the template (an existing one is dropped, its connections
        ended); the seconds the copy took."""
        self.drop(database)
        started = time.monotonic()
        self._sql(f'CREATE DATABASE "{database}" TEMPLATE "{self.template}" OWNER "{self.owner}"')
        return time.monotonic() - started

    def drop(self, database: str) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def names(self) -> list[str]:
        return self._sql("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1").split()

    def _end_connections(self, database: str) -> int:
        out = self._sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")
        return int(out.strip() or 0)

    def _sql(self, query: str) -> str:
        return self.app.pg.sql(self.attachment, query, superuser=True, database="postgres")
