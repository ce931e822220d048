"""pg:pull and pg:push between the add-on and a database of this machine, with Heroku's
pg_dump/pg_restore flags, in a helper container on the host's network with the newest client
tools the stack has (Heroku Postgres's default version: pg_dump reads older servers, not
newer ones). Credentials travel as environment variables; the helper holds both sides'
passwords, so it carries the app's labels: `down`, `destroy` and the next pull or push remove
one a killed command left."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from herosim.addons import postgres, sidecar
from herosim.addons.attachment import Attachment
from herosim.app.postgres import Databases
from herosim.const import ROLE_PG_TRANSFER
from herosim.engine import capabilities, cleanup, identity, labels
from herosim.engine.dialer import container_ip
from herosim.engine.stack import DEFAULT_POSTGRES
from herosim.engine.stackimages import StackImages
from herosim.errors import HerosimError

SCRIPT = r"""
set -o pipefail
with() {  # a command with one side's PG* variables (exported by the shell: never an argument)
	local side=$1; shift
	(for key in HOST PORT USER PASSWORD SSLMODE; do
		name="${side}_${key}"; [ -n "${!name}" ] && export "PG${key}=${!name}"
	done; exec "$@")
}
if [ "$MODE" = pull ]; then
	with DST createdb "$DST_DB" || exit 3
else
	tables=$(with DST psql -d "$DST_DB" -qAtc \
		"select count(*) from pg_tables where schemaname not in ('pg_catalog','information_schema')") || exit 4
	[ "$tables" = 0 ] || exit 5
fi
with SRC pg_dump --verbose -F c -Z 0 -N _heroku -d "$SRC_DB" |
	with DST pg_restore --verbose -F c --no-acl --no-owner -d "$DST_DB"
status=("${PIPESTATUS[@]}")
[ "${status[0]}" = 0 ] || { echo "pg_dump errored with ${status[0]}" >&2; exit 6; }
[ "${status[1]}" = 0 ] || { echo "pg_restore errored with ${status[1]}" >&2; exit 7; }
"""


def redacted(url: str) -> str:
    """A database URL as it may be shown: without its password."""
    parts = urlsplit(url) if "://" in url else None
    if parts is None or not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def local_side(prefix: str, url: str) -> dict[str, str]:
    """A database of this machine: a postgres:// URL, or a bare name on localhost (as Heroku's CLI)."""
    if "://" not in url:
        return {f"{prefix}_HOST": "localhost", f"{prefix}_PORT": "5432", f"{prefix}_USER": "", f"{prefix}_PASSWORD": "",
                f"{prefix}_DB": url, f"{prefix}_SSLMODE": "prefer"}
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.path.strip("/"):
        raise HerosimError(f"{parts.scheme}://… is not a Postgres database URL with a database name",
                           hint="postgresql://user:password@localhost:5432/mydb, or a bare database name")
    return {f"{prefix}_HOST": parts.hostname or "localhost", f"{prefix}_PORT": str(parts.port or 5432),
            f"{prefix}_USER": unquote(parts.username or ""), f"{prefix}_PASSWORD": unquote(parts.password or ""),
            f"{prefix}_DB": parts.path.strip("/"), f"{prefix}_SSLMODE": "prefer"}


class Transfer:
    def __init__(self, databases: Databases):
        self.databases = databases
        self.ctx = databases.ctx

    def _addon_side(self, prefix: str, attachment: Attachment) -> tuple[dict[str, str], str]:
        container = self.databases.addons.container(attachment)
        port = sidecar.published_port(container, postgres.PORT)
        if port is None:
            raise HerosimError(f"{attachment.name} is not published on this machine", hint="herosim up")
        s = attachment.secret
        tools = postgres.image(self.databases.addons.stack(), DEFAULT_POSTGRES)
        StackImages(self.ctx.client, self.ctx.progress).ensure(tools)
        return ({f"{prefix}_HOST": "127.0.0.1", f"{prefix}_PORT": str(port), f"{prefix}_USER": s["user"],
                 f"{prefix}_PASSWORD": s["password"], f"{prefix}_DB": s["database"], f"{prefix}_SSLMODE": "require"},
                tools.ref)

    def pull(self, attachment: Attachment, target: str) -> str:
        local = local_side("DST", target)
        self._check_local(local["DST_HOST"], target, attachment)
        with self.ctx.changing():
            source, image = self._addon_side("SRC", attachment)
            return self._run("pull", image, {**source, **local}, target)

    def push(self, source: str, attachment: Attachment) -> str:
        local = local_side("SRC", source)
        self._check_local(local["SRC_HOST"], source, attachment)
        with self.ctx.changing():
            target, image = self._addon_side("DST", attachment)
            return self._run("push", image, {**local, **target}, attachment.name)

    def _check_local(self, host: str, named: str, attachment: Attachment) -> None:
        """pg_dump and pg_restore run in a container of the engine's host network: its
        localhost is this machine's only when this machine reaches the engine's containers."""
        if host not in ("localhost", "127.0.0.1", "::1", ""):
            return
        container = self.databases.addons.container(attachment)
        if not capabilities.view(self.ctx.client).reaches_containers(container_ip(container)):
            raise HerosimError(f"{redacted(named)} is on this machine's localhost, which the engine at "
                               f"{identity.where()} does not share: pg:pull and pg:push run beside the engine",
                               hint="name a database the engine's host reaches (a URL), or use "
                                    "pg:backups:capture and pg:backups:download, then pg_restore here")

    def _run(self, mode: str, image: str, env: dict[str, str], target: str) -> str:
        sidecar.remove_helpers(self.ctx.client, self.ctx.name)   # a killed pull's or push's (we hold the lock)
        container = self.ctx.client.containers.run(
            image, ["bash", "-c", SCRIPT], entrypoint=[], environment={"MODE": mode, **env}, network_mode="host",
            labels=labels.for_app(self.ctx.name, ROLE_PG_TRANSFER), user="postgres", detach=True)
        try:
            status = int(container.wait(timeout=3600).get("StatusCode", 1))
            log = container.logs().decode(errors="replace")
        finally:
            cleanup.container(container)
        if status == 3:
            raise HerosimError(f"Local database {redacted(target)} could not be created "
                               "(pg:pull makes it: it must not exist)",
                               hint=log.strip().splitlines()[-1] if log.strip() else "drop it, or pull into a new name")
        if status == 4:
            raise HerosimError(f"Could not reach {redacted(target)}",
                               hint=log.strip().splitlines()[-1] if log.strip() else "")
        if status == 5:
            raise HerosimError("Remote database is not empty. Please create a new database or use heroku pg:reset",
                               hint="herosim pg:reset --confirm APP")
        if status != 0:
            line = next((l for l in reversed(log.splitlines()) if "errored with" in l), f"exited with {status}")
            raise HerosimError(line, hint=log.strip().splitlines()[-2] if len(log.strip().splitlines()) > 1 else "",
                               details=log[-2000:])
        return log
