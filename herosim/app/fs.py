"""The App's view of the ephemeral filesystem: what each dyno wrote since it started."""

from __future__ import annotations

from herosim.audit import fsaudit
from herosim.const import LABEL_APP, LABEL_ROLE
from herosim.engine.client import translated
from herosim.errors import HerosimError


class FilesystemVerbs:
    """Mixed into App (client, printer, name, state)."""

    def fs_changes(self, target: str | None = None) -> dict[str, list[fsaudit.Finding]]:
        """Per running dyno, what it wrote since it started (its container's diff), classified."""
        allow = tuple(self.state.settings().get("fs_allow") or ())
        out = {}
        for container in self.client.containers.list(filters={"label": [f"{LABEL_APP}={self.name}",
                                                                         f"{LABEL_ROLE}=dyno"]}):
            name = container.labels.get("io.herosim.dyno", "")
            if target and target not in (name, name.split(".")[0]):
                continue
            changes = None
            if fsaudit.local_engine():
                upper = (container.attrs.get("GraphDriver") or {}).get("Data", {}).get("UpperDir", "")
                changes = fsaudit.changes_from_upperdir(upper)
            if changes is None:
                with translated(f"reading {name}'s filesystem changes"):
                    changes = fsaudit.changes_from_docker(container.diff())
            out[name] = fsaudit.classify(changes, allow)
        return dict(sorted(out.items()))

    def report_losses(self, target: str | None = None, heading: str | None = None) -> int:
        """Print what restarting would lose; the number of files."""
        changes = self.fs_changes(target)
        lost = sum(len(f.paths) for findings in changes.values() for f in findings)
        if lost:
            if heading:
                self.printer.info(heading)
            for dyno, findings in changes.items():
                if findings:
                    for line in fsaudit.render(dyno, findings):
                        self.printer.info(line)
        return lost

    def check_strict(self, lost: int) -> None:
        if lost and self.state.settings().get("strict_fs"):
            raise HerosimError(f"--strict-fs: dynos wrote {lost} file(s) that Heroku's ephemeral filesystem "
                               "would lose (listed above)",
                               hint="fix them, or allow the paths with `herosim up --strict-fs --fs-allow PATTERN`")
