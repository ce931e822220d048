"""Releases: each change (a build, config vars, an add-on) is vN, with the release phase
run first when the Procfile has one (Dev Center: release-phase), and the dynos restarted on it."""

from __future__ import annotations

from herosim.app.context import AppContext
from herosim.errors import HerosimError
from herosim.platform.releases import FAILED, PENDING, SUCCEEDED, Release
from herosim.runtime import oneoff


class Releases:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def create(self, description: str, slug: str | None, processes: dict[str, str],
               config_vars: dict[str, str], commit: str = "") -> Release:
        """vN; with a `release:` process the release phase runs first. A failed release phase
        leaves the previous release running and raises."""
        phase = bool(slug) and "release" in processes
        release = self.ctx.state.add_release(description, slug=slug, processes=processes, config_vars=config_vars,
                                             status=PENDING if phase else SUCCEEDED, commit=commit)
        self.ctx.logs.emit("app", "api", f"{description} by user {release.user}")
        self.ctx.logs.emit("app", "api", f"Release v{release.version} created by user {release.user}")
        if phase:
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

    def restart_on(self, release: Release, timeout: float = 300) -> None:
        """Running dynos restart on a new release (a deploy, a config or add-on change)."""
        manager = self.ctx.manager()
        if release.slug and manager is not None:
            manager.deploy(release.version, timeout=timeout)

    def _release_phase(self, release: Release) -> None:
        command = release.processes["release"]
        self.ctx.progress.step(f"Running release command `{command}` (release phase)")
        one_off = oneoff.new("release", command)

        def echo(stream: int, data: bytes) -> None:
            for line in data.decode("utf-8", errors="replace").splitlines():
                self.ctx.progress.detail(line)

        status = oneoff.run(self.ctx.client, self.ctx.state, release, one_off, output=echo, interactive=False,
                            use_tty=False, to_log=True)
        if status != 0:
            self.ctx.state.set_release_status(release.version, FAILED)
            previous = self.ctx.state.current_release()
            raise HerosimError(
                f"Release command failed: `{command}` exited with status {status} (v{release.version} failed)",
                hint=(f"v{previous.version} keeps running; " if previous else "") + "fix it and deploy again",
            )
        self.ctx.state.set_release_status(release.version, SUCCEEDED)
