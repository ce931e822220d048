"""The dependency layer: installs into /app/.heroku/python in a build container.

The result is committed as a `deps` image keyed by what the install depends on
(stack, Python, package manager, dependency files), so a code-only change
reuses it and a changed input says why the cache was discarded.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import docker

from herosim.engine import images
from herosim.slug.step import BuildStep, environment
from herosim.slug.detect import BuildPlan
from herosim.slug.source import inside
from herosim.const import (LABEL_APP, LABEL_DEPS_INPUTS, LABEL_DEPS_KEY, LABEL_PYTHON, LABEL_ROLE,
                           LABEL_STACK, ROLE_DEPS)
from herosim.errors import BuildError
from herosim.progress import Progress
from herosim.engine.stack import Stack
from herosim.engine.tarball import TarWriter

VENV = "/app/.heroku/python"
PRE_COMPILE = (
    'if [ -f bin/pre_compile ]; then echo "-----> Running pre-compile hook"; chmod +x bin/pre_compile; '
    "sub_env bin/pre_compile; fi\n"
)


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


# uv, kept on the package-cache volume: fetched with pip the first time, reused afterwards.
UV_HOME = "/var/cache/herosim/tools/uv"
ENSURE_UV = f"""\
if [ ! -x {UV_HOME}/bin/uv ]; then
	python3 -m venv /tmp/uv-bootstrap
	/tmp/uv-bootstrap/bin/pip install -q --no-input --progress-bar off --target /tmp/uv-new uv
	mkdir -p /var/cache/herosim/tools && mv -T /tmp/uv-new {UV_HOME} 2>/dev/null || true
	rm -rf /tmp/uv-bootstrap /tmp/uv-new
fi
UV={UV_HOME}/bin/uv
export UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_NO_MANAGED_PYTHON=1
"""


def install_script(manager: str, dependency_file: str) -> str:
    """The commands the buildpack runs for each package manager, with /app as the build dir.
    Tools other than pip live outside /app: needed for the build only, never in the slug.

    requirements.txt goes through `uv pip install` (same file format, ~7x faster here; see
    bench/bench_build.py); whatever uv refuses is retried with pip, whose verdict is Heroku's.
    HEROSIM_INSTALLER=pip uses pip alone."""
    path = f"export PATH={VENV}/bin:$PATH VIRTUAL_ENV={VENV}\n"
    if manager == "pip":
        return ENSURE_UV + f"""\
if [ "${{HEROSIM_INSTALLER:-uv}}" != pip ] && [ -x "$UV" ]; then
	[ -x {VENV}/bin/python ] || "$UV" venv --quiet --seed --python python3 {VENV}
	{path.strip()}
	echo "Using uv pip install (HEROSIM_INSTALLER=pip for pip itself)"
	if ! "$UV" pip install --python {VENV}/bin/python --compile-bytecode -r {dependency_file}; then
		echo "uv could not install these requirements; retrying with pip, as Heroku would"
		pip install --no-input --progress-bar off -r {dependency_file}
	fi
else
	[ -x {VENV}/bin/python ] || python3 -m venv {VENV}
	{path.strip()}
	pip install --no-input --progress-bar off -r {dependency_file}
fi
"""
    create = f"[ -x {VENV}/bin/python ] || python3 -m venv {VENV}\n" + path
    tool = ("python3 -m venv /tmp/tools && /tmp/tools/bin/pip install --no-input --progress-bar off -q {0}\n"
            "echo \"Using $(/tmp/tools/bin/{0} --version | head -n1)\"\n")
    if manager == "uv":
        return create + ENSURE_UV + (
            f'echo "Using $("$UV" --version)"\n'
            f"UV_PROJECT_ENVIRONMENT={VENV} \"$UV\" sync --locked --no-default-groups --compile-bytecode "
            "--no-progress\n"
        )
    if manager == "poetry":
        return create + tool.format("poetry") + (
            "POETRY_VIRTUALENVS_CREATE=false /tmp/tools/bin/poetry sync --only main --compile --no-ansi "
            "--no-interaction\nrm -rf /tmp/tools\n"
        )
    if manager == "pipenv":
        return create + tool.format("pipenv") + (
            "PIPENV_VERBOSITY=-1 /tmp/tools/bin/pipenv install --deploy --system\nrm -rf /tmp/tools\n"
        )
    raise BuildError(f"Unsupported package manager {manager}", hint="use requirements.txt")


class DependencyLayer:
    """Builds or reuses the `deps` image for one app."""

    def __init__(self, client: docker.DockerClient, printer: Progress, app: str):
        self.client = client
        self.printer = printer
        self.app = app

    def _images(self, key: str | None = None):
        labels = [f"{LABEL_APP}={self.app}", f"{LABEL_ROLE}={ROLE_DEPS}"]
        if key:
            labels.append(f"{LABEL_DEPS_KEY}={key}")
        return self.client.images.list(filters={"label": labels})

    def ensure(self, stack: Stack, plan: BuildPlan, python_full: str, root: Path, files: tuple[str, ...],
               ca_bundle: Path | None, no_cache: bool = False, config_vars: dict[str, str] | None = None,
               previous: dict | None = None) -> tuple[str, DepsInputs]:
        """The ref of a `deps` image for these inputs (built when no cached one matches), and the
        inputs. `previous` are the inputs of the app's last build, to say why a cache is discarded."""
        pre_compile = "bin/pre_compile" in files
        # A pre_compile hook runs before the install and may change anything: the whole tree
        # is an input then, and every change reinstalls, as on Heroku.
        wanted = list(files) if pre_compile else dependency_files(plan, root, files)
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
        if not no_cache and not pre_compile:  # a pre_compile hook runs on every build, as on Heroku
            cached = self._cached(inputs.key, ref)
            if cached:
                self.printer.step(label)
                self.printer.detail(f"Restoring cache: {plan.dependency_file} and Python {python_full} unchanged; "
                                    "dependencies reused")
                return cached, inputs
        try:
            previous = DepsInputs(**previous) if previous else None
        except TypeError:
            previous = None
        if no_cache:
            self.printer.step("Discarding cache since: --no-cache was given")
        elif previous:
            reasons = inputs.discard_reasons(previous)
            if reasons:
                self.printer.step("Discarding cache since:")
                for reason in reasons:
                    self.printer.detail("- " + reason)
        if not pre_compile:  # else the hook runs first, and the script announces the install after it
            self.printer.step(label)
        self._install(stack, plan, root, wanted, inputs, ref, ca_bundle, config_vars or {}, pre_compile,
                      label)
        return ref, inputs

    def _cached(self, key: str, ref: str) -> str | None:
        """This app's layer for `key`, else another app's with the very same inputs."""
        if self._images(key):
            return ref
        for image in self.client.images.list(filters={"label": [f"{LABEL_ROLE}={ROLE_DEPS}",
                                                                 f"{LABEL_DEPS_KEY}={key}"]}):
            if image.tags:
                return image.tags[0]
        return None

    def _install(self, stack: Stack, plan: BuildPlan, root: Path, wanted: list[str],
                 inputs: DepsInputs, ref: str, ca_bundle: Path | None, config_vars: dict[str, str],
                 pre_compile: bool, label: str) -> None:
        files = TarWriter()
        for name in wanted:
            files.add_file(f"app/{name}", root / name)
        script = install_script(plan.package_manager, plan.dependency_file)
        if pre_compile:
            script = PRE_COMPILE + f"echo {shlex.quote('-----> ' + label)}\n" + script

        def failure(status: int) -> BuildError:
            return BuildError(
                f"Dependency installation failed ({plan.package_manager} exited with status {status})",
                hint=f"fix {plan.dependency_file} (the error is above); the running release is untouched",
            )

        BuildStep(self.client, self.printer, self.app).run(
            stack.build_image, script, files, environment(ca_bundle), ca_bundle, failure, config_vars=config_vars,
            commit_ref=ref, commit_changes=[
                f"LABEL {LABEL_APP}={self.app} {LABEL_ROLE}={ROLE_DEPS} {LABEL_DEPS_KEY}={inputs.key} "
                f"{LABEL_STACK}={stack.name} {LABEL_PYTHON}={inputs.python} "
                f"{LABEL_DEPS_INPUTS}={json.dumps(json.dumps(asdict(inputs)))}",
            ])
        self._prune_old(keep=ref)

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
    return {"uv": "uv sync --locked --no-default-groups", "poetry": "poetry sync --only main",
            "pipenv": "pipenv install --deploy"}[manager]


def _hash_files(root: Path, names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode() + b"\0")
        path = root / name
        digest.update(path.read_bytes() if inside(root, name) else os.readlink(path).encode()
                      if path.is_symlink() else b"")
        digest.update(b"\0")
    return digest.hexdigest()
