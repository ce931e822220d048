"""What an image is, typed by how it is obtained when the engine lacks it: pulled from a
registry, bootstrapped from Debian with mmdebstrap, or built from a folder of docker/ on a
base image. A recipe's digest (its files and build arguments) is its label: a changed
recipe means a rebuild."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from herosim.engine import resources


@dataclass(frozen=True)
class Pulled:
    """An image from a registry (`python:3.14`, `postgres:17`, `valkey/valkey:8.1`)."""
    ref: str


@dataclass(frozen=True)
class Debian:
    """`herosim/debian:<suite>`: `mmdebstrap --variant=minbase <suite>`, imported; the base of
    every offline image."""
    suite: str
    testing: bool = False   # Debian testing: its Release files expire, apt must not refuse them

    @property
    def ref(self) -> str:
        return f"herosim/debian:{self.suite}"


@dataclass(frozen=True)
class Recipe:
    """An image herosim builds itself: `herosim/<folder>:<tag>` from docker/<folder> on `base`."""
    folder: str                      # docker/<folder>: stack-build, stack-run, postgres, keyvalue, search-lite
    tag: str                         # the suite, or "official" (the lite engine on an official Python)
    base: Pulled | Debian
    suite: str                       # the SUITE build argument (and the stack label's suite)
    pythons: tuple[str, ...] = ()    # the PYTHONS build argument of the stack's images

    @property
    def ref(self) -> str:
        return f"herosim/{self.folder}:{self.tag}"

    @property
    def stack_label(self) -> str:
        return f"herosim-{self.suite}"

    def buildargs(self) -> dict[str, str]:
        pythons = {"PYTHONS": " ".join(self.pythons)} if self.pythons else {}
        return {"BASE_IMAGE": self.base.ref, "SUITE": self.suite, **pythons}


Image = Pulled | Debian | Recipe

# A folder's build context carries more than the folder: the lite engine's own package.
PACKAGES = {"search-lite": ("engine/searchlite", resources.searchlite_dir)}


def files(recipe: Recipe, root: Path | None = None) -> list[tuple[str, Path]]:
    """(name in the build context, file) of a recipe: its docker/ folder (under `root`,
    herosim's docker/ by default) and the package its image carries, if any."""
    folder = (root or resources.docker_dir()) / recipe.folder
    found = [(str(p.relative_to(folder)), p) for p in sorted(folder.rglob("*")) if p.is_file()]
    if recipe.folder in PACKAGES:
        prefix, package = PACKAGES[recipe.folder]
        found += [(f"{prefix}/{p.name}", p) for p in sorted(package().glob("*.py"))]
    return found


def digest(recipe: Recipe, root: Path | None = None) -> str:
    """A digest of the recipe: its Pythons and its files' names and contents (the same
    inputs, in the same order, as every image built so far carries in its label)."""
    hashed = hashlib.sha256(" ".join(recipe.pythons).encode())
    for name, path in files(recipe, root):
        hashed.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.hexdigest()[:16]
