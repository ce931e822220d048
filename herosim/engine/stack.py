"""The stack catalogue: which images builds, dynos and add-ons run on, from one of two sources.

- official: the `python` image from a registry (users online);
- herosim:  images built here from Debian's packages (machines with no registry),
            `herosim/debian:<suite>` from mmdebstrap, then Dockerfiles in docker/.

Pure: the suites, the Pythons and the Postgres each carries, and the Stack value. Which
stack a build gets, and making sure its images are on the engine, is `engine/resolution.py`
and `engine/stackimages.py`; each add-on's image is chosen by its module in `addons/`.
"""

from __future__ import annotations

from dataclasses import dataclass

from herosim.engine.recipes import Debian, Image, Pulled, Recipe
from herosim.errors import StackError

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
# Heroku's pgbouncer buildpack vendors PgBouncer 1.24.1 (its v0.18.0); Debian's trixie carries it.
PGBOUNCER_SUITE = "trixie"


@dataclass(frozen=True)
class Stack:
    name: str            # "herosim-forky" or "official-python-3.14"
    source: str          # OFFICIAL or HEROSIM
    python_version: str  # major.minor
    build: Image
    run: Image

    @property
    def offline(self) -> bool:
        return self.source == HEROSIM

    @property
    def suite(self) -> str | None:
        """The Debian suite of an offline stack (forky); None for the official images."""
        return self.name.removeprefix("herosim-") if self.offline else None

    @property
    def python(self) -> str:
        """The interpreter's command in the stack's images (python3.14)."""
        return f"python{self.python_version}"

    @property
    def build_image(self) -> str:
        return self.build.ref

    @property
    def run_image(self) -> str:
        return self.run.ref

    def images(self, kinds: tuple[str, ...] = ("build", "run")) -> list[Image]:
        return [{"build": self.build, "run": self.run}[kind] for kind in kinds]


def suite(name: str) -> Suite:
    if name not in SUITES:
        raise StackError(f"Unknown Debian suite {name!r}", hint=f"use one of {', '.join(SUITES)}")
    return SUITES[name]


def debian(name: str) -> Debian:
    return Debian(name, testing=suite(name).testing)


def offline_image(folder: str, suite_name: str) -> Recipe:
    """An image of docker/<folder> built on Debian `suite_name` (herosim/postgres:trixie)."""
    return Recipe(folder, suite_name, debian(suite_name), suite_name)


def official(python_version: str) -> Stack:
    return Stack(name=f"official-python-{python_version}", source=OFFICIAL, python_version=python_version,
                 build=Pulled(f"python:{python_version}"), run=Pulled(f"python:{python_version}-slim"))


def stack_images(found: Suite) -> tuple[Recipe, Recipe]:
    """The build and run images of an offline stack: every Python the suite carries."""
    base = debian(found.name)
    return (Recipe("stack-build", found.name, base, found.name, found.pythons),
            Recipe("stack-run", found.name, base, found.name, found.pythons))


def offline(found: Suite, python_version: str | None = None) -> Stack:
    build, run = stack_images(found)
    return Stack(name=f"herosim-{found.name}", source=HEROSIM, python_version=python_version or found.pythons[0],
                 build=build, run=run)


def from_name(name: str, python_version: str | None = None) -> Stack | None:
    """The stack a slug records in its labels (`herosim-forky`, `official-python-3.14`)."""
    if name.startswith("herosim-") and name[len("herosim-"):] in SUITES:
        found = SUITES[name[len("herosim-"):]]
        major_minor = ".".join((python_version or "").split(".")[:2])
        return offline(found, major_minor if major_minor in found.pythons else None)
    if name.startswith("official-python-"):
        return official(name[len("official-python-"):])
    return None


def offline_pythons() -> list[str]:
    return sorted({p for s in SUITES.values() for p in s.pythons}, key=lambda v: tuple(map(int, v.split("."))))


def suite_for_python(major_minor: str) -> Suite:
    """The Debian suite that carries Python `major_minor` (the first in order of preference)."""
    for found in SUITES.values():
        if major_minor in found.pythons:
            return found
    raise StackError(
        f"Python {major_minor} is not available offline; herosim's offline stacks carry Python "
        + ", ".join(offline_pythons()),
        hint="pin one of those in .python-version, or go online (unset HEROSIM_OFFLINE) for the official images")


def default_offline() -> Stack:
    return offline(SUITES[DEFAULT_SUITE])


def default_official() -> Stack:
    return official(SUITES[DEFAULT_SUITE].pythons[0])


def build_list(suites: list[str] | None = None) -> list[Recipe]:
    """What `herosim stack build [SUITE…]` builds: the build and run images of the suites
    (default: the default suite, with the images of Heroku's default Postgres, of its
    connection pooler and of the Key-Value Store), and for a suite named that carries a
    Postgres, its image."""
    wanted: list[Recipe] = []
    for name in suites or [DEFAULT_SUITE]:
        wanted += stack_images(suite(name))
        if not suites:
            wanted += [offline_image("postgres", POSTGRES_SUITES[DEFAULT_POSTGRES]),
                       offline_image("pgbouncer", PGBOUNCER_SUITE), offline_image("keyvalue", KEYVALUE_SUITE)]
        elif name in POSTGRES_SUITES.values():
            wanted.append(offline_image("postgres", name))
    return wanted
