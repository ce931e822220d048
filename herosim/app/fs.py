"""The app's view of the ephemeral filesystem: what each dyno wrote since it started."""

from __future__ import annotations

from herosim.app.context import AppContext
from herosim.audit import fsaudit
from herosim.const import LABEL_DYNO, ROLE_DYNO
from herosim.engine import labels
from herosim.engine.client import translated
from herosim.errors import HerosimError


class Filesystem:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def changes(self, target: str | None = None) -> dict[str, list[fsaudit.Finding]]:
        """Per running dyno, what it wrote since it started (its container's diff), classified."""
        allow = self.ctx.state.settings().fs.allow
        local = labels.engine_is_local()
        out = {}
        for container in self.ctx.client.containers.list(filters=labels.of_app(self.ctx.name, ROLE_DYNO)):
            name = container.labels.get(LABEL_DYNO, "")
            if target and target not in (name, name.split(".")[0]):
                continue
            changes = None
            if local:
                upper = (container.attrs.get("GraphDriver") or {}).get("Data", {}).get("UpperDir", "")
                changes = fsaudit.changes_from_upperdir(upper)
            if changes is None:
                with translated(f"reading {name}'s filesystem changes"):
                    changes = fsaudit.changes_from_docker(container.diff())
            synced = {f"/app/{path}" for path in self.ctx.state.settings().dev_synced.get(container.id, ())}
            changes = [c for c in changes if c.path not in synced]   # `herosim dev` put them there, not the app
            out[name] = fsaudit.classify(changes, allow)
        return dict(sorted(out.items()))

    def losses(self, target: str | None = None) -> tuple[int, list[str]]:
        """What restarting would lose: (number of files, the report's lines)."""
        changes = self.changes(target)
        lost = sum(len(f.paths) for findings in changes.values() for f in findings)
        lines = [line for dyno, findings in changes.items() if findings for line in fsaudit.render(dyno, findings)]
        return lost, lines

    def check_strict(self, lost: int) -> None:
        if lost and self.ctx.state.settings().fs.strict:
            raise HerosimError(f"--strict-fs: dynos wrote {lost} file(s) that Heroku's ephemeral filesystem "
                               "would lose (listed above)",
                               hint="fix them, or allow the paths with `herosim up --strict-fs --fs-allow PATTERN`")
