"""What the router knows of the web dynos, and of one request on its way through."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backends:
    web_formation: int                    # web dynos asked for; 0 means H14
    up: tuple[tuple[str, str, int], ...]  # (dyno name, address, port) of web dynos that are up
    starting: bool                        # a web dyno is booting: queue the request (H20 after 75 s)
    maintenance: bool = False             # maintenance mode: every request gets H80
    maintenance_page_url: str = ""        # the app's MAINTENANCE_PAGE_URL and ERROR_PAGE_URL
    error_page_url: str = ""
    via: str = ""                         # the relay container's ID when dynos are reached through the engine's API


@dataclass(slots=True)
class Exchange:
    """One request on its way to a dyno and its response on the way back."""
    fields: dict                  # what the router line reports
    started: float
    head: bytes                   # the request head as sent to the dyno
    method: bytes
    client_keep: bool
    upgrade: bool
    chunked: bool                 # the body goes to the dyno chunked (else by Content-Length, or none)
    http10: bool = False          # an HTTP/1.0 client: no chunked answers (the body ends with the connection)
    pending: list = field(default_factory=list)  # body bytes framed for the dyno, not sent yet
    pending_bytes: int = 0
    request_done: bool = False
    upgrade_rest: bytes = b""     # bytes after an upgrade request: the tunnel's first
    dyno: str = ""
    address: tuple | None = None
    via: str = ""                 # reached through the engine's API, from this container (tunnel.py)
    connect_ms: int = 0
    status: int | None = None
    response_bytes: int = 0
    backend: object = None
    reused: bool = False
    last_activity: float = 0.0
    first_byte: bool = False      # the dyno answered (a status line)
    answered: bool = False        # the client got bytes of the answer

    def service_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def line(self, **extra) -> dict:
        return {**self.fields, "dyno": self.dyno, "connect": self.connect_ms, "service": self.service_ms(),
                **extra}
