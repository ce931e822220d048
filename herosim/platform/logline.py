"""Heroku's log line: `<timestamp> <source>[<dyno>]: <message>` (pure)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from herosim.const import LOG_CHUNK_BYTES

LINE_RE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d) "
    r"(?P<source>[a-z]+)\[(?P<dyno>[^\]]+)\]: (?P<message>.*)$"
)


@dataclass(frozen=True)
class LogLine:
    timestamp: dt.datetime
    source: str   # "app" or "heroku"
    dyno: str     # "web.1", "router", "api", "release.1234"
    message: str

    @property
    def process_type(self) -> str:
        return self.dyno.split(".", 1)[0]

    def render(self) -> str:
        return f"{format_timestamp(self.timestamp)} {self.source}[{self.dyno}]: {self.message}"


def format_timestamp(when: dt.datetime) -> str:
    """RFC 5424 with microseconds and a numeric offset, as Logplex prints it."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def parse_docker_timestamp(text: str) -> dt.datetime:
    """Docker's RFC 3339 nanosecond stamp (`…T04:38:58.998605123Z`) as UTC."""
    head, _, frac = text.rstrip("Z").partition(".")
    micros = (frac + "000000")[:6] if frac else "000000"
    return dt.datetime.strptime(f"{head}.{micros}", "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=dt.timezone.utc
    )


def parse(text: str) -> LogLine | None:
    match = LINE_RE.match(text.rstrip("\n"))
    if not match:
        return None
    return LogLine(
        timestamp=dt.datetime.fromisoformat(match["ts"]),
        source=match["source"],
        dyno=match["dyno"],
        message=match["message"],
    )


def chunks(message: str, limit: int = LOG_CHUNK_BYTES) -> list[str]:
    """Split a message into pieces of at most `limit` UTF-8 bytes, as Logplex does."""
    data = message.encode("utf-8")
    if len(data) <= limit:
        return [message]
    out = []
    while data:
        end = min(limit, len(data))
        # Do not cut a multi-byte character in two: back up to its first byte.
        while end < len(data) and end > 0 and (data[end] & 0xC0) == 0x80:
            end -= 1
        out.append(data[:end].decode("utf-8", errors="replace"))
        data = data[end:]
    return out


def matches(line: LogLine, source: str | None = None, dyno: str | None = None,
            process_type: str | None = None) -> bool:
    """The `heroku logs -s/-d/-p` filters."""
    if source and line.source != source:
        return False
    if dyno and line.dyno != dyno:
        return False
    if process_type and line.process_type != process_type:
        return False
    return True
