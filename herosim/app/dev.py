"""`herosim dev`: the app as `up` runs it, then every saved change on the running dynos.

Releases: each sync is a release, as each push is on Heroku (`Dev sync: app.py` in
`herosim releases`), whose slug is the last full build's with the changed files in one more
layer; its release phase runs, then the dynos restart on it (SIGTERM, the stop timeout), or,
for a process type whose server reloads by itself, keep running with the files copied in and
count as running it. A change the build reads (devchanges.py) is a full build, as a push.
What the current release runs is always a whole state of the tree: a failed release phase or
build leaves the previous release running, and the next save tries again."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from herosim import paths
from herosim.app import devchanges, devreload, devslug, devtree
from herosim.app.deploy import SLUGS_KEPT, UpOptions
from herosim.app.devchanges import BuildFacts, Change
from herosim.const import LABEL_DYNO, LABEL_PROCESS_TYPE, ROLE_DYNO, ROLE_SLUG
from herosim.engine import cleanup, images, labels
from herosim.errors import HerosimError, ManagerNotRunning
from herosim.platform import snapshots
from herosim.platform.releases import Release
from herosim.runtime.dyno import DynoView
from herosim.runtime.plan import CRASHED

SCAN_EVERY = 0.2      # seconds between scans of the tree
SETTLE = 0.05         # a save is done when the tree stays the same this long (editors write in steps)
SETTLE_MAX = 2.0
DEV_LOCK = ".dev.lock"  # held by the app's one `herosim dev` for its whole life


@dataclass(frozen=True)
class Reload:
    """What one round did: the CLI prints it as one line."""
    changes: tuple[Change, ...]
    version: int | None = None
    rebuilt: tuple[str, ...] = ()     # why a full build ran
    synced: tuple[str, ...] = ()      # dynos that took the files without a restart
    restarted: tuple[str, ...] = ()
    crashed: tuple[str, ...] = ()
    reloaders: tuple[str, ...] = ()   # how the synced dynos' servers reload ("gunicorn --reload")
    untracked: tuple[str, ...] = ()   # synced, though a push would leave them out
    seconds: float = 0.0
    error: HerosimError | None = None


class DevSession:
    def __init__(self, app, path: Path, options: UpOptions, tree: devtree.Tree | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 overlay: Callable[..., str] = devslug.overlay, copy_into: Callable[..., None] = devslug.copy_into):
        self.app = app
        self.path = path.resolve()
        self.options = options
        self.tree = tree or devtree.Tree(self.path)
        self.clock, self.sleep = clock, sleep
        self.overlay, self.copy_into = overlay, copy_into
        self.base: str | None = None           # the last full build's slug
        self.baseline: dict[str, str] = {}     # what that slug holds (path -> digest)
        self.running: dict[str, str] = {}      # what the current release holds
        self.wanted: dict[str, str] = {}       # what the tree holds now
        self.untracked: frozenset[str] = frozenset()
        self.stamps: dict = {}
        self.facts = BuildFacts()
        self.needs_build = False
        self.generation = 0                    # bumped at each change of `wanted`
        self.attempted = 0                     # the generation the last round tried
        self._lock_fd: int | None = None

    # -- the full build ---------------------------------------------------------------------
    def start(self) -> Release:
        """`herosim up` of the tree: the first release of the session (one session per app)."""
        self._hold_lock()
        return self._build()

    def _hold_lock(self) -> None:
        paths.private_dir(self.app.state.dir)
        fd = os.open(self.app.state.path(DEV_LOCK), os.O_RDWR | os.O_CREAT, paths.PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise HerosimError(f"herosim dev already runs for {self.app.name}",
                               hint="use that one, or stop it (Ctrl-C) first") from None
        self._lock_fd = fd

    def _build(self) -> Release:
        listing = self.tree.scan()
        self.stamps = self.tree.stamps(listing.files)
        baseline = self.tree.digests(listing.files - listing.untracked)   # what the build will take
        wanted = self.tree.digests(listing.files)
        release = self.app.deployer.up(self.path, self.options)
        self.base, self.baseline, self.running = release.slug, baseline, dict(baseline)
        self.wanted, self.untracked = wanted, listing.untracked
        self.facts = build_facts(self.path, set(listing.files), self.app.config.all())
        self.needs_build = False
        self.generation += 1
        return release

    # -- watching ---------------------------------------------------------------------------
    def poll(self) -> bool:
        """One scan; True when the tree differs from what the current release holds and that
        state was not tried yet."""
        listing = self.tree.scan()
        stamps = self.tree.stamps(listing.files)
        if stamps != self.stamps:
            listing, stamps = self._settled(listing, stamps)
            dirty = {n for n in stamps if stamps[n] != self.stamps.get(n)} | (set(self.stamps) - set(stamps))
            wanted = dict(self.wanted)
            for name in dirty:
                digest = self.tree.digest(name) if name in stamps else None
                if digest is None:
                    wanted.pop(name, None)
                else:
                    wanted[name] = digest
            self.stamps, self.untracked = stamps, listing.untracked
            if wanted != self.wanted:
                self.wanted = wanted
                self.generation += 1
        return self.wanted != self.running and self.generation != self.attempted

    def _settled(self, listing, stamps):
        deadline = self.clock() + SETTLE_MAX
        while self.clock() < deadline:
            self.sleep(SETTLE)
            again = self.tree.scan()
            again_stamps = self.tree.stamps(again.files)
            if again_stamps == stamps:
                break
            listing, stamps = again, again_stamps
        return listing, stamps

    def pending(self) -> list[Change]:
        return devtree.changes(self.running, self.wanted)

    # -- one round --------------------------------------------------------------------------
    def apply(self, announce: Callable[[Reload], None] = lambda r: None) -> Reload:
        """Carry the pending changes to the dynos: a file sync, or the full build."""
        self.attempted = self.generation
        changes = tuple(self.pending())
        plan = devchanges.plan(list(changes), self.facts)
        started = self.clock()
        untracked = tuple(sorted(c.path for c in changes if c.path in self.untracked))
        if plan.needs_build or self.needs_build:
            reasons = plan.rebuild or ("the last full build failed",)
            announce(Reload(changes, rebuilt=reasons))
            try:
                release = self._build()
            except HerosimError as exc:
                self.needs_build = True
                return Reload(changes, rebuilt=reasons, error=exc, seconds=self.clock() - started)
            return Reload(changes, version=release.version, rebuilt=reasons, seconds=self.clock() - started,
                          **self._outcome(self.app.dynos.status(), ()))
        try:
            release, synced, reloaders, dynos = self._sync(changes)
        except HerosimError as exc:
            return Reload(changes, error=exc, untracked=untracked, seconds=self.clock() - started)
        return Reload(changes, version=release.version, reloaders=reloaders, untracked=untracked,
                      seconds=self.clock() - started, **self._outcome(dynos, synced))

    def _sync(self, changes: tuple[Change, ...]):
        """The release of the tree as it is now. Dynos whose server reloads by itself get the
        files first when there is no release phase (they reload while the slug builds); with
        one, after it, as Heroku runs the release command before new code serves."""
        ctx = self.app.ctx
        wanted = dict(self.wanted)
        files = sorted(n for n, d in wanted.items() if self.baseline.get(n) != d)
        removed = sorted(n for n in self.baseline if n not in wanted)
        with ctx.changing():
            current = ctx.state.current_release()
            manager = ctx.manager()
            if current is None or manager is None:
                raise ManagerNotRunning(ctx.name)
            reloaders = self._reloaders(current.processes)
            early = bool(reloaders) and "release" not in current.processes
            synced = self._copy(reloaders, changes) if early else []
            try:
                image = self.overlay(ctx.client, ctx.name, self.base, self.path, files, removed)
                release = self.app.releases.create(f"Dev sync: {devchanges.describe(changes)}", image,
                                                   current.processes, ctx.state.config_vars(), commit=current.commit)
            except BaseException:
                if synced:  # back to what the current release holds: restarted on it
                    manager.restart(process_type=None, timeout=self._wait())
                raise
            if reloaders and not early:
                synced = self._copy(reloaders, changes)
            dynos = (manager.deploy_synced(release.version, synced, timeout=self._wait()) if synced
                     else manager.deploy(release.version, timeout=self._wait()))
        self.running = wanted
        self._prune()
        return release, tuple(synced), tuple(sorted(set(reloaders.values()))), dynos

    def _wait(self) -> float:
        return self.options.timeouts.boot + self.options.timeouts.stop + 60

    def _reloaders(self, processes: dict[str, str]) -> dict[str, str]:
        """Process type -> how its command reloads by itself, for the types whose does."""
        config = self.app.config.all()
        found = {}
        for kind, command in processes.items():
            how = devreload.reloader(command, config, self._read)
            if how and kind != "release":
                found[kind] = how
        return found

    def _copy(self, reloaders: dict[str, str], changes: tuple[Change, ...]) -> list[str]:
        """The round's files into each running dyno whose server reloads by itself."""
        files = [c.path for c in changes if c.kind != devchanges.REMOVED]
        removed = [c.path for c in changes if c.kind == devchanges.REMOVED]
        synced = []
        ctx = self.app.ctx
        record = dict(ctx.state.settings().dev_synced)
        running = ctx.client.containers.list(filters=labels.of_app(ctx.name, ROLE_DYNO))
        for container in running:
            if container.labels.get(LABEL_PROCESS_TYPE) in reloaders:
                self.copy_into(container, self.path, files, removed)
                synced.append(container.labels.get(LABEL_DYNO, ""))
                record[container.id] = tuple(sorted(set(record.get(container.id, ())) | set(files) | set(removed)))
        alive = {c.id for c in running}
        ctx.state.update_settings(dev_synced={k: v for k, v in record.items() if k in alive})
        return synced

    @staticmethod
    def _outcome(dynos: list[DynoView], synced: tuple[str, ...]) -> dict:
        formation = [d for d in dynos if d.type not in ("run", "release")]
        return {"synced": tuple(synced),
                "restarted": tuple(d.name for d in formation if d.name not in synced),
                "crashed": tuple(d.name for d in formation if d.state == CRASHED)}

    def _read(self, name: str) -> str | None:
        try:
            return (self.path / name).read_text(errors="replace")
        except OSError:
            return None

    def _prune(self) -> None:
        """Slugs of the last releases, the base and the snapshots' stay; older dev slugs go
        (one that another still builds on goes later, after it)."""
        ctx = self.app.ctx
        keep = {r.slug for r in ctx.state.releases()[-SLUGS_KEPT:] if r.slug} | {self.base}
        keep |= snapshots.kept_slugs(ctx.name)
        for image in images.listed(ctx.client, labels.of_app(ctx.name, ROLE_SLUG)):
            if image.id not in keep:
                cleanup.quietly(image)

    # -- the loop -----------------------------------------------------------------------------
    def watch(self, report: Callable[[Reload], None], announce: Callable[[Reload], None] = lambda r: None,
              stop: Callable[[], bool] = lambda: False) -> None:
        while not stop():
            if self.poll():
                report(self.apply(announce))
            else:
                self.sleep(SCAN_EVERY)


def build_facts(root: Path, files: set[str], config_vars: dict[str, str]) -> BuildFacts:
    """What the full build does that a sync cannot redo, read from the tree as the build reads it."""
    from herosim.slug import detect, hooks
    try:
        manager = detect.package_manager(files)
    except HerosimError:
        return BuildFacts(hooks=bool({"bin/pre_compile", "bin/post_compile"} & files))

    def read(name: str) -> str | None:
        try:
            return (root / name).read_text(errors="replace") if name in files else None
        except OSError:
            return None

    deps = frozenset(manager.dependency_files(root, tuple(sorted(files))))
    django = "django" in detect.dependencies(manager, read)
    collectstatic = (django and hooks.manage_py(tuple(files)) is not None and hooks.DISABLED_FILE not in files
                     and config_vars.get("DISABLE_COLLECTSTATIC", "0") == "0")
    return BuildFacts(dependency_files=deps, collectstatic=collectstatic,
                      hooks=bool({"bin/pre_compile", "bin/post_compile"} & files))
