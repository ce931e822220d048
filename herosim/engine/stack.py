"""The stack: which images builds, dynos and add-ons run on, from one of two sources.

- official: the `python` and `postgres` images from a registry (users online);
- herosim:  images built here from Debian's packages (machines with no registry),
            `herosim/debian:<suite>` from mmdebstrap, then Dockerfiles in docker/.

Both are addressed the same way (image references); only `ensure` differs in
how a missing image is obtained: pulled, or built with visible progress.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from herosim.engine import images
from herosim.engine import resources
from herosim.const import ENV_OFFLINE, LABEL_RECIPE, LABEL_ROLE, LABEL_STACK, ROLE_STACK
from herosim.errors import StackError
from herosim.progress import Progress
from herosim.engine.tarball import TarWriter

OFFICIAL = "official"
HEROSIM = "herosim"
BUILDPACK_DEFAULT_PYTHON = "3.14"


@dataclass(frozen=True)
class Suite:
    name: str
    python: str     # major.minor of Debian's python3
    postgres: str   # major of Debian's postgresql


SUITES = {
    "bullseye": Suite("bullseye", "3.9", "13"),
    "bookworm": Suite("bookworm", "3.11", "15"),
    "trixie": Suite("trixie", "3.13", "17"),
}
DEFAULT_SUITE = "trixie"
OFFICIAL_POSTGRES = "17"
OFFICIAL_ELASTICSEARCH = "elasticsearch:8.15.3"
OFFICIAL_OPENSEARCH = "opensearchproject/opensearch:2.17.1"
ONLINE_LITE_BASE = "python:3.13-slim"


@dataclass(frozen=True)
class Stack:
    name: str            # "herosim-trixie" or "official"
    source: str          # OFFICIAL or HEROSIM
    python_version: str  # major.minor
    build_image: str
    run_image: str
    postgres_image: str
    search_lite_image: str = ""

    def search_image(self, engine: str) -> str:
        """The search add-on's image: herosim's lite engine, or an official one (online)."""
        if engine == "lite":
            return self.search_lite_image
        if engine == "elasticsearch":
            return OFFICIAL_ELASTICSEARCH
        if engine == "opensearch":
            return OFFICIAL_OPENSEARCH
        raise StackError(f"Unknown search engine {engine!r}", hint="use lite, elasticsearch or opensearch")

    @property
    def offline(self) -> bool:
        return self.source == HEROSIM


def official(python_version: str) -> Stack:
    return Stack(name=f"official-python-{python_version}", source=OFFICIAL,
                 python_version=python_version,
                 build_image=f"python:{python_version}", run_image=f"python:{python_version}-slim",
                 postgres_image=f"postgres:{OFFICIAL_POSTGRES}", search_lite_image="herosim/search-lite:official")


def offline(suite: Suite) -> Stack:
    return Stack(name=f"herosim-{suite.name}", source=HEROSIM, python_version=suite.python,
                 build_image=f"herosim/stack-build:{suite.name}",
                 run_image=f"herosim/stack-run:{suite.name}",
                 postgres_image=f"herosim/postgres:{suite.name}",
                 search_lite_image=f"herosim/search-lite:{suite.name}")


def from_name(name: str) -> Stack | None:
    """The stack a slug records in its labels (`herosim-trixie`, `official-python-3.13`)."""
    if name.startswith("herosim-") and name[len("herosim-"):] in SUITES:
        return offline(SUITES[name[len("herosim-"):]])
    if name.startswith("official-python-"):
        return official(name[len("official-python-"):])
    return None


def suite_for_python(version: str | None) -> Suite:
    """The Debian suite whose python3 is `version` (major.minor); None: the default suite."""
    if version is None:
        return SUITES[DEFAULT_SUITE]
    major_minor = ".".join(version.split(".")[:2])
    for suite in SUITES.values():
        if suite.python == major_minor:
            return suite
    available = ", ".join(f"{s.python} ({s.name})" for s in SUITES.values())
    raise StackError(
        f"Python {version} is not available offline; herosim's offline stacks carry Python {available}",
        hint="pin one of those in .python-version, or go online (unset HEROSIM_OFFLINE) for the official images",
    )


def offline_requested() -> bool:
    return os.environ.get(ENV_OFFLINE, "").lower() in ("1", "true", "yes", "on")


def recipe_files(folder: str) -> list[tuple[str, Path]]:
    """(name in the build context, file) for an image: its docker/ folder, and for the
    search engine the engine's own package (searchlite/)."""
    root = resources.docker_dir() / folder
    files = [(str(p.relative_to(root)), p) for p in sorted(root.rglob("*")) if p.is_file()]
    if folder == "search-lite":
        package = resources.searchlite_dir()
        files += [(f"engine/searchlite/{p.name}", p) for p in sorted(package.glob("*.py"))]
    return files


def recipe_digest(folder: str) -> str:
    """A digest of an image's recipe: a changed Dockerfile or engine means a rebuild."""
    digest = hashlib.sha256()
    for name, path in recipe_files(folder):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# Recipes for the images herosim builds itself: ref -> (docker/ folder, base ref).
def _recipe(ref: str) -> tuple[str, str, str] | None:
    repository, _, suite = ref.partition(":")
    folders = {"herosim/stack-build": "stack-build", "herosim/stack-run": "stack-run",
               "herosim/postgres": "postgres", "herosim/search-lite": "search-lite"}
    if repository in folders and suite in SUITES:
        return folders[repository], f"herosim/debian:{suite}", suite
    if repository == "herosim/search-lite" and suite == "official":
        return "search-lite", ONLINE_LITE_BASE, "official"
    return None


class StackImages:
    """Makes sure a stack's images are on the engine."""

    def __init__(self, client: docker.DockerClient, printer: Progress):
        self.client = client
        self.printer = printer

    def ensure(self, ref: str) -> None:
        recipe = _recipe(ref)
        if recipe:
            folder, base, suite = recipe
            digest = recipe_digest(folder)
            current = self._labels(ref)
            if current is not None and current.get(LABEL_RECIPE) == digest:
                return
            self.ensure(base)
            self._build(ref, folder, base, suite, digest, rebuild=current is not None)
        elif images.exists(self.client, ref):
            return
        elif ref.startswith("herosim/debian:"):
            self._bootstrap(ref.partition(":")[2])
        else:
            self.printer.step(f"Pulling {ref}")
            images.pull(self.client, ref, self.printer.detail)

    def _labels(self, ref: str) -> dict | None:
        try:
            return self.client.images.get(ref).labels or {}
        except docker.errors.ImageNotFound:
            return None

    def _build(self, ref: str, folder: str, base: str, suite: str, digest: str, rebuild: bool) -> None:
        why = "its recipe in docker/ changed" if rebuild else "first use on this engine"
        self.printer.step(f"Building stack image {ref} from Debian {suite} packages ({why})")
        context = TarWriter()
        for name, path in recipe_files(folder):
            context.add_file(name, path)
        images.build(self.client, context.close(), ref, self.printer.detail,
                     buildargs={"BASE_IMAGE": base, "SUITE": suite},
                     labels={LABEL_ROLE: ROLE_STACK, LABEL_STACK: f"herosim-{suite}",
                             LABEL_RECIPE: digest}, what=ref)

    def _bootstrap(self, suite: str) -> None:
        """mmdebstrap a minimal Debian and import it: the base of every offline image."""
        if suite not in SUITES:
            raise StackError(f"Unknown Debian suite {suite!r}", hint=f"use one of {', '.join(SUITES)}")
        tool = shutil.which("mmdebstrap")
        if not tool:
            raise StackError(
                "mmdebstrap is needed to build herosim's offline base image and is not installed",
                hint="install it (`apt-get install mmdebstrap`), or go online for the official images",
            )
        ref = f"herosim/debian:{suite}"
        self.printer.step(f"Bootstrapping {ref} with mmdebstrap --variant=minbase {suite}")
        with tempfile.TemporaryDirectory(prefix="herosim-debian-") as tmp:
            tarball = os.path.join(tmp, f"{suite}.tar")
            proc = subprocess.Popen([tool, "--variant=minbase", suite, tarball],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            tail = []
            for line in proc.stdout:
                tail = (tail + [line.rstrip()])[-10:]
                self.printer.detail(line)
            if proc.wait() != 0:
                raise StackError(f"mmdebstrap {suite} failed (exit {proc.returncode})",
                                 hint="it needs root (or unprivileged user namespaces) and Debian's mirror",
                                 details="\n".join(tail))
            self.printer.detail(f"importing {os.path.getsize(tarball) // (1024 * 1024)} MB into the engine")
            with open(tarball, "rb") as handle:
                self.client.api.import_image(
                    src=handle, repository="herosim/debian", tag=suite,
                    changes=[f"LABEL {LABEL_ROLE}={ROLE_STACK} {LABEL_STACK}=herosim-{suite}",
                             'CMD ["bash"]'])


def resolve(client: docker.DockerClient, printer: Progress, python_version: str | None,
            kinds: tuple[str, ...] = ("build", "run")) -> Stack:
    """The stack for an app, its images on the engine: official online, herosim's offline.

    `python_version` is what the app asked for (3.13 or 3.13.5), None for the default."""
    ensure = StackImages(client, printer).ensure
    if not offline_requested():
        stack = official(python_version or BUILDPACK_DEFAULT_PYTHON)
        try:
            for kind in kinds:
                ensure(getattr(stack, f"{kind}_image"))
            return stack
        except images.RegistryUnavailable as exc:
            printer.step(f"No registry answered ({exc.message.split(': ', 1)[-1][:80]}); "
                         "using herosim's offline stack")
    suite = suite_for_python(python_version)
    stack = offline(suite)
    for kind in kinds:
        ensure(getattr(stack, f"{kind}_image"))
    return stack


def build_all(client: docker.DockerClient, printer: Progress, suites: list[str],
              kinds: tuple[str, ...] = ("build", "run", "postgres")) -> list[str]:
    """`herosim stack build`: every offline image for the given suites."""
    refs = []
    for name in suites:
        if name not in SUITES:
            raise StackError(f"Unknown Debian suite {name!r}", hint=f"use one of {', '.join(SUITES)}")
        stack = offline(SUITES[name])
        for kind in kinds:
            ref = getattr(stack, f"{kind}_image")
            StackImages(client, printer).ensure(ref)
            refs.append(ref)
    return refs
