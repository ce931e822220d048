"""The build's hooks, as the buildpack runs them: bin/pre_compile first of all (before the
buildpack looks at the app: what it writes counts), then, after the install, Django's
collectstatic and bin/post_compile. Each runs with the config vars exported (sub_env),
its output indented; a failure fails the build with the buildpack's error. The buildpack
writes its build data after each (lib/build_data.sh): a hook that removed the build cache
(or /tmp) fails the build there, with its error."""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import docker

from herosim.const import LABEL_APP, LABEL_ROLE, ROLE_COMPILE
from herosim.engine.tarball import TarWriter
from herosim.errors import BuildError, BuildpackError
from herosim.progress import Progress
from herosim.slug import installers, messages, volumes
from herosim.slug.source import SourceTree
from herosim.slug.step import BUILD_DATA_FILE, BuildStep

if TYPE_CHECKING:
    from herosim.slug.context import BuildContext, Target
    from herosim.slug.dependencies import Layer

SLUG_ROOT = "/slug"  # the compiled app ends up at /slug/app, so COPY keeps /app's owner
PRE_COMPILE_FAILED, COLLECTSTATIC_FAILED, POST_COMPILE_FAILED = 72, 73, 74
BUILD_DATA_MISSING, HOOK_FAILED_AND_BUILD_DATA_MISSING = 75, 76
DISABLED_FILE = ".heroku/collectstatic_disabled"


def manage_py(files: tuple[str, ...]) -> str | None:
    """The shallowest manage.py within 3 directory levels of the root (`find -maxdepth 3`)."""
    found = sorted((f for f in files if f.split("/")[-1] == "manage.py" and f.count("/") <= 2),
                   key=lambda f: (f.count("/"), f))
    return found[0] if found else None


def hook_lines(path: str, failed: int) -> list[str]:
    """hooks::run_hook, then the build data write that follows it."""
    return [f'echo "-----> Running {path} hook"', f"chmod +x {path}",
            f"sub_env {path} && status=0 || status=$?",
            f'[ -f {BUILD_DATA_FILE} ] || '
            f'exit $(( status ? {HOOK_FAILED_AND_BUILD_DATA_MISSING} : {BUILD_DATA_MISSING} ))',
            f'[ "$status" = 0 ] || exit {failed}']


def hook_failure(path: str, status: int) -> BuildpackError:
    """The error of a hook step's exit status (hooks::run_hook; build_data::_set after it)."""
    name = path.removeprefix("bin/")
    if status == BUILD_DATA_MISSING:
        return BuildpackError(messages.build_data_missing(BUILD_DATA_FILE), "build-data::data-file-deleted")
    if status == HOOK_FAILED_AND_BUILD_DATA_MISSING:   # both blocks, as the buildpack prints them
        return BuildpackError(messages.hook_failed(path) + ["", ""] + messages.build_data_missing(BUILD_DATA_FILE),
                              "build-data::data-file-deleted")
    return BuildpackError(messages.hook_failed(path), f"hooks::{name}")


def run_pre_compile(ctx: BuildContext, image: str) -> Path:
    """bin/pre_compile on the app's files, in `image`; the tree it leaves, in a new folder (the
    caller removes it)."""
    context = _app_files(ctx.source)
    script = "\n".join(hook_lines("bin/pre_compile", PRE_COMPILE_FAILED)
                       + [f"mkdir -p {SLUG_ROOT} && cd / && mv /app {SLUG_ROOT}/app"]) + "\n"
    ref = f"herosim-compile/{ctx.app}:pre-compile"
    BuildStep.of(ctx).run(image, script, context, lambda status, lines: hook_failure("bin/pre_compile", status),
                          commit_ref=ref, commit_changes=[f"LABEL {LABEL_APP}={ctx.app} {LABEL_ROLE}={ROLE_COMPILE}"])
    return _export(ctx.client, ref)


def _app_files(source: SourceTree) -> TarWriter:
    context = TarWriter()
    for name in source.files:
        context.add_file(f"app/{name}", source.root / name)
    return context


def hook_output_filter(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """tarfile's "data" filter (nothing written outside the folder or through a link, no
    device, no set-uid bit, no hard link leading out), except that a symbolic link keeps the
    target the hook gave it: in the slug a link is a link, as git deploys one, and herosim
    never reads through one that leads out of the app (source.inside)."""
    if member.issym():
        checked = tarfile.data_filter(member.replace(linkname=".", deep=False), dest)
        return checked.replace(linkname=member.linkname, deep=False)
    return tarfile.data_filter(member, dest)


def _export(client: docker.DockerClient, image: str) -> Path:
    """The /slug/app tree of an image, copied into a new folder on this machine. The hook
    wrote it, so it is unpacked as untrusted data (hook_output_filter)."""
    from herosim.engine import cleanup, labels
    target = Path(tempfile.mkdtemp(prefix="herosim-precompiled-"))
    container = client.containers.create(image, ["true"], entrypoint=[], labels=labels.for_tool("build"))
    try:
        stream, _ = container.get_archive(f"{SLUG_ROOT}/app")
        buffer = io.BytesIO(b"".join(stream))
        with tarfile.open(fileobj=buffer) as archive:
            try:
                archive.extractall(target, filter=hook_output_filter)
            except tarfile.FilterError as exc:
                raise BuildError(f"bin/pre_compile left {exc.tarinfo.name.removeprefix('app/')}, which herosim "
                                 f"will not unpack: {exc}",
                                 hint="make the hook write plain files and links inside the app") from None
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


def plan(printer: Progress, files: tuple[str, ...], django: bool, config_vars: Mapping[str, str],
         test: bool = False) -> CompilePlan:
    """Decide (and say, in the buildpack's words) whether collectstatic runs. A test build
    sets DISABLE_COLLECTSTATIC=1, which a config var of that name overrides (export_env)."""
    disabled = config_vars.get("DISABLE_COLLECTSTATIC", "1" if test else "0")
    collectstatic = None
    if DISABLED_FILE in files:
        printer.step(f"Skipping Django collectstatic since the file '{DISABLED_FILE}' exists.")
        printer.block(messages.collectstatic_disabled_file())
    elif disabled != "0":
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
                  f"[ -f {BUILD_DATA_FILE} ] || exit {BUILD_DATA_MISSING}",
                  f'[ "$status" = 0 ] || exit {COLLECTSTATIC_FAILED}']
    if compile_plan.post_compile:
        lines += hook_lines("bin/post_compile", POST_COMPILE_FAILED)
    lines += [f"mkdir -p {SLUG_ROOT}", "cd /", f"mv /app {SLUG_ROOT}/app"]
    return "\n".join(lines) + "\n"


def run(ctx: BuildContext, target: Target, layer: Layer, compile_plan: CompilePlan) -> str:
    """The compiled app as an image (`herosim-compile/<app>`), its tree at /slug/app: the
    dependency layer with the app's files, collectstatic and bin/post_compile run in it with
    what the package manager's step exported."""
    def failure(status: int, lines: list[str]) -> BuildpackError:
        if status == COLLECTSTATIC_FAILED:
            return BuildpackError(messages.collectstatic_failed(compile_plan.collectstatic or ""), "collectstatic")
        return hook_failure("bin/post_compile", status)

    ref = f"herosim-compile/{ctx.app}:latest"
    exports = installers.exports(target.manager, layer.tool_home)
    BuildStep.of(ctx).run(
        layer.ref, script(compile_plan, exports), _app_files(ctx.source), failure,
        commit_ref=ref, commit_changes=[f"LABEL {LABEL_APP}={ctx.app} {LABEL_ROLE}={ROLE_COMPILE}"],
        mounts=volumes.mounts(target.manager))
    return ref
