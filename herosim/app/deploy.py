"""`up`, a push and `build`: the slug compiler, then add-ons, a release and the formation on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from herosim.app import buildlog
from herosim.app import setup as setup_mod
from herosim.app.addons import Addons
from herosim.app.catalog import HEROKU_STACK, web_urls
from herosim.app.config import ConfigVars
from herosim.app.context import AppContext
from herosim.app.releases import Releases
from herosim.app.setup import AppSetup
from herosim.const import DEFAULT_ROUTER_PORT, ROLE_BUILD, ROLE_SLUG
from herosim.engine import cleanup, images, labels
from herosim.git import worktree
from herosim.platform import formation, snapshots
from herosim.platform.procfile import Procfile
from herosim.platform.releases import PENDING, Release
from herosim.platform.state import LastBuild
from herosim.platform.timeouts import Timeouts
from herosim.runtime import launcher
from herosim.runtime.dyno import DynoView
from herosim.runtime.plan import CRASHED
from herosim.runtime.settings import ManagerSettings
from herosim.slug import cabundle

if TYPE_CHECKING:
    from herosim.slug.compile import BuildResult
    from herosim.slug.source import SourceTree

SLUGS_KEPT = 5  # slug images of the last releases stay (rollback); older ones go
# What Heroku Git prints around a release command (pushes quoted in the buildpacks' reports):
# the release first, then the command's own output unindented, then whether it passed.
RELEASE_DECLARED = (" !     Release command declared: this new release will not be available until the command "
                    "succeeds.")
RUNNING_RELEASE = "Running release command..."
WAITING_FOR_RELEASE = "Waiting for release.... {}."


@dataclass(frozen=True)
class UpOptions:
    port: int | None
    timeouts: Timeouts
    size: str
    ca_bundle: str | None = None
    no_cache: bool = False
    cycle_every: float | None = None


def unchanged(current: Release | None, slug: str, processes: dict[str, str],
              config_vars: dict[str, str]) -> Release | None:
    """The current release when the new slug, its process types and the config vars are the ones
    it already has (a second `up` of the same commit, say, or `up` after `down`): `up` makes no
    new release then, as a push of what Heroku already runs makes none."""
    if (current is not None and current.slug == slug and current.processes == processes
            and current.config_vars == config_vars):
        return current
    return None


def crashed(dynos: list[DynoView]) -> list[str]:
    """The dynos a deploy of the release already running starts again (no new release restarts them)."""
    return [d.name for d in dynos if d.state == CRASHED]


class Deployer:
    def __init__(self, ctx: AppContext, releases: Releases, addons: Addons, config: ConfigVars):
        self.ctx = ctx
        self.releases = releases
        self.addons = addons
        self.config = config
        self.setup = AppSetup(ctx, addons)

    def up(self, path: Path, options: UpOptions) -> Release:
        """Build the working tree, provision, release and (re)start the formation. Returns the
        release it runs: a new one, or the current one when nothing changed. Its output is kept
        as the build's log."""
        with buildlog.recording(self.ctx) as build:
            release = self._up(path, options)
            build.release = release.version
            return release

    def _up(self, path: Path, options: UpOptions) -> Release:
        progress = self.ctx.progress
        with self.ctx.changing():
            port, settings = self._settings(options)
            self.ctx.state.update_settings(source=str(path.resolve()), router_port=port)
            self._remove_stale_builds()
            manifest = setup_mod.read(path)
            creating = manifest is not None and self.setup.first_deploy()
            if creating:
                self.setup.before_build(manifest)
            progress.step(f"Building {self.ctx.name} from {path.resolve()}")
            differs = worktree.notice(worktree.changed(path))
            if differs:
                progress.info(differs)
            result = self.build(path, options.ca_bundle, options.no_cache)
            if creating:
                self.setup.provision(manifest, result.stack)
            self.addons.provision_for(result)
            release = self._unchanged(result)
            unchanged = release is not None   # as a push of what Heroku already runs: no new release
            if not unchanged:
                release = self._release(result)
            types = self._keep_formation(release)
            progress.step("Launching...")
            progress.detail(f"Everything up-to-date: v{release.version} stays the current release" if unchanged
                            else f"Released v{release.version}")
            self._launch(launcher.ensure(self.ctx.state, settings), release.version, unchanged, options.timeouts)
            progress.detail(f"{web_urls(port)[0]} deployed to herosim (and {web_urls(port)[1]})")
            self._say_formation(types)
            if manifest is not None:
                self.setup.postdeploy(manifest, release)
            self._prune_slugs()
            return release

    def push(self, source: SourceTree, options: UpOptions, verified: str) -> Release:
        """`git push heroku main`: the pushed commit's tree built and released, framed in the
        platform's words (`verified`: its line once the release is out). As on Heroku, a push
        applies no app.json and provisions nothing by itself (the add-ons are the ones
        `addons:create` made), and every successful build is a new release, also of a commit
        that ran before; a release command runs after the release is printed, and when it
        fails the release is marked failed and the previous one keeps running (the push itself
        is accepted: the build succeeded). Its output is kept as the build's log."""
        with buildlog.recording(self.ctx) as build:
            release = self._push(source, options, verified)
            build.release = release.version
            return release

    def _push(self, source: SourceTree, options: UpOptions, verified: str) -> Release:
        progress = self.ctx.progress
        with self.ctx.changing():
            port, settings = self._settings(options)
            self.ctx.state.update_settings(router_port=port)
            self._remove_stale_builds()
            progress.info("Building source:")
            progress.info("")
            progress.step(f"Building on the {HEROKU_STACK.capitalize()} stack")
            progress.step("Determining which buildpack to use for this app")
            result = self.build(source, options.ca_bundle, options.no_cache)
            self.addons.start_all(result.stack, quiet=True)
            release = self._release(result, defer_phase=True)
            self._keep_formation(release)
            phase = release.status == PENDING
            progress.step("Launching...")
            if phase:
                progress.info(RELEASE_DECLARED)
            progress.detail(f"Released v{release.version}")
            progress.detail(f"{web_urls(port)[0]} deployed to Heroku")
            progress.info("")
            progress.info(verified)
            if phase:
                progress.info(RUNNING_RELEASE)
                progress.info("")
                status = self.releases.run_phase(release, progress.info)
                progress.info(WAITING_FOR_RELEASE.format("done" if status == 0 else "failed"))
                release = self.ctx.state.release(release.version) or release
                if status != 0:
                    return release
            self._launch(launcher.ensure(self.ctx.state, settings), release.version, False, options.timeouts)
            self._prune_slugs()
            return release

    def _settings(self, options: UpOptions) -> tuple[int, ManagerSettings]:
        """The router port (the option's, the app's own, else 5006), checked free before a long
        build, and the dyno manager's settings."""
        port = options.port or self.ctx.state.settings().router_port or DEFAULT_ROUTER_PORT
        manager = self.ctx.manager()
        if manager is None or manager.ping().settings.router_port != port:
            launcher.check_port(port)  # before a long build, not after it
        return port, ManagerSettings(port, options.timeouts, options.size, options.cycle_every)

    def _release(self, result: BuildResult, defer_phase: bool = False) -> Release:
        self.ctx.state.update_settings(slug_size=result.compressed_size)
        return self.releases.create(f"Deploy {result.commit[:8] or 'working tree'}", result.slug_image,
                                    result.processes, self.ctx.state.config_vars(), commit=result.commit,
                                    defer_phase=defer_phase)

    def _keep_formation(self, release: Release) -> list[str]:
        """The formation keeps the release's process types (a type gone loses its entry)."""
        types = Procfile(release.processes).formation_types
        kept = formation.kept(self.ctx.state.formation(), types)
        if kept != (self.ctx.state.formation() or {}):
            self.ctx.state.set_formation(kept)
        return types

    def build(self, path: Path | SourceTree, ca_bundle: str | None = None, no_cache: bool = False,
              test: bool = False) -> BuildResult:
        """The slug compiler alone: no release, no dynos touched. `path` is a working tree, or
        a commit's tree (a push)."""
        from herosim.slug.compile import compile_app  # imported when used: every other command starts faster
        with self.ctx.changing():   # `up` removes a killed build's container: never a running one's
            result = compile_app(self.ctx.client, self.ctx.progress, self.ctx.name, path,
                                 ca_bundle=cabundle.find(ca_bundle), no_cache=no_cache, config_vars=self.config.all(),
                                 previous=self.ctx.state.settings().last_build.to_dict(), test=test)
            self.ctx.state.update_settings(last_build=LastBuild(result.python_version, result.deps_inputs))
            return result

    @staticmethod
    def _launch(manager, version: int, unchanged: bool, timeouts: Timeouts) -> None:
        """The formation on `version`; when it is the release already running, crashed dynos
        start again now (no new release restarts them), as `heroku restart` would."""
        wait = timeouts.boot + timeouts.stop + 60
        dynos = manager.deploy(version, timeout=wait)
        if unchanged:
            for dyno in crashed(dynos):
                manager.restart(dyno=dyno, timeout=wait)

    def _unchanged(self, result: BuildResult) -> Release | None:
        return unchanged(self.ctx.state.current_release(), result.slug_image, result.processes,
                         self.ctx.state.config_vars())

    def _say_formation(self, types: list[str]) -> None:
        """The formation the release runs, and how to start a type Heroku leaves at 0."""
        counts = formation.quantities(self.ctx.state.formation(), types)
        sizes = dict(self.ctx.state.settings().sizes)
        if not types:
            return
        self.ctx.progress.detail("Formation: " + formation.listing(counts, types, sizes))
        idle = [t for t in types if counts[t] == 0]
        if idle:
            self.ctx.progress.detail(f"Not running: {', '.join(idle)} (Heroku starts only web on a first deploy; "
                                     f"herosim ps:scale {' '.join(f'{t}=1' for t in idle)})")

    def _remove_stale_builds(self) -> None:
        """Build containers of this app left by a command that was killed (the app's lock says
        no other build of it runs now)."""
        for container in self.ctx.client.containers.list(all=True, filters=labels.of_app(self.ctx.name, ROLE_BUILD)):
            cleanup.container(container)

    def _prune_slugs(self) -> None:
        wanted = {r.slug for r in self.ctx.state.releases()[-SLUGS_KEPT:] if r.slug}
        wanted |= snapshots.kept_slugs(self.ctx.name)   # a snapshot loads its release's slug back
        for image in images.listed(self.ctx.client, labels.of_app(self.ctx.name, ROLE_SLUG)):
            if image.id not in wanted:
                cleanup.quietly(image)
