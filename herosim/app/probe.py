"""One GET through the router, as `up -d` and `wait` check that the web dyno answers: any
HTTP response of the dyno counts (a 301 to https://, a 404), redirects are never followed,
and an answer the router made itself (an H-code page) does not."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT = 5.0


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    location: str        # a redirect's target, else ""
    router_error: str    # the router's own H-code (X-Herosim-Error), else ""

    def describe(self) -> str:
        shown = f"HTTP {self.status} {self.reason}".rstrip()
        return shown + (f" (Location: {self.location})" if self.location else "")


def get(url: str, timeout: float = TIMEOUT) -> Answer:
    """Raises OSError when nothing answers."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/", headers={"User-Agent": "herosim-wait"})
        response = conn.getresponse()
        response.read(64 * 1024)
        return Answer(response.status, response.reason, response.getheader("Location", ""),
                      response.getheader("X-Herosim-Error", ""))
    except http.client.HTTPException as exc:
        raise OSError(f"malformed answer: {exc}") from exc
    finally:
        conn.close()
