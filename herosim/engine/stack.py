"""The stack: which images builds, dynos and add-ons run on, from one of two sources.

- official: the `python` and `postgres` images from a registry (users online);
- herosim:  images built here from Debian's packages (machines with no registry),
            `herosim/debian:<suite>` from mmdebstrap, then Dockerfiles in docker/
            (stackimages.py builds them).

Both are addressed the same way (image references); only how a missing image is obtained
differs: pulled, or built with visible progress.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import docker

from herosim.const import ENV_OFFLINE
from herosim.engine import images
from herosim.errors import StackError
from herosim.progress import Progress

OFFICIAL = "official"
HEROSIM = "herosim"


@dataclass(frozen=True)
class Suite:
    name: str
    pythons: tuple[str, ...]   # major.minor of the python3.X packages it carries (that Heroku supports)
    postgres: str              # major of its postgresql
    testing: bool = False      # Debian testing: its Release files expire, apt must not refuse them


# In order of preference when several carry a Python: the one whose patch release is
# closest to the buildpack's (forky's 3.13 is 3.13.15, trixie's 3.13.5).
SUITES = {
    "forky": Suite("forky", ("3.14", "3.13"), "18", testing=True),
    "trixie": Suite("trixie", ("3.13",), "17"),
    "bookworm": Suite("bookworm", ("3.11",), "15"),
}
DEFAULT_SUITE = "forky"
# Heroku Postgres versions (15, 16, 17; 17 the default) and the suite that carries each offline.
POSTGRES_SUITES = {"17": "trixie", "15": "bookworm"}
DEFAULT_POSTGRES = "17"
# Heroku Key-Value Store runs Valkey 8.1 (its `redis:info` says 8.1.x); Debian's trixie carries it.
KEYVALUE_SUITE = "trixie"
OFFICIAL_KEYVALUE = "valkey/valkey:8.1"
OFFICIAL_ELASTICSEARCH = "elasticsearch:8.15.3"
OFFICIAL_OPENSEARCH = "opensearchproject/opensearch:2.17.1"


@dataclass(frozen=True)
class Stack:
    name: str            # "herosim-forky" or "official-python-3.14"
    source: str          # OFFICIAL or HEROSIM
    python_version: str  # major.minor
    build_image: str
    run_image: str

    @property
    def offline(self) -> bool:
        return self.source == HEROSIM

    @property
    def python(self) -> str:
        """The interpreter's command in the stack's images (python3.14)."""
        return f"python{self.python_version}"

    def postgres_image(self, version: str = DEFAULT_POSTGRES) -> str:
        if not self.offline:
            return f"postgres:{version}"
        suite = POSTGRES_SUITES.get(version)
        if suite is None:
            raise StackError(f"Postgres {version} is not available offline",
                             hint="herosim's offline stacks carry Postgres "
                                  + " and ".join(sorted(POSTGRES_SUITES)) + " (addons:create heroku-postgresql "
                                  "--version 17); online, the official images carry every version")
        return f"herosim/postgres:{suite}"

    def keyvalue_image(self) -> str:
        """The Key-Value Store add-on's server: Valkey 8.1, Debian's offline, the official image online."""
        return f"herosim/keyvalue:{KEYVALUE_SUITE}" if self.offline else OFFICIAL_KEYVALUE

    def search_image(self, engine: str) -> str:
        """The search add-on's image: herosim's lite engine, or an official one (online)."""
        if engine == "lite":
            return "herosim/search-lite:" + (self.name.removeprefix("herosim-") if self.offline else "official")
        if engine == "elasticsearch":
            return OFFICIAL_ELASTICSEARCH
        if engine == "opensearch":
            return OFFICIAL_OPENSEARCH
        raise StackError(f"Unknown search engine {engine!r}", hint="use lite, elasticsearch or opensearch")


def official(python_version: str) -> Stack:
    return Stack(name=f"official-python-{python_version}", source=OFFICIAL, python_version=python_version,
                 build_image=f"python:{python_version}", run_image=f"python:{python_version}-slim")


def offline(suite: Suite, python_version: str | None = None) -> Stack:
    python_version = python_version or suite.pythons[0]
    return Stack(name=f"herosim-{suite.name}", source=HEROSIM, python_version=python_version,
                 build_image=f"herosim/stack-build:{suite.name}", run_image=f"herosim/stack-run:{suite.name}")


def from_name(name: str, python_version: str | None = None) -> Stack | None:
    """The stack a slug records in its labels (`herosim-forky`, `official-python-3.14`)."""
    if name.startswith("herosim-") and name[len("herosim-"):] in SUITES:
        suite = SUITES[name[len("herosim-"):]]
        major_minor = ".".join((python_version or "").split(".")[:2])
        return offline(suite, major_minor if major_minor in suite.pythons else None)
    if name.startswith("official-python-"):
        return official(name[len("official-python-"):])
    return None


def offline_pythons() -> list[str]:
    return sorted({p for s in SUITES.values() for p in s.pythons}, key=lambda v: tuple(map(int, v.split("."))))


def suite_for_python(major_minor: str) -> Suite:
    """The Debian suite that carries Python `major_minor` (the first in order of preference)."""
    for suite in SUITES.values():
        if major_minor in suite.pythons:
            return suite
    raise StackError(
        f"Python {major_minor} is not available offline; herosim's offline stacks carry Python "
        + ", ".join(offline_pythons()),
        hint="pin one of those in .python-version, or go online (unset HEROSIM_OFFLINE) for the official images")


def offline_requested() -> bool:
    return os.environ.get(ENV_OFFLINE, "").lower() in ("1", "true", "yes", "on")


def resolve(client: docker.DockerClient, progress: Progress, major_minor: str,
            kinds: tuple[str, ...] = ("build", "run")) -> Stack:
    """The stack for Python `major_minor`, its images on the engine: official online, herosim's
    offline (when no registry answers, or HEROSIM_OFFLINE=1)."""
    from herosim.engine.stackimages import StackImages
    ensure = StackImages(client, progress).ensure
    if not offline_requested():
        stack = official(major_minor)
        try:
            for kind in kinds:
                ensure(getattr(stack, f"{kind}_image"))
            return stack
        except images.RegistryUnavailable as exc:
            progress.step(f"No registry answered ({exc.message.split(': ', 1)[-1][:80]}); "
                          "using herosim's offline stack")
    stack = offline(suite_for_python(major_minor), major_minor)
    for kind in kinds:
        ensure(getattr(stack, f"{kind}_image"))
    return stack


def addon_stack(client: docker.DockerClient, progress: Progress) -> Stack:
    """The stack add-ons run on when no slug says which: official online, else the default suite."""
    from herosim.engine.stackimages import StackImages
    if not offline_requested():
        try:
            StackImages(client, progress).ensure(official(SUITES[DEFAULT_SUITE].pythons[0]).run_image)
            return official(SUITES[DEFAULT_SUITE].pythons[0])
        except images.RegistryUnavailable:
            pass
    return offline(SUITES[DEFAULT_SUITE])
