"""What every phase of one build shares, passed as one object instead of a dozen arguments:
the BuildContext (who builds which app from which source, trusting which CA bundle, with
which config vars, a test build or not) and, once the app's files have decided it, the
Target (the stack, its exact Python, the package manager)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import docker

from herosim.engine.stack import Stack
from herosim.progress import Progress
from herosim.slug.managers import PackageManager
from herosim.slug.source import SourceTree


@dataclass(frozen=True)
class BuildContext:
    client: docker.DockerClient
    printer: Progress
    app: str
    source: SourceTree
    ca_bundle: Path | None = None          # trusted during the build, never in the slug
    config_vars: Mapping[str, str] = field(default_factory=dict)   # ENV_DIR's files, never an image's environment
    test: bool = False                     # Heroku CI's test-compile
    no_cache: bool = False                 # the previous layer is not the build cache

    @property
    def source_version(self) -> str:
        """SOURCE_VERSION in the build: the commit; none in Heroku CI's (ci_spec), whose runs have
        HEROKU_TEST_RUN_COMMIT_VERSION instead."""
        return "" if self.test else self.source.source_version

    def with_source(self, source: SourceTree) -> BuildContext:
        """The same build of another tree (the one bin/pre_compile left)."""
        return replace(self, source=source)


@dataclass(frozen=True)
class Target:
    stack: Stack
    python: str                  # the stack's Python, its exact version (3.14.7)
    manager: PackageManager
