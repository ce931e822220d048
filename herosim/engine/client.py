"""The one place a Docker client is made; Docker failures become HerosimErrors."""

from __future__ import annotations

import contextlib
import os

import docker
import docker.errors
import requests.exceptions

from herosim.errors import DockerUnavailable, HerosimError

START_HINT = (
    "start the engine (Linux: `sudo dockerd &` or `sudo systemctl start docker`; "
    "macOS/Windows: open Docker Desktop), or point DOCKER_HOST at one"
)


def connect(timeout: int = 120) -> docker.DockerClient:
    """A client for the engine in the environment (DOCKER_HOST or the local socket)."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        where = os.environ.get("DOCKER_HOST") or "the local socket"
        raise DockerUnavailable(
            f"Cannot connect to the Docker daemon at {where}: {_short(exc)}",
            hint=START_HINT,
        ) from exc
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
