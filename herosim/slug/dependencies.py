"""The dependency layer: /app/.heroku/python, installed in a build container and committed as
a `deps` image keyed by what the install depends on (stack, Python, package manager and its
version, dependency files, the config vars the install reads).

The app's previous layer plays the buildpack's build cache: it is restored, or discarded
with the buildpack's reasons, exactly when Heroku's would be. A layer whose inputs are the
same as now is reused without installing anything; what the install printed (and what a
rebuild with that cache prints) is kept with it and shown again, so the transcript is
Heroku's either way. A fresh install starts from herosim's base image (tools.base), which
holds nothing of any app.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from herosim.const import (
    LABEL_APP,
    LABEL_DEPS_INPUTS,
    LABEL_DEPS_KEY,
    LABEL_PYTHON,
    LABEL_ROLE,
    LABEL_STACK,
    ROLE_DEPS,
)
from herosim.engine import cleanup, images, labels
from herosim.engine.stack import Stack
from herosim.engine.tarball import TarWriter
from herosim.errors import BuildpackError
from herosim.slug import installers, managers, messages, tools, volumes, wheels
from herosim.slug.context import BuildContext, Target
from herosim.slug.managers import PackageManager
from herosim.slug.source import inside
from herosim.slug.step import BuildStep, Transcript

LABEL_FRESH = "io.herosim.deps.transcript"     # what the install printed
LABEL_RERUN = "io.herosim.deps.rerun"          # what a rebuild with this cache prints
LABEL_DJANGO = "io.herosim.deps.django"        # django is importable (collectstatic runs)
LAYERS_KEPT = 2


@dataclass(frozen=True)
class DepsInputs:
    stack: str
    build_image: str
    python: str
    package_manager: str     # the manager's name (the build data's, in the layer's label too)
    tool_version: str
    files_sha256: str        # every dependency file
    manifest_sha256: str     # the manager's manifest (requirements.txt, Pipfile.lock): the buildpack compares it
    test: bool = False       # Heroku CI's test-compile
    install_env_sha256: str = ""   # the config vars the install reads (install_env_sha256)

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    def discard_reasons(self, previous: "DepsInputs") -> list[str]:
        """Why the cache of the build `previous` describes cannot be this build's, in the
        buildpack's words and order (lib/cache.sh: "changed from <cached> to <this build's>")."""
        reasons = []
        if previous.stack != self.stack or previous.build_image != self.build_image:
            reasons.append(f"The stack has changed from {previous.stack} to {self.stack}")
        if previous.python != self.python:
            reasons.append(f"The Python version has changed from {previous.python} to {self.python}")
        if previous.package_manager != self.package_manager:
            reasons.append(f"The package manager has changed from {previous.package_manager} to {self.package_manager}")
        else:
            manager = managers.by_name(self.package_manager)
            if previous.tool_version != self.tool_version:
                reasons.append(f"The {manager.title} version has changed from {previous.tool_version} "
                               f"to {self.tool_version}")
            if manager.manifest and previous.manifest_sha256 != self.manifest_sha256:
                reasons.append(f"The contents of {manager.manifest} changed")
        if previous.test != self.test:
            reasons.append("The build is a Heroku CI test build" if self.test else "The last build was a test build")
        return reasons

    @classmethod
    def load(cls, data: dict | None) -> "DepsInputs | None":
        try:
            return cls(**data) if data else None
        except TypeError:  # written by an older herosim: no cache
            return None


@dataclass(frozen=True)
class Layer:
    ref: str
    inputs: DepsInputs
    django: bool
    tool_home: str = ""      # uv's or Poetry's folder on the tools volume (hooks get it on PATH)


def install_env_sha256(app: str, manager: PackageManager, config_vars: Mapping[str, str]) -> str:
    """The config vars the install reads (lib/pip.sh, lib/pipenv.sh: PIP_EXTRA_INDEX_URL), as a
    digest salted with the app's name: part of the layer's key, never the values themselves."""
    read = {name: config_vars[name] for name in manager.config_vars if name in config_vars}
    if not read:
        return ""
    return hashlib.sha256(json.dumps([app, read], sort_keys=True).encode()).hexdigest()


class DependencyLayer:
    """Builds, restores or reuses the `deps` image of one app. Only the app's own layers are
    ever used: as on Heroku, an app's build cache is its own, and another app's layer with the
    same inputs may still differ (a later index, an older restored cache, what its install ran)."""

    def __init__(self, ctx: BuildContext):
        self.ctx = ctx
        self.client = ctx.client
        self.printer = ctx.printer
        self.app = ctx.app

    def inputs(self, target: Target, wanted: list[str]) -> DepsInputs:
        """What the layer's install depends on, read from the app's files (`wanted`: its
        dependency files)."""
        manager, root, files = target.manager, self.ctx.source.root, self.ctx.source.files
        manifest = [manager.manifest] if manager.manifest and manager.manifest in files else []
        return DepsInputs(stack=target.stack.name, build_image=images.image_id(self.client, target.stack.build_image),
                          python=target.python, package_manager=manager.name, tool_version=manager.version,
                          files_sha256=_hash_files(root, wanted),
                          manifest_sha256=_hash_files(root, manifest), test=self.ctx.test,
                          install_env_sha256=install_env_sha256(self.app, manager, self.ctx.config_vars))

    def ensure(self, target: Target, previous: dict | None = None) -> Layer:
        ctx, manager, stack = self.ctx, target.manager, target.stack
        wanted = manager.dependency_files(ctx.source.root, ctx.source.files)
        inputs = self.inputs(target, wanted)
        ref = f"herosim-deps/{self.app}:{inputs.key}"
        cache = self._restored(None if ctx.no_cache else DepsInputs.load(previous), inputs)
        install = installers.Install(manager, stack.python, target.python, fresh=cache is None, test=ctx.test,
                                     test_requirements=_has_test_file(ctx, manager))
        if manager.on_tools_volume:   # the install needs it, and so do the hooks (on PATH)
            install = replace(install, tool_home=self._tool(stack, install))
        if not ctx.no_cache and images.exists(self.client, ref):
            return self._replay(ref, inputs, install)
        context = TarWriter()
        for name in wanted:
            context.add_file(f"app/{name}", ctx.source.root / name)
        mounts = volumes.mounts(manager, app_cache=volumes.ensure_app_cache(self.client, self.app))
        transcript = BuildStep.of(ctx).run(
            cache or self._base(stack, install), installers.script(install), context,
            lambda status, lines: self._failure(status, lines, manager, stack.python_version, ctx.ca_bundle),
            commit_ref=ref, commit_changes=lambda t: [self._labels(inputs, stack, t)], mounts=mounts)
        self._prune(keep=ref)
        return Layer(ref, inputs, django=installers.DJANGO in transcript.quiet, tool_home=install.tool_home)

    def _restored(self, before: DepsInputs | None, inputs: DepsInputs) -> str | None:
        """The app's previous layer when the buildpack would restore it (and say so), else None
        (with the buildpack's reasons when it had one)."""
        cache = f"herosim-deps/{self.app}:{before.key}" if before else None
        if before is None or cache is None or not images.exists(self.client, cache):
            return None
        reasons = inputs.discard_reasons(before)
        if reasons:
            self.printer.step("Discarding cache since:")
            for reason in reasons:
                self.printer.detail("- " + reason)
            return None
        self.printer.step("Restoring cache")
        return cache

    def _tool(self, stack: Stack, install: installers.Install) -> str:
        """uv or Poetry, from herosim's tool step."""
        return self._prepared(install, lambda: tools.ensure(self.client, stack, install.manager, self.ctx.ca_bundle))

    def _base(self, stack: Stack, install: installers.Install) -> str:
        """The image a fresh install starts from (tools.base)."""
        return self._prepared(install, lambda: tools.base(self.client, stack, install.manager, self.ctx.ca_bundle))

    def _prepared(self, install: installers.Install, prepare):
        """What herosim's own step prepares; when it fails, the build stops where the
        buildpack's would, with its words."""
        try:
            return prepare()
        except tools.ToolInstallFailed as failed:
            for line in installers.opening(install):
                self.printer.step(line)
            for line in failed.lines:
                self.printer.detail(line.removeprefix("       "))
            raise BuildpackError(messages.tool_install_failed(install.manager.title),
                                 f"install-package-manager::{install.manager.name}") from None

    # -- reuse --------------------------------------------------------------------------------
    def _replay(self, ref: str, inputs: DepsInputs, install: installers.Install) -> Layer:
        """Show what Heroku's build prints for this cache, from the layer's own record."""
        found = self.client.images.get(ref).labels
        if not install.fresh:
            for line in installers.opening(install):
                self.printer.step(line)
            self.printer.step(f"Installing dependencies using '{' '.join(install.command)}'")
            lines = json.loads(found.get(LABEL_RERUN, "[]"))
        else:
            lines = json.loads(found.get(LABEL_FRESH, "[]"))
        for line in lines:
            if line.startswith("-----> "):
                self.printer.step(line[len("-----> "):])
            else:
                self.printer.detail(line)
        return Layer(ref, inputs, django=found.get(LABEL_DJANGO) == "1", tool_home=install.tool_home)

    # -- the install --------------------------------------------------------------------------
    def _labels(self, inputs: DepsInputs, stack: Stack, transcript: Transcript) -> str:
        return (f"LABEL {LABEL_APP}={self.app} {LABEL_ROLE}={ROLE_DEPS} {LABEL_DEPS_KEY}={inputs.key} "
                f"{LABEL_STACK}={stack.name} {LABEL_PYTHON}={inputs.python} "
                f"{LABEL_DEPS_INPUTS}={_quoted(json.dumps(asdict(inputs)))} "
                f"{LABEL_FRESH}={_quoted(json.dumps(transcript.lines))} "
                f"{LABEL_RERUN}={_quoted(json.dumps([l for l in transcript.quiet if l != installers.DJANGO]))} "
                f"{LABEL_DJANGO}={'1' if installers.DJANGO in transcript.quiet else '0'}")

    @staticmethod
    def _failure(status: int, lines: list[str], manager: PackageManager, python: str,
                 ca_bundle: Path | None) -> BuildpackError:
        if status == installers.TOOL_FAILED:
            return BuildpackError(messages.tool_install_failed(manager.title),
                                  f"install-package-manager::{manager.name}")
        error = BuildpackError(messages.install_failed(manager.title), f"install-dependencies::{manager.name}")
        fetch = wheels.simple_api(verify=str(ca_bundle) if ca_bundle else True)
        for package, version in wheels.failed_builds(lines).items():
            found = wheels.diagnose(package, version, python, fetch)
            if found:
                error.diagnosis += found.lines()
        return error

    def _prune(self, keep: str) -> None:
        """Keep the newest layers (the cache, rollbacks); drop the rest."""
        found = sorted(images.listed(self.client, labels.of_app(self.app, ROLE_DEPS)),
                       key=lambda i: i.attrs.get("Created", ""), reverse=True)
        for image in found[LAYERS_KEPT:]:
            if keep not in image.tags:
                cleanup.quietly(image)  # still used by a slug image layer: fine


def _has_test_file(ctx: BuildContext, manager: PackageManager) -> bool:
    """A test build of an app with the manager's test file (pip's requirements-test.txt)."""
    name = manager.test_file
    return bool(name) and ctx.test and name in ctx.source.files and inside(ctx.source.root, name)


def _quoted(text: str) -> str:
    """A LABEL value for a Dockerfile-style change line (quoted, with `\\`, `"` and `$`
    escaped: the engine reads it as a Dockerfile does)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'



def _hash_files(root: Path, names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode() + b"\0")
        path = root / name
        digest.update(path.read_bytes() if inside(root, name) else os.readlink(path).encode()
                      if path.is_symlink() else b"")
        digest.update(b"\0")
    return digest.hexdigest()
