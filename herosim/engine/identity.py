"""Which engine herosim talks to, read from the engine itself (`/info`, `/version`), and
whether it can run herosim: one line naming DOCKER_HOST when it cannot."""

from __future__ import annotations

import os
from dataclasses import dataclass

from herosim.errors import DockerUnavailable

# Docker 20.10's API: herosim's calls (exec with a hijacked stdin, pids limits, per-network
# aliases, memory reservations) are all older, and 20.10 is the oldest engine it is tested on.
MIN_API = (1, 41)
MIN_ENGINE = "20.10"


@dataclass(frozen=True)
class EngineIdentity:
    id: str              # the engine's own ID (info's "ID"): what its capabilities are cached under
    name: str            # the engine host's name
    version: str         # its release, e.g. 20.10.24
    api_version: str     # the API it speaks, e.g. 1.41
    os_type: str         # linux (Windows containers cannot run a slug)
    operating_system: str

    @classmethod
    def of(cls, info: dict, version: dict) -> EngineIdentity:
        return cls(id=str(info.get("ID") or info.get("Name") or ""), name=str(info.get("Name") or ""),
                   version=str(version.get("Version") or info.get("ServerVersion") or ""),
                   api_version=str(version.get("ApiVersion") or ""),
                   os_type=str(info.get("OSType") or version.get("Os") or ""),
                   operating_system=str(info.get("OperatingSystem") or ""))


def where() -> str:
    """The engine's address and where it came from (for messages)."""
    if os.environ.get("DOCKER_HOST"):
        return f"{os.environ['DOCKER_HOST']} (DOCKER_HOST)"
    return "unix:///var/run/docker.sock (the local socket; DOCKER_HOST is not set)"


REASONS = (("CERTIFICATE_VERIFY_FAILED", "its TLS certificate does not verify against the CA in DOCKER_CERT_PATH"),
           ("certificate required", "it wants a client certificate (DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH)"),
           ("WRONG_VERSION_NUMBER", "it does not speak TLS there (DOCKER_TLS_VERIFY is set)"),
           ("No such file or directory", "no socket there"),
           ("Connection refused", "connection refused"),
           ("Permission denied", "permission denied (is this user in the docker group?)"),
           ("timed out", "no answer (timed out)"),
           ("Connection reset", "the connection was reset (plain HTTP to a TLS port?)"),
           ("Name or service not known", "its host name does not resolve"),
           ("No route to host", "no route to its host"))


def reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words."""
    text = str(exc)
    for needle, said in REASONS:
        if needle.lower() in text.lower():
            return said
    lines = text.strip().splitlines()
    return (lines[-1] if lines else exc.__class__.__name__)[:200]


def hint() -> str:
    if os.environ.get("DOCKER_HOST", "unix://").split("://")[0] not in ("unix", "npipe"):
        return ("check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (`docker version` must answer with them), "
                "or unset DOCKER_HOST for this machine's engine")
    return ("start the engine (Linux: `sudo dockerd &` or `sudo systemctl start docker`; "
            "macOS/Windows: open Docker Desktop), or point DOCKER_HOST at one")


def api_tuple(text: str) -> tuple[int, int] | None:
    major, _, minor = text.partition(".")
    try:
        return int(major), int(minor)
    except ValueError:
        return None


def check(identity: EngineIdentity) -> None:
    """What herosim needs of an engine: an API recent enough, Linux containers."""
    api = api_tuple(identity.api_version)
    if api is None or api < MIN_API:
        raise DockerUnavailable(
            f"The Docker engine at {where()} is too old: API {identity.api_version or 'unknown'} "
            f"(Docker {identity.version or 'unknown'}); herosim needs API {MIN_API[0]}.{MIN_API[1]} "
            f"(Docker {MIN_ENGINE}) or newer",
            hint="upgrade the engine, or point DOCKER_HOST at a newer one")
    if identity.os_type and identity.os_type != "linux":
        raise DockerUnavailable(
            f"The Docker engine at {where()} runs {identity.os_type} containers; Heroku's dynos are Linux",
            hint="switch the engine to Linux containers, or point DOCKER_HOST at a Linux engine")


def read(client) -> EngineIdentity:
    """The engine's identity, checked."""
    identity = EngineIdentity.of(client.info(), client.version())
    check(identity)
    return identity
