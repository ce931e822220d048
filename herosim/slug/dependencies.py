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
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import docker

from herosim.const import (LABEL_APP, LABEL_DEPS_INPUTS, LABEL_DEPS_KEY, LABEL_PYTHON, LABEL_ROLE, LABEL_STACK,
                           ROLE_DEPS)
from herosim.engine import cleanup, images, labels
from herosim.engine.stack import Stack
from herosim.engine.tarball import TarWriter
from herosim.errors import BuildpackError
from herosim.progress import Progress
from herosim.slug import installers, messages, tools, volumes, wheels
from herosim.slug.buildpack import TOOL_NAMES, TOOL_VERSIONS
from herosim.slug.source import inside
from herosim.slug.step import BuildStep, Transcript, environment

LABEL_FRESH = "io.herosim.deps.transcript"     # what the install printed
LABEL_RERUN = "io.herosim.deps.rerun"          # what a rebuild with this cache prints
LABEL_DJANGO = "io.herosim.deps.django"        # django is importable (collectstatic runs)
LAYERS_KEPT = 2


@dataclass(frozen=True)
class DepsInputs:
    stack: str
    build_image: str
    python: str
    package_manager: str
    tool_version: str
    files_sha256: str        # every dependency file
    manifest_sha256: str     # requirements.txt (pip) or Pipfile.lock (pipenv): the buildpack compares these
    test: bool = False       # Heroku CI's test-compile
    install_env_sha256: str = ""   # the config vars the install reads (install_env_sha256)

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    def discard_reasons(self, previous: "DepsInputs") -> list[str]:
        """Why the previous build's cache cannot be used, in the buildpack's words and order."""
        reasons = []
        if previous.stack != self.stack or previous.build_image != self.build_image:
            reasons.append(f"The stack has changed from {previous.stack} to {self.stack}")
        if previous.python != self.python:
            reasons.append(f"The Python version has changed from {previous.python} to {self.python}")
        if previous.package_manager != self.package_manager:
            reasons.append(f"The package manager has changed from {previous.package_manager} to {self.package_manager}")
        else:
            name = TOOL_NAMES[self.package_manager]
            if previous.tool_version != self.tool_version:
                reasons.append(f"The {name} version has changed from {previous.tool_version} to {self.tool_version}")
            if self.package_manager in ("pip", "pipenv") and previous.manifest_sha256 != self.manifest_sha256:
                manifest = "requirements.txt" if self.package_manager == "pip" else "Pipfile.lock"
                reasons.append(f"The contents of {manifest} changed")
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


def dependency_files(manager: str, root: Path, all_files: tuple[str, ...]) -> list[str]:
    """The files the install reads. Local path requirements need the whole tree."""
    if manager == "pip":
        text = (root / "requirements.txt").read_text(errors="replace") if inside(root, "requirements.txt") else ""
        if _needs_source(text):
            return list(all_files)
        return sorted(f for f in all_files if f.endswith(".txt") and
                      (f.startswith(("requirements", "constraints")) or "/requirements" in f))
    companions = {"pipenv": ["Pipfile", "Pipfile.lock"], "poetry": ["pyproject.toml", "poetry.lock"],
                  "uv": ["pyproject.toml", "uv.lock", ".python-version"]}[manager]
    return [f for f in companions if f in all_files]


def _needs_source(requirements: str) -> bool:
    for raw in requirements.splitlines():
        line = raw.strip()
        if line.startswith(("-e .", "-e ./", ".", "/", "file:", "--editable .", "-e file:")):
            return True
    return False


INSTALL_CONFIG_VARS = {"pip": ("PIP_EXTRA_INDEX_URL",), "pipenv": ("PIP_EXTRA_INDEX_URL",)}  # what the install reads


def install_env_sha256(app: str, manager: str, config_vars: dict[str, str]) -> str:
    """The config vars the install reads (lib/pip.sh, lib/pipenv.sh: PIP_EXTRA_INDEX_URL), as a
    digest salted with the app's name: part of the layer's key, never the values themselves."""
    read = {name: config_vars[name] for name in INSTALL_CONFIG_VARS.get(manager, ()) if name in config_vars}
    if not read:
        return ""
    return hashlib.sha256(json.dumps([app, read], sort_keys=True).encode()).hexdigest()


class DependencyLayer:
    """Builds, restores or reuses the `deps` image of one app. Only the app's own layers are
    ever used: as on Heroku, an app's build cache is its own, and another app's layer with the
    same inputs may still differ (a later index, an older restored cache, what its install ran)."""

    def __init__(self, client: docker.DockerClient, printer: Progress, app: str):
        self.client = client
        self.printer = printer
        self.app = app

    def ensure(self, stack: Stack, manager: str, python_full: str, root: Path, files: tuple[str, ...],
               ca_bundle: Path | None, *, previous: dict | None = None, no_cache: bool = False,
               config_vars: dict[str, str] | None = None, test: bool = False, source_version: str = "") -> Layer:
        config_vars = config_vars or {}
        wanted = dependency_files(manager, root, files)
        manifest = {"pip": "requirements.txt", "pipenv": "Pipfile.lock"}.get(manager)
        inputs = DepsInputs(stack=stack.name, build_image=images.image_id(self.client, stack.build_image),
                            python=python_full, package_manager=manager, tool_version=TOOL_VERSIONS[manager],
                            files_sha256=_hash_files(root, wanted),
                            manifest_sha256=_hash_files(root, [manifest] if manifest in files else []), test=test,
                            install_env_sha256=install_env_sha256(self.app, manager, config_vars))
        ref = f"herosim-deps/{self.app}:{inputs.key}"
        cache = self._restored(None if no_cache else DepsInputs.load(previous), inputs)
        install = installers.Install(
            manager, stack.python, python_full, fresh=cache is None, test=test,
            test_requirements=manager == "pip" and test and installers.TEST_REQUIREMENTS in files
            and inside(root, installers.TEST_REQUIREMENTS))
        if manager in installers.SHARED_TOOLS:   # the install needs it, and so do the hooks (on PATH)
            install = replace(install, tool_home=self._tool(stack, install, ca_bundle))
        if not no_cache and images.exists(self.client, ref):
            return self._replay(ref, inputs, install)
        context = TarWriter()
        for name in wanted:
            context.add_file(f"app/{name}", root / name)
        mounts = volumes.mounts(manager, app_cache=volumes.ensure_app_cache(self.client, self.app))
        transcript = BuildStep(self.client, self.printer, self.app).run(
            cache or self._base(stack, install, ca_bundle), installers.script(install), context,
            environment(ca_bundle, test), ca_bundle,
            lambda status, lines: self._failure(status, lines, manager, stack.python_version, ca_bundle),
            commit_ref=ref, commit_changes=lambda t: [self._labels(inputs, stack, t)], config_vars=config_vars,
            source_version=source_version, mounts=mounts)
        self._prune(keep=ref)
        return Layer(ref, inputs, django=installers.DJANGO in transcript.quiet, tool_home=install.tool_home)

    def _restored(self, before: DepsInputs | None, inputs: DepsInputs) -> str | None:
        """The app's previous layer when the buildpack would restore it (and say so), else None
        (with the buildpack's reasons when it had one)."""
        cache = f"herosim-deps/{self.app}:{before.key}" if before else None
        if cache is None or not images.exists(self.client, cache):
            return None
        reasons = before.discard_reasons(inputs)
        if reasons:
            self.printer.step("Discarding cache since:")
            for reason in reasons:
                self.printer.detail("- " + reason)
            return None
        self.printer.step("Restoring cache")
        return cache

    def _tool(self, stack: Stack, install: installers.Install, ca_bundle: Path | None) -> str:
        """uv or Poetry, from herosim's tool step."""
        return self._prepared(install, lambda: tools.ensure(self.client, stack, install.manager, ca_bundle))

    def _base(self, stack: Stack, install: installers.Install, ca_bundle: Path | None) -> str:
        """The image a fresh install starts from (tools.base)."""
        return self._prepared(install, lambda: tools.base(self.client, stack, install.manager, ca_bundle))

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
            raise BuildpackError(messages.tool_install_failed(TOOL_NAMES[install.manager]),
                                 f"install-package-manager::{install.manager}") from None

    # -- reuse --------------------------------------------------------------------------------
    def _replay(self, ref: str, inputs: DepsInputs, install: installers.Install) -> Layer:
        """Show what Heroku's build prints for this cache, from the layer's own record."""
        found = self.client.images.get(ref).labels
        if not install.fresh:
            for line in installers.opening(install):
                self.printer.step(line)
            shown = " ".join(installers.install_commands(install.manager, install.test, install.test_requirements))
            self.printer.step(f"Installing dependencies using '{shown}'")
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
    def _failure(status: int, lines: list[str], manager: str, python: str, ca_bundle: Path | None) -> BuildpackError:
        tool = TOOL_NAMES[manager]
        if status == installers.TOOL_FAILED:
            return BuildpackError(messages.tool_install_failed(tool), f"install-package-manager::{manager}")
        error = BuildpackError(messages.install_failed(tool), f"install-dependencies::{manager}")
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
