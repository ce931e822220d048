"""The package managers the buildpack supports, one module each as its lib/<manager>.sh is
one file: everything herosim's slug compiler, its build cache and doctor need to know of a
manager is in its PackageManager, so no module asks which manager it has by name."""

from __future__ import annotations

from herosim.slug.managers.base import Listing, PackageManager
from herosim.slug.managers.pip import PIP
from herosim.slug.managers.pipenv import PIPENV
from herosim.slug.managers.poetry import POETRY
from herosim.slug.managers.uv import UV

__all__ = ["ALL", "PIP", "PIPENV", "POETRY", "UV", "Listing", "PackageManager", "by_name"]

ALL = (PIPENV, PIP, POETRY, UV)   # lib/package_manager.sh's order: several found are listed so


def by_name(name: str) -> PackageManager:
    """The manager a build record names (the build data's `package_manager`)."""
    return {manager.name: manager for manager in ALL}[name]
