"""Building herosim's own images: the offline stack (`herosim/debian:<suite>` bootstrapped
with mmdebstrap, then docker/stack-build, stack-run, postgres, keyvalue), the lite search
engine, and pulling the official ones. What an image is comes typed (engine/recipes.py); an
image whose recipe changed is rebuilt."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import docker
import docker.errors

from herosim.const import LABEL_RECIPE, LABEL_ROLE, LABEL_STACK, ROLE_STACK
from herosim.engine import images, recipes
from herosim.engine import stack as catalogue
from herosim.engine.recipes import Debian, Image, Recipe
from herosim.engine.tarball import TarWriter
from herosim.errors import StackError
from herosim.progress import Progress


class StackImages:
    """Makes sure images are on the engine: pulled, bootstrapped or built."""

    def __init__(self, client: docker.DockerClient, printer: Progress):
        self.client = client
        self.printer = printer

    def ensure(self, image: Image) -> None:
        if isinstance(image, Recipe):
            self._ensure_built(image)
        elif images.exists(self.client, image.ref):
            return
        elif isinstance(image, Debian):
            self._bootstrap(image)
        else:
            self.printer.step(f"Pulling {image.ref}")
            images.pull(self.client, image.ref, self.printer.detail)

    def _ensure_built(self, recipe: Recipe) -> None:
        digest = recipes.digest(recipe)
        current = self._labels(recipe.ref)
        if current is not None and current.get(LABEL_RECIPE) == digest:
            return
        self.ensure(recipe.base)
        self._build(recipe, digest, rebuild=current is not None)

    def _labels(self, ref: str) -> dict | None:
        try:
            return self.client.images.get(ref).labels or {}
        except docker.errors.ImageNotFound:
            return None

    def _build(self, recipe: Recipe, digest: str, rebuild: bool) -> None:
        why = "its recipe in docker/ changed" if rebuild else "first use on this engine"
        self.printer.step(f"Building stack image {recipe.ref} from Debian {recipe.suite} packages ({why})")
        context = TarWriter()
        for name, path in recipes.files(recipe):
            context.add_file(name, path)
        images.build(self.client, context.close(), recipe.ref, self.printer.detail, buildargs=recipe.buildargs(),
                     labels={LABEL_ROLE: ROLE_STACK, LABEL_STACK: recipe.stack_label, LABEL_RECIPE: digest},
                     what=recipe.ref)

    def _bootstrap(self, base: Debian) -> None:
        """mmdebstrap a minimal Debian and import it: the base of every offline image."""
        tool = shutil.which("mmdebstrap")
        if not tool:
            raise StackError(
                "mmdebstrap is needed to build herosim's offline base image and is not installed",
                hint="install it (`apt-get install mmdebstrap`), or go online for the official images",
            )
        self.printer.step(f"Bootstrapping {base.ref} with mmdebstrap --variant=minbase {base.suite}")
        with tempfile.TemporaryDirectory(prefix="herosim-debian-") as tmp:
            tarball = os.path.join(tmp, f"{base.suite}.tar")
            # Debian testing's Release files carry an expiry date; a mirror snapshot past it is
            # still the suite's packages, so apt (here and in the images) does not refuse it.
            validity = ["--aptopt=Acquire::Check-Valid-Until \"false\""] if base.testing else []
            proc = subprocess.Popen([tool, "--variant=minbase", *validity, base.suite, tarball],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            tail: list[str] = []
            assert proc.stdout is not None   # stdout=PIPE
            for line in proc.stdout:
                tail = (tail + [line.rstrip()])[-10:]
                self.printer.detail(line)
            if proc.wait() != 0:
                raise StackError(f"mmdebstrap {base.suite} failed (exit {proc.returncode})",
                                 hint="it needs root (or unprivileged user namespaces) and Debian's mirror",
                                 details="\n".join(tail))
            self.printer.detail(f"importing {os.path.getsize(tarball) // (1024 * 1024)} MB into the engine")
            with open(tarball, "rb") as handle:
                self.client.api.import_image(
                    src=handle, repository="herosim/debian", tag=base.suite,
                    changes=[f"LABEL {LABEL_ROLE}={ROLE_STACK} {LABEL_STACK}=herosim-{base.suite}",
                             'CMD ["bash"]'])


def build_all(client: docker.DockerClient, printer: Progress, suites: list[str] | None = None) -> list[str]:
    """`herosim stack build [SUITE…]`: the images of `stack.build_list`, each made sure of."""
    wanted = catalogue.build_list(suites)
    builder = StackImages(client, printer)
    for recipe in wanted:
        builder.ensure(recipe)
    return [recipe.ref for recipe in wanted]
