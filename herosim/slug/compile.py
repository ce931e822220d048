"""`bin/compile` for herosim: the build as the buildpack's named phases, in its order, each
one call. The buildpack release it follows is slug/buildpack.py."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import docker
from dotenv import dotenv_values

from herosim.const import ROLE_BUILD
from herosim.engine import cleanup, labels, resolution
from herosim.engine import stack as stack_mod
from herosim.engine.client import translated
from herosim.engine.memo import remembered
from herosim.errors import BuildError
from herosim.platform import procfile as procfile_mod
from herosim.progress import Progress
from herosim.slug import detect, hooks, messages, pyversion, slugignore
from herosim.slug import image as slug
from herosim.slug import size as slugsize
from herosim.slug.buildpack import DEFAULT_MAJOR
from herosim.slug.context import BuildContext, Target
from herosim.slug.dependencies import DependencyLayer
from herosim.slug.source import SourceTree, collect, from_folder, inside, readable


@dataclass(frozen=True)
class BuildResult:
    slug_image: str
    stack: stack_mod.Stack
    python_version: str
    processes: dict[str, str]
    commit: str
    dependencies: frozenset[str]
    compressed_size: int
    deps_inputs: dict


def compile_app(client: docker.DockerClient, printer: Progress, app: str, root: Path | SourceTree, *,
                ca_bundle: Path | None = None, no_cache: bool = False, config_vars: dict[str, str] | None = None,
                previous: dict | None = None, test: bool = False) -> BuildResult:
    """bin/compile. `previous` describes the app's last build (its Python sticks when the app
    pins none; its layer is the build cache). `test` is Heroku CI's test-compile. `root` is a
    working tree (the files git tracks in it), or a SourceTree already made (a pushed commit's)."""
    previous = previous or {}
    source = slugignore.apply(root if isinstance(root, SourceTree) else collect(root))
    warn_untracked(printer, source)
    detect.check_detected(set(source.files))
    printer.step("Python app detected")
    ctx = BuildContext(client, printer, app, source, ca_bundle=ca_bundle, config_vars=dict(config_vars or {}),
                       test=test, no_cache=no_cache)
    precompiled = None
    try:
        if "bin/pre_compile" in source.files:
            hook_stack = resolution.resolve(client, printer, DEFAULT_MAJOR, kinds=("build",))
            precompiled = hooks.run_pre_compile(ctx, hook_stack.build_image)
            ctx = ctx.with_source(from_folder(precompiled, source))
        return _compile(ctx, previous)
    finally:
        if precompiled is not None:
            shutil.rmtree(precompiled.parent, ignore_errors=True)


def _compile(ctx: BuildContext, previous: dict) -> BuildResult:
    printer, source = ctx.printer, ctx.source
    target = resolve_target(ctx, previous.get("python"))
    layer = DependencyLayer(ctx).ensure(target, previous.get("deps"))
    compile_plan = hooks.plan(printer, source.files, layer.django, ctx.config_vars, ctx.test)
    compile_ref = hooks.run(ctx, target, layer, compile_plan) if compile_plan.needed else None
    printer.step("Saving cache")
    if not target.manager.recommended:
        printer.block(messages.uv_notice())
    files = readable(source)
    processes = read_procfile(_text_reader(source, files), files).processes
    with ThreadPoolExecutor(max_workers=1) as pool:  # measured while the slug image builds
        measuring = pool.submit(measure_slug, ctx.client, layer.ref, compile_ref, source)
        printer.step("Discovering process types")
        printer.detail("Procfile declares types -> " + (", ".join(processes) or "(none)"))
        warn_dotenv(printer, source.root, ctx.config_vars)
        image = slug.build(ctx, target, layer.ref, processes, compile_ref=compile_ref)
        size = measuring.result()
    printer.step("Compressing...")
    printer.detail(f"Done: {slugsize.human(size)}")
    slugsize.check(size, printer)
    return BuildResult(slug_image=image, stack=target.stack, python_version=target.python, processes=processes,
                       commit=source.source_version,
                       dependencies=detect.dependencies(target.manager, _text_reader(source, files)),
                       compressed_size=size, deps_inputs=asdict(layer.inputs))


def resolve_target(ctx: BuildContext, last_python: str | None) -> Target:
    """The buildpack's checks on the source, the package manager, the Python version (said,
    with its warnings) and the stack that carries it."""
    files = readable(ctx.source)
    detect.check_python_dir(set(ctx.source.files))
    manager = detect.package_manager(files)
    detect.check_venv(set(ctx.source.files))
    request = pyversion.requested(_bytes_reader(ctx.source, files), manager, last_python)
    ctx.printer.step(pyversion.announcement(request))
    resolved = pyversion.resolve(request)
    for block in pyversion.warnings(request, resolved, manager):
        ctx.printer.block(block)
    stack = resolution.resolve(ctx.client, ctx.printer, request.major)
    python_full = python_version_of(ctx.client, stack)
    check_patch(request, python_full, stack)
    return Target(stack, python_full, manager)


def measure_slug(client: docker.DockerClient, deps_ref: str, compile_ref: str | None, source: SourceTree) -> int:
    if compile_ref:
        return slugsize.compressed_path(client, compile_ref, hooks.SLUG_ROOT, cache=False)
    return (slugsize.compressed_path(client, deps_ref, "/app/.heroku")
            + slugsize.compressed_files(source.root, source.files))


def read_procfile(read, files: set[str]) -> procfile_mod.Procfile:
    """The Procfile; none is fine (Heroku builds it and declares no process types)."""
    if "Procfile" not in files:
        return procfile_mod.Procfile({})
    return procfile_mod.parse(read("Procfile") or "")


def check_patch(request: pyversion.Requested, python_full: str, stack: stack_mod.Stack) -> None:
    """An exact patch the stack does not carry: the official image of it exists online; offline,
    Debian has one patch per Python."""
    if request.version.count(".") == 2 and request.version != python_full:
        raise BuildError(
            f"Python {request.version} is requested in {request.origin}, and herosim's offline stack "
            f"{stack.name} carries Python {python_full} (Heroku would install {request.version})",
            hint=f"request the major version ({request.major}) so any patch will do, "
                 "or go online (unset HEROSIM_OFFLINE) for the official image of that patch")


def python_version_of(client: docker.DockerClient, stack: stack_mod.Stack) -> str:
    """The exact version of the stack's Python, remembered per image id."""
    def ask() -> str:
        with translated(f"asking {stack.build_image} for its Python version"):
            container = client.containers.create(
                stack.build_image, [stack.python, "-c", "import platform; print(platform.python_version())"],
                labels=labels.for_tool(ROLE_BUILD))
            try:
                container.start()
                container.wait()
                return container.logs(stdout=True, stderr=False).decode().strip()
            finally:
                cleanup.container(container)
    image_id = client.images.get(stack.build_image).id
    return remembered("python-versions", f"{image_id}:{stack.python}", ask)


def warn_untracked(printer: Progress, source: SourceTree) -> None:
    if source.untracked:
        shown = list(source.untracked[:20])
        more = len(source.untracked) - len(shown)
        printer.warn("These files are not tracked by git and are left out of the slug,",
                     "as `git push heroku` would leave them out:",
                     *[f"  {name}" for name in shown],
                     *([f"  … and {more} more"] if more > 0 else []),
                     "Run `git add` on the ones the app needs.")


def warn_dotenv(printer: Progress, root: Path, config_vars: Mapping[str, str]) -> None:
    """The keys of the app's .env that are not config vars (a .env linked to a file elsewhere
    is none of the app's: never read)."""
    if not inside(root, ".env"):
        return
    missing = sorted(k for k in dotenv_values(root / ".env") if k not in config_vars)
    if missing:
        printer.warn(".env is not loaded on Heroku, and these keys in it are not config vars:",
                     "  " + ", ".join(missing),
                     "Set the ones the app needs: herosim config:set KEY=value")


def _text_reader(source: SourceTree, files: set[str]):
    def read(name: str) -> str | None:
        if name not in files:
            return None
        try:
            return (source.root / name).read_text(errors="replace")
        except (FileNotFoundError, IsADirectoryError):
            return None
    return read


def _bytes_reader(source: SourceTree, files: set[str]):
    def read(name: str) -> bytes | None:
        if name not in files:
            return None
        try:
            return (source.root / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
    return read
