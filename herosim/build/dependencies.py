"""The dependency layer: installs into /app/.heroku/python in a build container.

The result is committed as a `deps` image keyed by what the install depends on
(stack, Python, package manager, dependency files), so a code-only change
reuses it and a changed input says why the cache was discarded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import docker

from herosim import images
from herosim.build import cabundle
from herosim.build.detect import BuildPlan
from herosim.const import (LABEL_APP, LABEL_DEPS_INPUTS, LABEL_DEPS_KEY, LABEL_PYTHON, LABEL_ROLE,
                           LABEL_STACK, ROLE_BUILD, ROLE_CACHE, ROLE_DEPS)
from herosim.docker_client import translated
from herosim.errors import BuildError
from herosim.output import Printer
from herosim.stack import Stack
from herosim.tarball import TarWriter

CACHE_VOLUME = "herosim-package-cache"
CACHE_MOUNT = "/var/cache/herosim"
VENV = "/app/.heroku/python"


@dataclass(frozen=True)
class DepsInputs:
    stack: str
    build_image: str
    python: str
    package_manager: str
    files_sha256: str

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    def discard_reasons(self, previous: "DepsInputs") -> list[str]:
        """Why a previous cache cannot be used, in the buildpack's words."""
        reasons = []
        if previous.stack != self.stack or previous.build_image != self.build_image:
            reasons.append(f"The stack has changed from {previous.stack} to {self.stack}")
        if previous.python != self.python:
            reasons.append(f"The Python version has changed from {previous.python} to {self.python}")
        if previous.package_manager != self.package_manager:
            reasons.append(f"The package manager has changed from {previous.package_manager} "
                           f"to {self.package_manager}")
        if previous.files_sha256 != self.files_sha256 and not reasons:
            reasons.append(f"The contents of the {_dep_file_word(self.package_manager)} changed")
        return reasons


def _dep_file_word(manager: str) -> str:
    return {"pip": "requirements.txt file", "pipenv": "Pipfile.lock file",
            "poetry": "poetry.lock file", "uv": "uv.lock file"}.get(manager, "dependency files")


def dependency_files(plan: BuildPlan, root: Path, all_files: tuple[str, ...]) -> list[str]:
    """The files the install reads. Local path requirements need the whole tree."""
    if plan.package_manager == "pip":
        text = (root / plan.dependency_file).read_text(errors="replace")
        if _needs_source(text):
            return list(all_files)
        wanted = {plan.dependency_file}
        wanted |= {f for f in all_files if f.endswith(".txt") and
                   (f.startswith("requirements") or f.startswith("constraints") or "/requirements" in f)}
        return sorted(wanted)
    companions = {"pipenv": ["Pipfile", "Pipfile.lock"], "poetry": ["pyproject.toml", "poetry.lock"],
                  "uv": ["pyproject.toml", "uv.lock", ".python-version"]}[plan.package_manager]
    return [f for f in companions if f in all_files]


def _needs_source(requirements: str) -> bool:
    for raw in requirements.splitlines():
        line = raw.strip()
        if line.startswith(("-e .", "-e ./", ".", "/", "file:", "--editable .", "-e file:")):
            return True
    return False


def install_script(manager: str, dependency_file: str) -> str:
    """The commands the buildpack runs for each package manager, with /app as the build dir."""
    create = f"[ -x {VENV}/bin/python ] || python3 -m venv {VENV}"
    common = (
        "set -eo pipefail\n"
        "trap 'rm -rf /tmp/herosim-ca' EXIT\n"
        "cd /app\n"
        f"{create}\n"
        f"export PATH={VENV}/bin:$PATH VIRTUAL_ENV={VENV}\n"
    )
    if manager == "pip":
        return common + (
            f"pip install --no-input --progress-bar off -r {dependency_file}\n"
        )
    if manager == "uv":
        return common + (
            "pip install --no-input --progress-bar off uv\n"
            f"UV_PROJECT_ENVIRONMENT={VENV} UV_PYTHON_DOWNLOADS=never uv sync --locked --no-dev "
            "--no-install-project --python " + f"{VENV}/bin/python\n"
            "pip uninstall -y -q uv\n"
        )
    if manager == "poetry":
        return common + (
            "python3 -m venv /tmp/poetry && /tmp/poetry/bin/pip install --no-input --progress-bar off -q poetry\n"
            "/tmp/poetry/bin/poetry config virtualenvs.create false\n"
            "/tmp/poetry/bin/poetry install --sync --only main --no-interaction --no-root\n"
        )
    if manager == "pipenv":
        return common + (
            "python3 -m venv /tmp/pipenv && /tmp/pipenv/bin/pip install --no-input --progress-bar off -q pipenv\n"
            f"PIPENV_VENV_IN_PROJECT=0 VIRTUAL_ENV={VENV} /tmp/pipenv/bin/pipenv install --deploy --system\n"
        )
    raise BuildError(f"Unsupported package manager {manager}", hint="use requirements.txt")


class DependencyLayer:
    """Builds or reuses the `deps` image for one app."""

    def __init__(self, client: docker.DockerClient, printer: Printer, app: str):
        self.client = client
        self.printer = printer
        self.app = app

    def _images(self, key: str | None = None):
        labels = [f"{LABEL_APP}={self.app}", f"{LABEL_ROLE}={ROLE_DEPS}"]
        if key:
            labels.append(f"{LABEL_DEPS_KEY}={key}")
        return self.client.images.list(filters={"label": labels})

    def ensure(self, stack: Stack, plan: BuildPlan, python_full: str, root: Path,
               files: tuple[str, ...], ca_bundle: Path | None, no_cache: bool = False) -> str:
        wanted = dependency_files(plan, root, files)
        inputs = DepsInputs(
            stack=stack.name,
            build_image=images.image_id(self.client, stack.build_image),
            python=python_full,
            package_manager=plan.package_manager,
            files_sha256=_hash_files(root, wanted),
        )
        ref = f"herosim-deps/{self.app}:{inputs.key}"
        label = f"Installing requirements with {plan.package_manager}" if plan.package_manager == "pip" \
            else f"Installing dependencies using '{_tool_label(plan.package_manager)}'"
        if not no_cache:
            cached = self._cached(inputs.key, ref)
            if cached:
                self.printer.step(label)
                self.printer.detail(f"Restoring cache: {plan.dependency_file} and Python {python_full} unchanged; "
                                    "dependencies reused")
                return cached
        previous = self._latest_inputs()
        if no_cache:
            self.printer.step("Discarding cache since: --no-cache was given")
        elif previous:
            reasons = inputs.discard_reasons(previous)
            if reasons:
                self.printer.step("Discarding cache since:")
                for reason in reasons:
                    self.printer.detail("- " + reason)
        self.printer.step(label)
        self._install(stack, plan, root, wanted, inputs, ref, ca_bundle)
        return ref

    def _cached(self, key: str, ref: str) -> str | None:
        """This app's layer for `key`, else another app's with the very same inputs."""
        if self._images(key):
            return ref
        for image in self.client.images.list(filters={"label": [f"{LABEL_ROLE}={ROLE_DEPS}",
                                                                 f"{LABEL_DEPS_KEY}={key}"]}):
            if image.tags:
                return image.tags[0]
        return None

    def _latest_inputs(self) -> DepsInputs | None:
        found = sorted(self._images(), key=lambda i: i.attrs.get("Created", ""), reverse=True)
        for image in found:
            try:
                return DepsInputs(**json.loads(image.labels.get(LABEL_DEPS_INPUTS, "")))
            except (TypeError, json.JSONDecodeError):
                continue
        return None

    def _install(self, stack: Stack, plan: BuildPlan, root: Path, wanted: list[str],
                 inputs: DepsInputs, ref: str, ca_bundle: Path | None) -> None:
        context = TarWriter()
        for name in wanted:
            context.add_file(f"app/{name}", root / name)
        if ca_bundle:
            context.add_bytes(cabundle.CONTAINER_PATH.lstrip("/"), ca_bundle.read_bytes())
        environment = {
            "HOME": "/app",
            "LANG": "C.UTF-8",
            "PIP_CACHE_DIR": f"{CACHE_MOUNT}/pip",
            "UV_CACHE_DIR": f"{CACHE_MOUNT}/uv",
            "POETRY_CACHE_DIR": f"{CACHE_MOUNT}/poetry",
            "PIPENV_CACHE_DIR": f"{CACHE_MOUNT}/pipenv",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PYTHONUNBUFFERED": "1",
            **cabundle.build_env(ca_bundle),
        }
        self._ensure_cache_volume()
        container = None
        try:
            with translated("creating the build container"):
                container = self.client.containers.create(
                    stack.build_image, command=["bash", "-c", install_script(plan.package_manager,
                                                                            plan.dependency_file)],
                    environment=environment, working_dir="/app",
                    labels={LABEL_APP: self.app, LABEL_ROLE: ROLE_BUILD},
                    volumes={CACHE_VOLUME: {"bind": CACHE_MOUNT, "mode": "rw"}},
                )
                container.put_archive("/", context.close())
                container.start()
            tail: list[str] = []
            for chunk in container.logs(stream=True, follow=True):
                for line in chunk.decode("utf-8", errors="replace").splitlines():
                    tail = (tail + [line])[-15:]
                    self.printer.detail(line)
            status = container.wait().get("StatusCode", 1)
            if status != 0:
                raise BuildError(
                    f"Dependency installation failed ({plan.package_manager} exited with status {status})",
                    hint=f"fix {plan.dependency_file} (the error is above); the running release is untouched",
                )
            repository, tag = ref.split(":")
            with translated("saving the dependency layer"):
                container.commit(repository=repository, tag=tag, changes=[
                    f"LABEL {LABEL_APP}={self.app} {LABEL_ROLE}={ROLE_DEPS} {LABEL_DEPS_KEY}={inputs.key} "
                    f"{LABEL_STACK}={stack.name} {LABEL_PYTHON}={inputs.python} "
                    f"{LABEL_DEPS_INPUTS}={json.dumps(json.dumps(asdict(inputs)))}",
                ])
        finally:
            if container is not None:
                try:
                    container.remove(force=True)
                except docker.errors.APIError:
                    pass
        self._prune_old(keep=ref)

    def _ensure_cache_volume(self) -> None:
        try:
            self.client.volumes.get(CACHE_VOLUME)
        except docker.errors.NotFound:
            self.client.volumes.create(CACHE_VOLUME, labels={LABEL_ROLE: ROLE_CACHE})

    def _prune_old(self, keep: str, retain: int = 2) -> None:
        """Keep the newest dependency layers (rollback, flip-flopping branches); drop the rest."""
        found = sorted(self._images(), key=lambda i: i.attrs.get("Created", ""), reverse=True)
        for image in found[retain:]:
            if keep in image.tags:
                continue
            try:
                self.client.images.remove(image.id, noprune=False)
            except docker.errors.APIError:
                pass  # still used by a slug image layer or a container: fine


def _tool_label(manager: str) -> str:
    return {"uv": "uv sync", "poetry": "poetry install", "pipenv": "pipenv install"}[manager]


def _hash_files(root: Path, names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode() + b"\0")
        path = root / name
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()
