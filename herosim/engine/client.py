"""The one place a Docker client is made; Docker failures become HerosimErrors."""

from __future__ import annotations

import contextlib

import docker
import docker.constants
import docker.errors
import requests.exceptions
from docker.utils import kwargs_from_env

from herosim.engine import capabilities, identity
from herosim.errors import DockerUnavailable, HerosimError

START_HINT = (
    "start the engine (Linux: `sudo dockerd &` or `sudo systemctl start docker`; "
    "macOS/Windows: open Docker Desktop), or point DOCKER_HOST at one"
)


def connect(timeout: int = 120) -> docker.DockerClient:
    """A client for the engine in the environment (DOCKER_HOST, DOCKER_TLS_VERIFY and
    DOCKER_CERT_PATH, or the local socket), its identity read and checked."""
    try:
        client = _client(timeout)
        client.ping()
        capabilities.view(client)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise DockerUnavailable(f"Cannot connect to the Docker daemon at {identity.where()}: {identity.reason(exc)}",
                                hint=identity.hint()) from exc
    return client


def _client(timeout: int) -> docker.DockerClient:
    """The API version both sides speak (the engine's, at most the SDK's), asked with the oldest
    herosim accepts. The environment's proxies and CA bundle are not the engine's: requests lets
    REQUESTS_CA_BUNDLE override the TLS CA of DOCKER_CERT_PATH (psf/requests#3829), so the
    sessions do not read the environment."""
    settings = kwargs_from_env()
    oldest = f"{identity.MIN_API[0]}.{identity.MIN_API[1]}"
    probe = docker.DockerClient(version=oldest, timeout=min(timeout, 15), **settings)
    probe.api.trust_env = False
    try:
        server = identity.api_tuple(str(probe.version().get("ApiVersion", "")))
    finally:
        probe.close()
    sdk = identity.api_tuple(docker.constants.DEFAULT_DOCKER_API_VERSION) or identity.MIN_API
    chosen = min(server, sdk) if server and server >= identity.MIN_API else identity.MIN_API
    client = docker.DockerClient(version=f"{chosen[0]}.{chosen[1]}", timeout=timeout, **settings)
    client.api.trust_env = False
    return client


@contextlib.contextmanager
def translated(doing: str):
    """Turn an unexpected Docker API error into a sentence saying what was being done."""
    try:
        yield
    except HerosimError:
        raise
    except docker.errors.APIError as exc:
        raise HerosimError(
            f"Docker refused while {doing}: {exc.explanation or exc}",
            hint="check `docker info`; if the engine is healthy, this is a herosim bug",
        ) from exc
    except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
        raise DockerUnavailable(
            f"Lost the Docker daemon while {doing}: {_short(exc)}", hint=START_HINT
        ) from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else exc.__class__.__name__
