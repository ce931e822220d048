"""What Heroku Git says around a build, in its words (pure: lines out). git prefixes each
line with `remote: ` on the pusher's terminal.

Sources: the buildpack's hatchet specs (v351) for the buildpack's part and its error
blocks; pushes quoted in users' reports for the platform's framing (see
/work/notes/heroku-git-strings.md in the project's history: §7, §8)."""

from __future__ import annotations

from dataclasses import dataclass

BANG = " !     "
ZERO = "0" * 40
DEPLOY_BRANCHES = ("main", "master")
COMPRESSING_SOURCE = "Compressing source files... done."
NON_DEPLOY = "Pushed to branch other than [main, master], skipping build."
VERIFIED = "Verifying deploy... done."


@dataclass(frozen=True)
class RefUpdate:
    """One line of a pre-receive hook's stdin: `<old> <new> <ref>`."""
    old: str
    new: str
    ref: str

    @property
    def branch(self) -> str | None:
        return self.ref.removeprefix("refs/heads/") if self.ref.startswith("refs/heads/") else None

    @property
    def deletes(self) -> bool:
        return self.new == ZERO

    @property
    def deploys(self) -> bool:
        return self.branch in DEPLOY_BRANCHES


def parse(stdin: str) -> list[RefUpdate]:
    updates = []
    for line in stdin.splitlines():
        parts = line.split()
        if len(parts) == 3:
            updates.append(RefUpdate(*parts))
    return updates


@dataclass(frozen=True)
class Plan:
    """What a push gets: lines said at once, the update to build (or none), and whether the
    whole push is refused before any build."""
    notes: tuple[str, ...]
    build: RefUpdate | None
    refused: bool = False


def plan(updates: list[RefUpdate]) -> Plan:
    """Heroku builds a push to main or master; a push to another branch is stored and not
    built; deleting a deploy branch is refused."""
    for update in updates:
        if update.deploys and update.deletes:
            return Plan(("", f"!\tPush rejected, cannot delete {update.branch} branch", ""), None, refused=True)
    builds = [u for u in updates if u.deploys]
    others = [u for u in updates if not u.deploys and not u.deletes and u.branch is not None]
    notes = (NON_DEPLOY,) if others and not builds else ()
    return Plan(notes, builds[0] if builds else None)


def build_rejected(block: list[str], reason: str, diagnosis: list[str]) -> list[str]:
    """A buildpack error: its block as the build log shows it, then the platform's verdict."""
    if reason == "detect":
        return ["", f"{BANG}No default language could be detected for this app.",
                "\t\t\tHINT: This occurs when Heroku cannot detect the buildpack to use for this application "
                "automatically.",
                "\t\t\tSee https://devcenter.heroku.com/articles/buildpacks", ""]
    lines = ["", *((BANG + line).rstrip() if line else BANG for line in block), "",
             f"{BANG}Push rejected, failed to compile Python app."]
    return lines + [f"{BANG}{line}" for line in diagnosis]


def failed(message: str, hint: str = "", details: str = "") -> list[str]:
    """Any other failure before the release (herosim's own error, in the block's shape)."""
    lines = ["", f"{BANG}{message}"]
    if hint:
        lines.append(f"{BANG}Hint: {hint}")
    return lines + (details.splitlines() if details else [])


def rejected_tail(app: str, built_before: str | None = None) -> list[str]:
    """After any failure: `Push failed`, the duplicate-build warning when this commit was
    built before, then the platform's last words."""
    lines = ["", f"{BANG}Push failed"]
    if built_before:
        lines += [" !", f" ! ## Warning - The same version of this code has already been built: {built_before}",
                  " !",
                  f" ! We have detected that you have triggered a build from source code with version {built_before}",
                  " ! at least twice. One common cause of this behavior is attempting to deploy code from a "
                  "different branch.",
                  " !",
                  " ! If you are developing on a branch and deploying via git you must run:",
                  " !",
                  " !     git push heroku <branchname>:main",
                  " !",
                  " ! This article goes into details on the behavior:",
                  " !   https://devcenter.heroku.com/articles/duplicate-build-version",
                  ""]
    return lines + ["Verifying deploy...", "", f"!\tPush rejected to {app}.", ""]
