"""The pg:* verbs on the app's Heroku Postgres databases: find one, psql, info, reset, ps,
killall, credentials. Every command runs inside the add-on's container; passwords travel in
the environment, never in a process argument."""

from __future__ import annotations

import string

from herosim.addons import pooler, postgres
from herosim.addons.attachment import Attachment, require_credentials
from herosim.app.addons import Addons
from herosim.app.rotation import Rotations
from herosim.const import HEXAGON
from herosim.errors import HerosimError
from herosim.runtime import attach, oneoff

PS_QUERY = ("SELECT pid, state, application_name AS source, usename AS username, age(now(), xact_start) "
            "AS running_for, xact_start AS transaction_start, wait_event IS NOT NULL AS waiting, query "
            "FROM pg_stat_activity WHERE query <> '<insufficient privilege>' {idle}AND pid <> pg_backend_pid() "
            "ORDER BY query_start DESC")


def size_text(size: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class Databases:
    def __init__(self, addons: Addons):
        self.addons = addons
        self.ctx = addons.ctx

    # -- finding ------------------------------------------------------------------------------
    def find(self, name: str | None = None) -> Attachment:
        """The database named (add-on name, config var or its name without _URL), else the one
        behind DATABASE_URL."""
        found = [a for a in self.addons.attached() if a.service == postgres.Postgres.service]
        if not found:
            raise HerosimError(f"{HEXAGON} {self.ctx.name} has no heroku-postgresql databases.",
                               hint=f"herosim addons:create heroku-postgresql -a {self.ctx.name}")
        if name:
            found = [a for a in found if name in (a.name, *a.config, *(k.removesuffix("_URL") for k in a.config))]
            if not found:
                raise HerosimError(f"Unknown database: {name}.", hint="see `herosim pg:info`")
        chosen = sorted(found, key=lambda a: "DATABASE_URL" not in a.config)[0]
        require_credentials(chosen)
        return chosen

    @staticmethod
    def label(attachment: Attachment) -> str:
        """DATABASE for the primary, else its color name."""
        names = [k.removesuffix("_URL") for k in attachment.config]
        return "DATABASE" if "DATABASE" in names else names[0]

    # -- running SQL --------------------------------------------------------------------------
    def app_env(self, attachment: Attachment) -> dict[str, str]:
        s = attachment.secret
        return {"PGHOST": "127.0.0.1", "PGPORT": str(postgres.PORT), "PGUSER": s["user"], "PGDATABASE": s["database"],
                "PGPASSWORD": s["password"], "PGSSLMODE": "require"}

    def sql(self, attachment: Attachment, query: str, *, superuser: bool = False, database: str | None = None,
            table: bool = False) -> str:
        """A query's output: as the app's credential over SSL, or as the server's superuser
        on its socket (pg:info, pg:ps, pg:reset)."""
        container = self.addons.container(attachment)
        args = ["psql", "-v", "ON_ERROR_STOP=1", "-X"] + ([] if table else ["-qAt"])
        if superuser:
            result = container.exec_run(args + ["-d", database or attachment.secret["database"], "-c", query],
                                        user="postgres", demux=True)
        else:
            result = container.exec_run(args + ["-c", query], user="postgres", demux=True,
                                        environment=self.app_env(attachment))
        out, err = result.output
        if result.exit_code != 0:
            raise HerosimError((err or out or b"psql failed").decode(errors="replace").strip().splitlines()[-1],
                               hint=f"the query ran on {attachment.name}")
        return (out or b"").decode(errors="replace")

    def psql(self, attachment: Attachment, command: str | None, output: oneoff.Output, use_tty: bool) -> int:
        """psql in the add-on's container as the app's credential; its prompt is Heroku's."""
        container = self.addons.container(attachment)
        label = self.label(attachment)
        args = ["psql", f"--set=PROMPT1={self.ctx.name}::{label}%R%# ", f"--set=PROMPT2={self.ctx.name}::{label}%R%# "]
        if command:
            result = container.exec_run(args + ["-c", command], user="postgres", demux=True,
                                        environment=self.app_env(attachment))
            out, err = result.output
            output(1, out or b"")
            output(2, err or b"")
            return result.exit_code
        return attach.exec_and_run(self.ctx.client, container, args, use_tty=use_tty, on_output=output,
                                   user="postgres", workdir="/tmp", environment=self.app_env(attachment))

    # -- pg:info ------------------------------------------------------------------------------
    def info(self, attachment: Attachment) -> list[tuple[str, str]]:
        storage_gb, connections = postgres.limits(attachment.plan)
        user, database = attachment.secret["user"], attachment.secret["database"]
        version, used, size, tables = self.sql(attachment, (
            "select split_part(current_setting('server_version'), ' ', 1), "
            f"(select count(*) from pg_stat_activity where usename = '{user}'), "
            f"pg_database_size('{database}'), (select count(*) from pg_stat_user_tables)"),
            superuser=True).strip().split("|")
        limit = storage_gb * 1024 ** 3
        created = self.ctx.client.volumes.get(attachment.volume).attrs.get("CreatedAt", "")[:16].replace("T", " ")
        compliance = "In compliance" if int(size) <= limit else "Over the limit"
        tier = attachment.tier or "essential-0"
        pooling = [("Connection Pooling", "Available")] if pooler.offers_pooling(attachment.plan) else []
        fork_follow = "Unavailable" if attachment.secret.get("follows") else "Available" if pooling else "Unsupported"
        return [("Plan", tier.replace("-", " ").capitalize()), ("Status", "Available"),
                ("Connections", f"{used}/{connections}"), *pooling, ("PG Version", version), ("Created", created),
                ("Data Size", f"{size_text(int(size))} / {storage_gb} GB ({int(size) / limit:.2%}) ({compliance})"),
                ("Tables", f"{tables}/{postgres.TABLE_LIMIT} "
                           f"({'In compliance' if int(tables) <= postgres.TABLE_LIMIT else 'Over the limit'})"),
                ("Fork/Follow", fork_follow), ("Rollback", "Unsupported"), ("Continuous Protection", "Off"),
                ("Add-on", attachment.name)]

    # -- pg:reset, pg:ps, pg:killall ----------------------------------------------------------
    def reset(self, attachment: Attachment) -> None:
        """Every table, view and row gone: the database is dropped and made again, owned by the
        app's credential (its URL does not change)."""
        user, database = attachment.secret["user"], attachment.secret["database"]
        with self.ctx.changing():
            self.sql(attachment, f'DROP DATABASE "{database}" WITH (FORCE)', superuser=True, database="postgres")
            self.sql(attachment, f'CREATE DATABASE "{database}" OWNER "{user}"', superuser=True, database="postgres")
            self.sql(attachment, f'ALTER SCHEMA public OWNER TO "{user}"', superuser=True)

    def ps(self, attachment: Attachment, verbose: bool) -> str:
        return self.sql(attachment, PS_QUERY.format(idle="" if verbose else "AND state <> 'idle' "),
                        superuser=True, table=True)

    def killall(self, attachment: Attachment) -> None:
        self.sql(attachment, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             f"WHERE datname = '{attachment.secret['database']}' AND pid <> pg_backend_pid()",
                 superuser=True)

    def rotate(self, attachment: Attachment) -> Attachment:
        """A new password for the default credential: connections reset, a release with the new
        URL, the dynos restarted on it (apps must read DATABASE_URL at boot). Crash-safe and
        one at a time (app/rotation.py)."""
        return Rotations(self.addons).rotate(attachment, {
            "password": "p" + postgres.token(31),
            "superuser_password": postgres.token(32, string.ascii_letters + string.digits)})

    def credentials(self, attachment: Attachment) -> list[str]:
        """pg:credentials:url: the default credential's connection string and URL."""
        s = attachment.secret
        url = next(v for k, v in attachment.config.items() if k.endswith("_URL"))
        host = url.rsplit("@", 1)[1].split(":")[0]
        return ["Connection information for default credential.", "Connection info string:",
                f'   "dbname={s["database"]} host={host} port={postgres.PORT} user={s["user"]} '
                f'password={s["password"]} sslmode=require"', "Connection URL:", f"   {url}"]
