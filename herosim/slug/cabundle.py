"""The CA bundle trusted at build time (corporate and intercepting proxies).

Given with --ca-bundle / HEROSIM_CA_BUNDLE, or auto-detected from the variables
pip and requests already honour. It is copied into the build container for the
install only and removed before the container is committed: never in a slug.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from herosim.const import CA_BUNDLE_ENV_VARS, ENV_CA_BUNDLE
from herosim.errors import BuildError

CONTAINER_PATH = "/tmp/herosim-ca/ca-bundle.pem"


def find(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    environ = os.environ if environ is None else environ
    if explicit or environ.get(ENV_CA_BUNDLE):
        path = Path(explicit or environ[ENV_CA_BUNDLE]).expanduser()
        if not path.is_file():
            raise BuildError(f"CA bundle {path} does not exist",
                             hint="pass a PEM file with --ca-bundle, or omit it to auto-detect")
        return path
    for name in CA_BUNDLE_ENV_VARS:
        value = environ.get(name)
        if value and Path(value).is_file():
            return Path(value)
    return None


def build_env(bundle: Path | None) -> dict[str, str]:
    """What installers in the build container read to trust the bundle."""
    if bundle is None:
        return {}
    return {name: CONTAINER_PATH for name in
            ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "GIT_SSL_CAINFO", "CURL_CA_BUNDLE")}
