"""A log drain: its URL, its token (`d.<uuid>`, in every frame), and which transport ships it.

The schemes and default ports are Logplex's (`logplex_drain:valid_uri/1`): `http`/`https`
(80/443), `syslog` (TCP, 601), `syslog+tls` (6514); a `#insecure` fragment on a TLS syslog
drain skips certificate checks, as Logplex allows."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from herosim.errors import HerosimError

HTTP, SYSLOG = "http", "syslog"
SCHEMES = {"http": (HTTP, 80, False), "https": (HTTP, 443, True),
           "syslog": (SYSLOG, 601, False), "syslog+tls": (SYSLOG, 6514, True)}
MAX_DRAINS = 6  # Logplex's max_drains_per_channel


class DrainError(HerosimError):
    pass


@dataclass(frozen=True)
class Endpoint:
    """Where a drain's bytes go, read from its URL."""
    kind: str            # HTTP or SYSLOG
    host: str
    port: int
    tls: bool
    verify: bool = True  # False for `syslog+tls://…#insecure`


@dataclass(frozen=True)
class Drain:
    id: str
    token: str
    url: str
    created_at: str
    updated_at: str

    @classmethod
    def new(cls, url: str, now: dt.datetime | None = None) -> "Drain":
        endpoint(url)  # refuses what Logplex refuses
        stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return cls(str(uuid.uuid4()), f"d.{uuid.uuid4()}", url, stamp, stamp)

    @property
    def endpoint(self) -> Endpoint:
        return endpoint(self.url)

    def to_dict(self) -> dict:
        """The Platform API's log-drain object."""
        return {"addon": None, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "Drain":
        return cls(str(data["id"]), str(data["token"]), str(data["url"]), str(data["created_at"]),
                   str(data["updated_at"]))


def endpoint(url: str) -> Endpoint:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in SCHEMES or not parts.hostname:
        raise DrainError(f"Url is invalid: {url}",
                         hint="a drain is https://…, http://…, syslog://host:port or syslog+tls://host:port")
    kind, default_port, tls = SCHEMES[parts.scheme]
    return Endpoint(kind, parts.hostname, port or default_port, tls,
                    verify=not (kind == SYSLOG and parts.fragment == "insecure"))
