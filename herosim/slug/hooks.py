"""The build's hooks, as the buildpack runs them: bin/pre_compile first of all (before the
buildpack looks at the app: what it writes counts), then, after the install, Django's
collectstatic and bin/post_compile. Each runs with the config vars exported (sub_env),
its output indented; a failure fails the build with the buildpack's error."""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docker

from herosim.const import LABEL_APP, LABEL_ROLE, ROLE_COMPILE
from herosim.engine.tarball import TarWriter
from herosim.errors import BuildpackError
from herosim.progress import Progress
from herosim.slug import messages
from herosim.slug.step import BuildStep, environment

SLUG_ROOT = "/slug"  # the compiled app ends up at /slug/app, so COPY keeps /app's owner
PRE_COMPILE_FAILED, COLLECTSTATIC_FAILED, POST_COMPILE_FAILED = 72, 73, 74
DISABLED_FILE = ".heroku/collectstatic_disabled"


def manage_py(files: tuple[str, ...]) -> str | None:
    """The shallowest manage.py within 3 directory levels of the root (`find -maxdepth 3`)."""
    found = sorted((f for f in files if f.split("/")[-1] == "manage.py" and f.count("/") <= 2),
                   key=lambda f: (f.count("/"), f))
    return found[0] if found else None


def run_pre_compile(client: docker.DockerClient, printer: Progress, app: str, image: str, root: Path,
                    files: tuple[str, ...], ca_bundle: Path | None, config_vars: dict[str, str],
                    source_version: str = "") -> Path:
    """bin/pre_compile on the app's files; the tree it leaves, in a new folder (the caller removes it)."""
    context = TarWriter()
    for name in files:
        context.add_file(f"app/{name}", root / name)
    script = ('echo "-----> Running bin/pre_compile hook"\nchmod +x bin/pre_compile\n'
              f"sub_env bin/pre_compile || exit {PRE_COMPILE_FAILED}\n"
              f"mkdir -p {SLUG_ROOT} && cd / && mv /app {SLUG_ROOT}/app\n")
    ref = f"herosim-compile/{app}:pre-compile"
    BuildStep(client, printer, app).run(
        image, script, context, environment(ca_bundle), ca_bundle,
        lambda status, lines: BuildpackError(messages.hook_failed("bin/pre_compile"), "hooks::pre_compile"),
        commit_ref=ref, commit_changes=[f"LABEL {LABEL_APP}={app} {LABEL_ROLE}={ROLE_COMPILE}"],
        config_vars=config_vars, source_version=source_version)
    return _export(client, ref)


def _export(client: docker.DockerClient, image: str) -> Path:
    """The /slug/app tree of an image, copied into a new folder on this machine."""
    from herosim.engine import cleanup, labels
    target = Path(tempfile.mkdtemp(prefix="herosim-precompiled-"))
    container = client.containers.create(image, ["true"], entrypoint=[], labels=labels.for_tool("build"))
    try:
        stream, _ = container.get_archive(f"{SLUG_ROOT}/app")
        buffer = io.BytesIO(b"".join(stream))
        with tarfile.open(fileobj=buffer) as archive:
            archive.extractall(target, filter="tar")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        cleanup.container(container)
    return target / "app"


@dataclass(frozen=True)
class CompilePlan:
    collectstatic: str | None   # manage.py to run collectstatic with
    post_compile: bool

    @property
    def needed(self) -> bool:
        return bool(self.collectstatic or self.post_compile)


def plan(printer: Progress, files: tuple[str, ...], django: bool, config_vars: dict[str, str]) -> CompilePlan:
    """Decide (and say, in the buildpack's words) whether collectstatic runs."""
    collectstatic = None
    if DISABLED_FILE in files:
        printer.step(f"Skipping Django collectstatic since the file '{DISABLED_FILE}' exists.")
        printer.block(messages.collectstatic_disabled_file())
    elif config_vars.get("DISABLE_COLLECTSTATIC", "0") != "0":
        printer.step("Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set.")
    elif django:
        collectstatic = manage_py(files)
        if collectstatic is None:
            printer.step("Skipping Django collectstatic since no manage.py file found.")
    return CompilePlan(collectstatic=collectstatic, post_compile="bin/post_compile" in files)


def script(compile_plan: CompilePlan, exports: list[str]) -> str:
    """collectstatic and bin/post_compile, with what the package manager's step exported."""
    lines = list(exports)
    if compile_plan.collectstatic:
        manage = compile_plan.collectstatic
        lines += [f'echo "-----> \\$ python {manage} collectstatic --noinput"',
                  'export PYTHONPATH="${PYTHONPATH:-.}"',
                  f"sub_env python {manage} collectstatic --noinput --traceback && status=0 || status=$?",
                  "echo",
                  f'[ "$status" = 0 ] || exit {COLLECTSTATIC_FAILED}']
    if compile_plan.post_compile:
        lines += ['echo "-----> Running bin/post_compile hook"', "chmod +x bin/post_compile",
                  f"sub_env bin/post_compile || exit {POST_COMPILE_FAILED}"]
    lines += [f"mkdir -p {SLUG_ROOT}", "cd /", f"mv /app {SLUG_ROOT}/app"]
    return "\n".join(lines) + "\n"


def run(client: docker.DockerClient, printer: Progress, app: str, deps_ref: str, compile_plan: CompilePlan,
        root: Path, files: tuple[str, ...], ca_bundle: Path | None, config_vars: dict[str, str],
        exports: list[str], source_version: str = "") -> str:
    """The compiled app as an image (`herosim-compile/<app>`), its tree at /slug/app."""
    context = TarWriter()
    for name in files:
        context.add_file(f"app/{name}", root / name)

    def failure(status: int, lines: list[str]) -> BuildpackError:
        if status == COLLECTSTATIC_FAILED:
            return BuildpackError(messages.collectstatic_failed(compile_plan.collectstatic), "collectstatic")
        return BuildpackError(messages.hook_failed("bin/post_compile"), "hooks::post_compile")

    ref = f"herosim-compile/{app}:latest"
    BuildStep(client, printer, app).run(
        deps_ref, script(compile_plan, exports), context, environment(ca_bundle), ca_bundle, failure,
        commit_ref=ref, commit_changes=[f"LABEL {LABEL_APP}={app} {LABEL_ROLE}={ROLE_COMPILE}"],
        config_vars=config_vars, source_version=source_version)
    return ref
