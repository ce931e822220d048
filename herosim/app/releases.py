"""Releases: each change (a build, config vars, an add-on) is vN, with the release phase
run first when the Procfile has one (Dev Center: release-phase), and the dynos restarted on it."""

from __future__ import annotations

from collections.abc import Callable

import docker.errors

from herosim.app.context import AppContext
from herosim.const import HEXAGON
from herosim.errors import HerosimError
from herosim.platform.linesplit import LineSplitter
from herosim.platform.releases import FAILED, PENDING, SUCCEEDED, Release
from herosim.runtime import oneoff


class Releases:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def create(self, description: str, slug: str | None, processes: dict[str, str],
               config_vars: dict[str, str], commit: str = "", release_phase: bool = True,
               defer_phase: bool = False) -> Release:
        """vN; with a `release:` process the release phase runs first. A failed release phase
        leaves the previous release running and raises. `release_phase=False`: a release that
        puts back a saved state (a snapshot), which a migration must not change.
        `defer_phase`: the release stays pending until its caller runs `run_phase` (a push
        prints the release before its command runs, as Heroku Git does)."""
        phase = release_phase and bool(slug) and "release" in processes
        release = self.ctx.state.add_release(description, slug=slug, processes=processes, config_vars=config_vars,
                                             status=PENDING if phase else SUCCEEDED, commit=commit)
        self.ctx.logs.emit("app", "api", f"{description} by user {release.user}")
        self.ctx.logs.emit("app", "api", f"Release v{release.version} created by user {release.user}")
        if phase and not defer_phase:
            self._release_phase(release)
        return release

    def again(self, description: str, config_vars: dict[str, str] | None = None) -> Release:
        """A release of the current slug with new config vars (or the same), dynos restarted."""
        current = self.ctx.state.current_release()
        release = self.create(description, current.slug if current else None,
                              current.processes if current else {},
                              self.ctx.state.config_vars() if config_vars is None else config_vars,
                              commit=current.commit if current else "")
        self.restart_on(release)
        return release

    def eligible(self, release: Release) -> bool:
        """Heroku's "Eligible for Rollback?": a release that ran, whose slug is still kept."""
        if release.status != SUCCEEDED or not release.slug:
            return False
        try:
            self.ctx.client.images.get(release.slug)
            return True
        except docker.errors.ImageNotFound:
            return False

    def rollback(self, version: int | None) -> tuple[Release, Release | None]:
        """A new release with vN's slug, processes and config vars (not its add-ons, not data);
        its release phase runs again. Without vN: the release before the current one."""
        with self.ctx.changing():
            eligible = [r for r in reversed(self.ctx.state.releases()) if self.eligible(r)]
            target: Release | None
            if version is None:
                if len(eligible) < 2:
                    raise HerosimError(f"No eligible release found for {HEXAGON} {self.ctx.name} to roll back to.",
                                       hint="see `herosim releases`")
                target = eligible[1]
            else:
                target = self.ctx.state.release(version)
                if target is None:
                    raise HerosimError(f"Release v{version} not found.", hint="see `herosim releases`")
                if target not in eligible:
                    raise HerosimError(f"Release v{version} is not eligible for rollback (its slug is gone or its "
                                       "release phase failed).", hint="see `herosim releases:info`")
            current = self.ctx.state.current_release()
            self.ctx.state.replace_config_vars(target.config_vars)
            release = self.create(f"Rollback to v{target.version}", target.slug, target.processes,
                                  target.config_vars, commit=target.commit)
            self.restart_on(release)
            return release, current

    def restart_on(self, release: Release, timeout: float = 300) -> None:
        """Running dynos restart on a new release (a deploy, a config or add-on change)."""
        manager = self.ctx.manager()
        if release.slug and manager is not None:
            manager.deploy(release.version, timeout=timeout)

    def _release_phase(self, release: Release) -> None:
        command = release.processes["release"]
        self.ctx.progress.step(f"Running release command `{command}` (release phase)")
        status = self.run_phase(release, self.ctx.progress.detail)
        if status != 0:
            previous = self.ctx.state.current_release()
            raise HerosimError(
                f"Release command failed: `{command}` exited with status {status} (v{release.version} failed)",
                hint=(f"v{previous.version} keeps running; " if previous else "") + "fix it and deploy again",
            )

    def run_phase(self, release: Release, say: Callable[[str], None]) -> int:
        """The release command in a one-off dyno, each line of its output to `say`; the release
        marked succeeded or failed by its exit status, which is returned."""
        one_off = oneoff.new("release", release.processes["release"])
        splitter = LineSplitter()

        def echo(stream: int, data: bytes) -> None:
            for line in splitter.feed(stream, data):
                say(line)

        try:
            status = oneoff.run(self.ctx.client, self.ctx.state, release, one_off, output=echo, interactive=False,
                                use_tty=False, to_log=True)
        finally:
            for _, line in splitter.flush():
                say(line)
        self.ctx.state.set_release_status(release.version, SUCCEEDED if status == 0 else FAILED)
        return status
