"""Which stack a build or an add-on gets, its images made sure of on the engine: the official
images online, herosim's offline ones when no registry answers or HEROSIM_OFFLINE=1."""

from __future__ import annotations

import os
from collections.abc import Mapping

import docker

from herosim.const import ENV_OFFLINE
from herosim.engine import images
from herosim.engine import stack as catalogue
from herosim.engine.stack import Stack
from herosim.engine.stackimages import StackImages
from herosim.progress import Progress


def offline_requested(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ENV_OFFLINE, "").lower() in ("1", "true", "yes", "on")


def resolve(client: docker.DockerClient, progress: Progress, major_minor: str,
            kinds: tuple[str, ...] = ("build", "run")) -> Stack:
    """The stack for Python `major_minor`, its images (`kinds`) on the engine: official online,
    herosim's offline (when no registry answers, or HEROSIM_OFFLINE=1)."""
    builder = StackImages(client, progress)
    if not offline_requested():
        stack = catalogue.official(major_minor)
        try:
            for image in stack.images(kinds):
                builder.ensure(image)
            return stack
        except images.RegistryUnavailable as exc:
            progress.step(f"No registry answered ({exc.message.split(': ', 1)[-1][:80]}); "
                          "using herosim's offline stack")
    stack = catalogue.offline(catalogue.suite_for_python(major_minor), major_minor)
    for image in stack.images(kinds):
        builder.ensure(image)
    return stack


def addon_stack(client: docker.DockerClient, progress: Progress) -> Stack:
    """The stack add-ons run on when no slug says which: official online (its run image pulled
    to learn whether a registry answers), else the default suite."""
    if not offline_requested():
        stack = catalogue.default_official()
        try:
            StackImages(client, progress).ensure(stack.run)
            return stack
        except images.RegistryUnavailable:
            pass
    return catalogue.default_offline()
