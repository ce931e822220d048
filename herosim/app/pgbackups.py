"""pg:backups: custom-format dumps (pg_dump -Fc, as Heroku's backups are) kept in the app's
private folder as b001, b002, …; restored with pg_restore as the app's credential, from a
backup or from any .dump file (a production backup downloaded from Heroku)."""

from __future__ import annotations

import datetime as dt
import errno
import os
import secrets
from pathlib import Path

from herosim import paths
from herosim.addons.attachment import Attachment
from herosim.app.postgres import Databases, size_text
from herosim.engine.tarball import TarWriter
from herosim.errors import HerosimError
from herosim.platform import jsonfile

FOLDER = "backups"
INDEX = "backups.json"
DOWNLOAD_CHUNK = 1024 * 1024
# pg_restore --clean --no-acl --no-owner as the app's credential, leaving out the extension
# every herosim database has installed by the platform (pg_stat_statements, as Heroku's do):
# the app's role may neither drop nor create it. $1 the dump, $2 the database.
RESTORE = ('pg_restore -l "$1" | grep -v -E "(EXTENSION|COMMENT) - (EXTENSION )?pg_stat_statements( |$)" > "$1.list"'
           ' && exec pg_restore --verbose --clean --if-exists --no-acl --no-owner -L "$1.list" -d "$2" "$1"')


class Backups:
    def __init__(self, databases: Databases):
        self.databases = databases
        self.ctx = databases.ctx

    def _folder(self) -> Path:
        return paths.private_dir(self.ctx.state.path(FOLDER))

    def all(self) -> list[dict]:
        return list(jsonfile.read(self.ctx.state.path(INDEX), []))

    def file(self, backup_id: str | None) -> tuple[dict, Path]:
        """A backup by id (b001), the latest without one."""
        backups = [b for b in self.all() if b["status"] == "Completed"]
        if not backups:
            raise HerosimError(f"No backups on {self.ctx.name}.", hint="herosim pg:backups:capture")
        found = backups[-1] if backup_id is None else next((b for b in backups if b["id"] == backup_id.lower()), None)
        if found is None:
            raise HerosimError(f"Backup {backup_id} not found.", hint="see `herosim pg:backups`")
        return found, self._folder() / f"{found['id']}.dump"

    def capture(self, attachment: Attachment) -> dict:
        """pg_dump -Fc of the database into the next b### file."""
        with self.ctx.changing():
            backups = self.all()
            number = max((int(b["id"][1:]) for b in backups), default=0) + 1
            record = {"id": f"b{number:03d}", "database": self.databases.label(attachment), "addon": attachment.name,
                      "started": _now(), "status": "Running", "size": 0}
            target = self._folder() / f"{record['id']}.dump"
            container = self.databases.addons.container(attachment)
            _, stream = container.exec_run(["pg_dump", "-Fc"], user="postgres",
                                           environment=self.databases.app_env(attachment), stream=True, demux=True)
            errors = b""
            with paths.open_private(target, "wb") as handle:
                for out, err in stream:
                    if out:
                        handle.write(out)
                    if err:
                        errors += err
            record["size"] = target.stat().st_size
            if errors.strip() or record["size"] < 5 or target.read_bytes()[:5] != b"PGDMP":
                target.unlink(missing_ok=True)
                raise HerosimError(f"The backup of {attachment.name} failed",
                                   hint=errors.decode(errors="replace").strip()[-300:] or "pg_dump wrote nothing")
            record.update(status="Completed", finished=_now())
            jsonfile.write(self.ctx.state.path(INDEX), [*backups, record])
            return record

    def restore(self, attachment: Attachment, source: Path) -> str:
        """pg_restore --clean --no-acl --no-owner of a custom-format dump into the database,
        as the app's credential (its tables end up the app's). Returns pg_restore's messages."""
        data = source.read_bytes()
        if data[:5] != b"PGDMP":
            raise HerosimError(f"{source} is not a pg_dump custom-format file (pg_dump -Fc)",
                               hint="Heroku's backups (latest.dump) are; a plain .sql file is loaded with pg:psql")
        restore_path = f"/tmp/herosim-restore-{secrets.token_hex(8)}.dump"   # one of its own per restore
        with self.ctx.changing():
            container = self.databases.addons.container(attachment)
            archive = TarWriter()
            archive.add_bytes(restore_path.lstrip("/"), data, mode=0o644)
            container.put_archive("/", archive.close())
            try:
                result = container.exec_run(["sh", "-c", RESTORE, "restore", restore_path,
                                             attachment.secret["database"]],
                                            user="postgres", environment=self.databases.app_env(attachment), demux=True)
            finally:
                container.exec_run(["rm", "-f", restore_path, restore_path + ".list"])
        out, err = result.output
        messages = (err or b"").decode(errors="replace")
        failed = [line for line in messages.splitlines() if "error:" in line and "does not exist" not in line]
        if result.exit_code != 0 and failed:
            raise HerosimError(f"pg_restore errored with {result.exit_code}", hint=failed[-1].strip(),
                               details=messages[-2000:])
        return messages

    def download(self, backup_id: str | None, output: Path | None) -> tuple[dict, Path]:
        """The backup's file copied out, private (0600: it is the whole database): to `output`
        (a file there is replaced), else to latest.dump, latest.dump.1, … whichever does not
        exist yet. A symbolic link is never followed: the dump lands where it is named."""
        record, source = self.file(backup_id)
        if output is not None:
            fd = _create(output, replace=True)
        else:
            index = 0
            while True:
                output = Path("latest.dump" if index == 0 else f"latest.dump.{index}")
                fd = _create(output, replace=False)
                if fd is not None:
                    break
                index += 1
        with os.fdopen(fd, "wb") as target, open(source, "rb") as dump:
            while chunk := dump.read(DOWNLOAD_CHUNK):
                target.write(chunk)
        return record, output

    @staticmethod
    def describe(record: dict) -> tuple[str, ...]:
        finished = f"Completed {record.get('finished', '')}" if record["status"] == "Completed" else record["status"]
        return (record["id"], record["started"], finished, size_text(record["size"]), record["database"])


def _create(path: Path, replace: bool) -> int | None:
    """A descriptor of `path` opened for writing, created 0600; never through a symbolic link.
    Without `replace`, None when something (a file, a link, even a dangling one) is there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise HerosimError(f"{path} is a symbolic link; the backup is not written through it",
                               hint="name a file: herosim pg:backups:download -o FILE") from None
        raise HerosimError(f"Could not write {path}: {exc.strerror}", hint="name another file with -o") from None
    os.fchmod(fd, 0o600)   # a file that was there keeps no wider mode
    return fd


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000")
