"""Server-side connection pooling (`pg:connection-pooling:attach`): a PgBouncer container beside
the database's, on the app's network as `<add-on>-pool`, in transaction mode with the plan's
pool. It is an attachment of the same add-on: its config var (DATABASE_CONNECTION_POOL_URL)
lives in the add-on's private record, with the add-on's credentials and database name; only the
host differs. Clients must use TLS, and the pooler uses TLS to the server, as on Heroku.

The pooler's configuration and user list are files put into its container (never an image, a
label or an argument), rewritten at every start and on a credential rotation (PgBouncer reloads
them on SIGHUP)."""

from __future__ import annotations

import io
import tarfile
import time
from urllib.parse import urlsplit, urlunsplit

import docker

from herosim import poll
from herosim.addons import pgbouncer, postgres
from herosim.addons.attachment import Attachment
from herosim.const import LABEL_ADDON_NAME, LABEL_ADDON_PART, LABEL_ADDON_PLAN, ROLE_ADDON
from herosim.engine import labels
from herosim.engine import stack as catalogue
from herosim.engine.client import translated
from herosim.engine.recipes import Recipe
from herosim.errors import AddonError

PART = "pooler"
PORT = 5432
DEFAULT_NAME = "DATABASE_CONNECTION_POOL"
CONFIG_DIR = "/etc/herosim-pooler"
READY_TIMEOUT = 30.0
UID = 1100   # the image's herosim-pooler user, who alone may read the files


def image() -> Recipe:
    """Debian's PgBouncer 1.24.1, online or offline: no official image carries Heroku's release."""
    return catalogue.offline_image("pgbouncer", catalogue.PGBOUNCER_SUITE)


def offers_pooling(plan: str) -> bool:
    """Standard, Premium, Private and Shield tiers: not Essential (nor Heroku CI's in-dyno)."""
    tier = plan.partition(":")[2] or "essential-0"
    return not tier.startswith("essential") and tier != postgres.IN_DYNO


def host(attachment: Attachment) -> str:
    return f"{attachment.name}-pool"


def pooled_url(url: str, attachment: Attachment) -> str:
    """The add-on's URL with the pooler as its host: same credentials, same database."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{credentials}@{host(attachment)}:{PORT}"))


def pooled_vars(attachment: Attachment) -> list[str]:
    """The add-on's config vars that name its pooler (DATABASE_CONNECTION_POOL_URL)."""
    return [k for k, v in attachment.config.items() if urlsplit(v).hostname == host(attachment)]


def settings(attachment: Attachment) -> pgbouncer.PoolSettings:
    return pgbouncer.server_side(postgres.limits(attachment.plan)[1])


def files(attachment: Attachment) -> dict[str, tuple[bytes, int]]:
    secret = attachment.secret
    ini = pgbouncer.render_ini(
        settings(attachment),
        [pgbouncer.Target(secret["database"], attachment.name, postgres.PORT, secret["database"])],
        pgbouncer.Listener("0.0.0.0", PORT, *postgres.SNAKEOIL), f"{CONFIG_DIR}/users.txt")
    return {f"{CONFIG_DIR}/pgbouncer.ini": (ini.encode(), 0o600),
            f"{CONFIG_DIR}/users.txt": (pgbouncer.render_users({secret["user"]: secret["password"]}).encode(), 0o600)}


def find(client: docker.DockerClient, attachment: Attachment):
    found = client.containers.list(all=True, filters={"label": [
        *labels.of_app(attachment.app, ROLE_ADDON, addon=attachment.name)["label"], f"{LABEL_ADDON_PART}={PART}"]})
    return found[0] if found else None


def ensure_running(client: docker.DockerClient, attachment: Attachment, network: str):
    """Create or refresh the pooler and wait until the app's credential gets through it."""
    container = find(client, attachment)
    if container is None:
        container = _create(client, attachment, network)
    _put_files(container, attachment)
    if container.status == "running":
        container.kill(signal="SIGHUP")   # PgBouncer rereads its configuration and user list
    else:
        with translated(f"starting the pooler of {attachment.name}"):
            container.start()
    wait_ready(container, attachment)
    return container


def _create(client: docker.DockerClient, attachment: Attachment, network: str):
    with translated(f"creating the pooler of {attachment.name}"):
        return client.containers.create(
            image().ref, name=f"{attachment.container_name}-pool",
            labels=labels.for_app(attachment.app, ROLE_ADDON, **{
                LABEL_ADDON_NAME: attachment.name, LABEL_ADDON_PLAN: attachment.plan, LABEL_ADDON_PART: PART}),
            ports={f"{PORT}/tcp": ("127.0.0.1", None)}, network=network,
            networking_config={network: client.api.create_endpoint_config(aliases=[host(attachment)])},
            restart_policy={"Name": "unless-stopped"})


def _put_files(container, attachment: Attachment) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, (content, mode) in files(attachment).items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode, info.uid, info.gid, info.mtime = len(content), mode, UID, 0, int(time.time())
            archive.addfile(info, io.BytesIO(content))
    with translated(f"configuring the pooler of {attachment.name}"):
        container.put_archive("/", buffer.getvalue())


def probe(container, attachment: Attachment) -> tuple[bool, str]:
    """A query through the pooler as the app's credential over TLS (the password in the exec's
    environment, never an argument)."""
    secret = attachment.secret
    check = container.exec_run(["psql", "-X", "-h", "127.0.0.1", "-p", str(PORT), "-U", secret["user"],
                                "-d", secret["database"], "-tAc", "select 1"],
                               environment={"PGPASSWORD": secret["password"], "PGSSLMODE": "require",
                                            "PGCONNECT_TIMEOUT": "3"})
    return check.exit_code == 0, check.output.decode(errors="replace").strip()


def wait_ready(container, attachment: Attachment) -> None:
    seen = {"last": ""}

    def ready():
        container.reload()
        if container.status in ("exited", "dead"):
            return "gone"
        ok, seen["last"] = probe(container, attachment)
        return ok

    if poll.until(ready, READY_TIMEOUT, 0.3) is not True:
        logs = container.logs(tail=15).decode("utf-8", errors="replace").rstrip()
        raise AddonError(f"The pooler of {attachment.name} did not answer within {READY_TIMEOUT:.0f} s "
                         f"(container {container.status}; last check: {seen['last'] or 'no answer'})",
                         hint=f"its log is below; `docker logs {container.name}` shows all of it", details=logs)
