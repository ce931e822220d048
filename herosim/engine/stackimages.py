"""Building herosim's own images: the offline stack (`herosim/debian:<suite>` bootstrapped
with mmdebstrap, then docker/stack-build, stack-run, postgres), the lite search engine, and
pulling the official ones. An image whose recipe in docker/ changed is rebuilt."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import docker
import docker.errors

from herosim.const import LABEL_RECIPE, LABEL_ROLE, LABEL_STACK, ROLE_STACK
from herosim.engine import images, resources
from herosim.engine.stack import DEFAULT_SUITE, POSTGRES_SUITES, SUITES, offline
from herosim.errors import StackError
from herosim.progress import Progress
from herosim.engine.tarball import TarWriter


def recipe_files(folder: str) -> list[tuple[str, Path]]:
    """(name in the build context, file) for an image: its docker/ folder, and for the
    search engine the engine's own package (searchlite/)."""
    root = resources.docker_dir() / folder
    files = [(str(p.relative_to(root)), p) for p in sorted(root.rglob("*")) if p.is_file()]
    if folder == "search-lite":
        package = resources.searchlite_dir()
        files += [(f"engine/searchlite/{p.name}", p) for p in sorted(package.glob("*.py"))]
    return files


def recipe_digest(folder: str, suite: str = "") -> str:
    """A digest of an image's recipe (its files and the Pythons of its suite): a changed
    Dockerfile, engine or suite means a rebuild."""
    digest = hashlib.sha256(_pythons(folder, suite).encode())
    for name, path in recipe_files(folder):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _pythons(folder: str, suite: str) -> str:
    """The PYTHONS build argument of the stack's build and run images ("3.14 3.13")."""
    return " ".join(SUITES[suite].pythons) if folder in ("stack-build", "stack-run") and suite in SUITES else ""


ONLINE_LITE_BASE = "python:3.13-slim"
FOLDERS = {"herosim/stack-build": "stack-build", "herosim/stack-run": "stack-run",
           "herosim/postgres": "postgres", "herosim/search-lite": "search-lite", "herosim/keyvalue": "keyvalue"}


def _recipe(ref: str) -> tuple[str, str, str] | None:
    """(docker/ folder, base ref, suite) of an image herosim builds itself."""
    repository, _, suite = ref.partition(":")
    if repository in FOLDERS and suite in SUITES:
        return FOLDERS[repository], f"herosim/debian:{suite}", suite
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
            digest = recipe_digest(folder, suite)
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
        pythons = _pythons(folder, suite)
        images.build(self.client, context.close(), ref, self.printer.detail,
                     buildargs={"BASE_IMAGE": base, "SUITE": suite, **({"PYTHONS": pythons} if pythons else {})},
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
            # Debian testing's Release files carry an expiry date; a mirror snapshot past it is
            # still the suite's packages, so apt (here and in the images) does not refuse it.
            validity = ["--aptopt=Acquire::Check-Valid-Until \"false\""] if SUITES[suite].testing else []
            proc = subprocess.Popen([tool, "--variant=minbase", *validity, suite, tarball],
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


def build_all(client: docker.DockerClient, printer: Progress, suites: list[str] | None = None) -> list[str]:
    """`herosim stack build [SUITE…]`: the build and run images of the suites (default: the
    default suite), and the Postgres image of Heroku's default version and the Key-Value Store's."""
    refs = []
    for name in suites or [DEFAULT_SUITE]:
        if name not in SUITES:
            raise StackError(f"Unknown Debian suite {name!r}", hint=f"use one of {', '.join(SUITES)}")
        stack = offline(SUITES[name])
        refs += [stack.build_image, stack.run_image]
        if not suites:
            refs += [stack.postgres_image(), stack.keyvalue_image()]
        elif name in POSTGRES_SUITES.values():
            refs.append(f"herosim/postgres:{name}")
    for ref in refs:
        StackImages(client, printer).ensure(ref)
    return refs
