"""`bin/compile` for herosim: the build as named phases, each one call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import docker
from dotenv import dotenv_values

from herosim.platform import procfile as procfile_mod
from herosim.engine import stack as stack_mod
from herosim.const import ROLE_BUILD
from herosim.engine import cleanup, labels
from herosim.engine.memo import remembered
from herosim.slug import detect, hooks, slugignore
from herosim.slug import image as slug
from herosim.slug import size as slugsize
from herosim.slug.dependencies import DependencyLayer
from herosim.slug.source import SourceTree, collect, readable
from herosim.engine.client import translated
from herosim.errors import AppError, BuildError
from herosim.progress import Progress


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


def compile_app(client: docker.DockerClient, printer: Progress, app: str, root: Path,
                ca_bundle: Path | None = None, no_cache: bool = False,
                config_vars: dict[str, str] | None = None, previous: dict | None = None) -> BuildResult:
    """bin/compile: each phase one call, in the buildpack's order. `previous` describes the
    app's last build (its Python sticks when the app pins none; its inputs explain a new install)."""
    previous = previous or {}
    config_vars = config_vars or {}
    source = slugignore.apply(collect(root))
    warn_untracked(printer, source)
    read = _reader(source)
    files = readable(source)
    procfile = read_procfile(read, files, root)
    plan = detect.plan(read, files)
    printer.step("Python app detected")
    layer = DependencyLayer(client, printer, app)
    request = with_cached_version(plan.python, previous.get("python"))
    stack = stack_mod.resolve(client, printer, request.version)
    python_full = python_version_of(client, stack.build_image)
    announce_python(printer, request, stack, python_full)
    check_patch(request, python_full, stack)
    deps_ref, deps_inputs = layer.ensure(stack, plan, python_full, source.root, source.files, ca_bundle,
                                         no_cache=no_cache, config_vars=config_vars, previous=previous.get("deps"))
    compile_plan = hooks.plan(source.files, plan.dependencies, config_vars)
    compile_ref = None
    if compile_plan.needed:
        compile_ref = hooks.run(client, printer, app, deps_ref, compile_plan, source.root, source.files,
                                ca_bundle, config_vars)
    with ThreadPoolExecutor(max_workers=1) as pool:  # measured while the slug image builds
        size = pool.submit(measure_slug, client, deps_ref, compile_ref, source)
        printer.step("Discovering process types")
        printer.detail("Procfile declares types -> " + ", ".join(procfile.processes))
        warn_dotenv(printer, root, config_vars)
        image = slug.build(client, printer, app, stack, deps_ref, source.root, source.files,
                           procfile.processes, python_full, compile_ref=compile_ref)
        size = size.result()
    return BuildResult(slug_image=image, stack=stack, python_version=python_full,
                       processes=procfile.processes, commit=source.commit,
                       dependencies=plan.dependencies, compressed_size=size, deps_inputs=asdict(deps_inputs))


def measure_slug(client: docker.DockerClient, deps_ref: str, compile_ref: str | None, source: SourceTree) -> int:
    if compile_ref:
        return slugsize.compressed_path(client, compile_ref, hooks.SLUG_ROOT, cache=False)
    return (slugsize.compressed_path(client, deps_ref, "/app/.heroku")
            + slugsize.compressed_files(source.root, source.files))


def with_cached_version(request: detect.PythonRequest, previous: str | None) -> detect.PythonRequest:
    """No version asked for: the last build's major version wins over the default (buildpack #4)."""
    if request.version is None and previous:
        return detect.PythonRequest(".".join(previous.split(".")[:2]), "cached")
    return request


def read_procfile(read, files: set[str], root: Path) -> procfile_mod.Procfile:
    if "Procfile" not in files:
        others = sorted(f for f in files if f.lower().startswith("procfile"))
        if (root / "Procfile").exists():
            raise AppError("Procfile exists but git does not track it, so it would not be deployed",
                           hint="`git add Procfile` (and check .gitignore)")
        raise AppError(
            "No Procfile found in the app's root" + (f" (found {', '.join(others)})" if others else ""),
            hint="create a file named exactly `Procfile` with e.g. `web: gunicorn app:app`",
        )
    return procfile_mod.parse(read("Procfile") or "")


def warn_untracked(printer: Progress, source: SourceTree) -> None:
    if source.untracked:
        shown = list(source.untracked[:20])
        more = len(source.untracked) - len(shown)
        printer.warn("These files are not tracked by git and are left out of the slug,",
                     "as `git push heroku` would leave them out:",
                     *[f"  {name}" for name in shown],
                     *([f"  … and {more} more"] if more > 0 else []),
                     "Run `git add` on the ones the app needs.")


def warn_dotenv(printer: Progress, root: Path, config_vars: dict[str, str]) -> None:
    env_file = root / ".env"
    if not env_file.is_file():
        return
    missing = sorted(k for k in dotenv_values(env_file) if k not in config_vars)
    if missing:
        printer.warn(".env is not loaded on Heroku, and these keys in it are not config vars:",
                     "  " + ", ".join(missing),
                     "Set the ones the app needs: herosim config:set KEY=value")


def announce_python(printer: Progress, request: detect.PythonRequest, stack: stack_mod.Stack,
                    python_full: str) -> None:
    if request.origin == "cached":
        printer.step(f"No Python version was specified. Using the same version as the last build: "
                     f"Python {request.version}")
    elif request.version is None:
        if stack.offline:
            printer.step(f"No Python version was specified. Using the offline stack's default: "
                         f"Python {stack.python_version}")
            printer.detail(f"(the buildpack's default, Python {stack_mod.BUILDPACK_DEFAULT_PYTHON}, "
                           "comes from the official images)")
        else:
            printer.step(f"No Python version was specified. Using the buildpack default: "
                         f"Python {stack.python_version}")
    if request.version is None or request.origin == "cached":
        printer.warn("No Python version was specified.",
                     "Pin one so builds do not change under you, e.g. a .python-version file containing:",
                     f"  {stack.python_version}")
    if request.version is not None and request.origin != "cached":
        printer.step(f"Using Python {request.version} specified in {request.origin}")
        if request.origin == "runtime.txt":
            printer.warn("The runtime.txt file is deprecated.",
                         "Replace it with a .python-version file containing the same version:",
                         f"  {request.version}")
    printer.step(f"Installing Python {python_full} (stack {stack.name})")


def check_patch(request: detect.PythonRequest, python_full: str, stack: stack_mod.Stack) -> None:
    if request.version and request.version.count(".") == 2 and request.version != python_full:
        raise BuildError(
            f"Python {request.version} was requested in {request.origin}, but stack {stack.name} "
            f"provides Python {python_full}",
            hint=f"pin {request.major_minor} (any patch) or {python_full}"
                 + (", or go online for the official image of that patch" if stack.offline else ""),
        )


def python_version_of(client: docker.DockerClient, image: str) -> str:
    """The exact Python in a build image, remembered per image id."""
    def ask() -> str:
        with translated(f"asking {image} for its Python version"):
            container = client.containers.create(
                image, ["python3", "-c", "import platform; print(platform.python_version())"],
                labels=labels.for_tool(ROLE_BUILD))
            try:
                container.start()
                container.wait()
                return container.logs(stdout=True, stderr=False).decode().strip()
            finally:
                cleanup.container(container)
    return remembered("python-versions", client.images.get(image).id, ask)


def _reader(source: SourceTree):
    tracked = readable(source)

    def read(name: str) -> str | None:
        if name not in tracked:
            return None
        try:
            return (source.root / name).read_text(errors="replace")
        except (FileNotFoundError, IsADirectoryError):
            return None
    return read
