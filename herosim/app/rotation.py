"""Credential rotation (pg:credentials:rotate, redis:credentials --reset): one at a time and
crash-safe. Under the app's lock the new credential is recorded first (pending), applied on
the server, confirmed, and its release made (the dynos restart on the new URL). A command
killed half-way (Ctrl-C) leaves a pending or unreleased rotation in the add-on's record: the
next command that takes the lock, or reads the add-ons, finishes it before anything else.

Until it is finished the record's confirmed credential stays the one the server accepts: a
sidecar that starts meanwhile is probed with both, and a pending credential the server already
has is confirmed there (addons/sidecar.py)."""

from __future__ import annotations

from herosim.addons import attachment as records
from herosim.addons import pooler, sidecar
from herosim.addons.attachment import Attachment
from herosim.addons.registry import service_for_plan
from herosim.errors import HerosimError


class Rotations:
    def __init__(self, addons):
        self.addons = addons
        self.ctx = addons.ctx

    def rotate(self, attachment: Attachment, secret: dict[str, str]) -> Attachment:
        """The add-on's credential becomes `secret` (its "password" in its URLs too)."""
        with self.ctx.changing():
            current = self._fresh(attachment)   # as recorded now, under the lock
            self.addons.container(current)      # it must run: nothing is recorded for a stopped one
            old, new = current.secret["password"], secret["password"]
            config = {k: v.replace(f":{old}@", f":{new}@") for k, v in current.config.items()}
            return self._finish(records.begin_rotation(current, config, secret))

    def _finish(self, attachment: Attachment) -> Attachment:
        if attachment.pending:
            container = self.addons.container(attachment)
            service_for_plan(attachment.plan).apply_credential(container, attachment, attachment.pending["secret"])
            attachment = records.confirm_rotation(attachment, records.rotation_release(attachment))
        if attachment.unreleased and pooler.pooled_vars(attachment):
            self.addons.start_pooler(attachment)   # its user list gets the new password first
        if attachment.unreleased:
            self.addons.releases.again(attachment.unreleased)
            attachment = records.released(attachment)
        return attachment

    def _fresh(self, attachment: Attachment) -> Attachment:
        found = {a.name: a for a in records.attachments(self.ctx.client, self.ctx.name)}
        if attachment.name not in found:
            raise HerosimError(f"Couldn't find that add-on: {attachment.name}", hint="see `herosim addons`")
        return found[attachment.name]

    def recover(self) -> None:
        """Finish the rotations a killed command left (run with the app's lock held). A pending
        one waits while its sidecar is stopped: the sidecar's next start settles it."""
        if not unfinished_records(self.ctx.state):
            return
        for attachment in records.attachments(self.ctx.client, self.ctx.name):
            if not (attachment.pending or attachment.unreleased):
                continue
            if attachment.pending and not _running(self.addons, attachment):
                continue
            self.ctx.progress.info(f"Finishing the credential rotation of {attachment.name} that was interrupted")
            try:
                self._finish(attachment)
            except HerosimError as exc:
                self.ctx.progress.info(f"Could not finish it yet ({exc.message}); the next command tries again")


def unfinished_records(state) -> bool:
    return any("pending" in r or "unreleased" in r for r in state.addon_records().values())


def finish_interrupted(addons, found: list[Attachment]) -> list[Attachment]:
    """The add-ons as read; when a rotation was left unfinished and can be finished now (no
    command holds the lock, its sidecar runs), finished first."""
    from herosim.errors import AppBusy
    from herosim.platform import lock
    if not any(a.unreleased or (a.pending and _running(addons, a)) for a in found) \
            or lock.held_here(addons.ctx.state.dir):
        return found
    try:
        with addons.ctx.changing(wait=0):   # taking the lock finishes it (AppContext.changing)
            pass
    except AppBusy:
        return found   # the command that holds it finishes it
    return records.attachments(addons.ctx.client, addons.ctx.name)


def _running(addons, attachment: Attachment) -> bool:
    container = sidecar.find(addons.ctx.client, attachment)
    return container is not None and container.status == "running"
