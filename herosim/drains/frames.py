"""Logplex's framing, byte for byte (heroku/logplex `logplex_syslog_utils`, `logplex_http_drain`).

An HTTPS drain's body is frames of `<length> <RFC 5424 message>`, the message being
`<PRI>1 TIMESTAMP host SOURCE PROCESS - MSG` (no structured-data field, as Logplex's
`application/logplex-1` has none) and the length counting the message's trailing newline.
A syslog drain gets the same octet counting (RFC 6587) of `<PRI>1 TIMESTAMP TOKEN SOURCE
PROCESS - - MSG\\n`: the drain token stands where the hostname goes.

Priorities are the ones Heroku's drains carry: app output local7.info (190), the router
local0.info (134, as Router 2.0 sends it), runtime-metric samples local0.info (134), the
platform's dyno lines syslog.notice (45), and Logplex's own L10 local5.warning (172)."""

from __future__ import annotations

import datetime as dt

from herosim.platform.logline import LogLine, format_timestamp

APP, ROUTER, PLATFORM, LOGPLEX = 190, 134, 45, 172
FRAME_TARGET_HTTP = 102_400   # Logplex's http_drain_target_bytes
FRAME_TARGET_SYSLOG = 4_096   # its tcp_drain_target_bytes


def priority(line: LogLine) -> int:
    if line.source == "app":
        return APP
    if line.dyno == "router" or line.message.startswith("source="):
        return ROUTER
    return PLATFORM


def http_message(line: LogLine) -> bytes:
    return (f"<{priority(line)}>1 {format_timestamp(line.timestamp)} host {line.source} {line.dyno} - "
            f"{line.message}\n").encode("utf-8")


def syslog_message(line: LogLine, token: str) -> bytes:
    return (f"<{priority(line)}>1 {format_timestamp(line.timestamp)} {token} {line.source} {line.dyno} - - "
            f"{line.message}\n").encode("utf-8")


def frame(message: bytes) -> bytes:
    """RFC 6587 octet counting: the length in ASCII digits, a space, the message."""
    return b"%d %s" % (len(message), message)


def seconds(when: dt.datetime) -> str:
    """Logplex's own stamp (`datetime/1`): whole seconds, +00:00."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def overflow_text(count: int, since: dt.datetime) -> str:
    return f"Error L10 (output buffer overflow): {count} messages dropped since {seconds(since)}."


def http_overflow(count: int, since: dt.datetime, now: dt.datetime) -> bytes:
    """The L10 frame Logplex puts first in the next batch that goes out (no newline: Logplex
    formats it itself, and only dyno messages carry one)."""
    return frame(f"<{LOGPLEX}>1 {seconds(now)} host heroku logplex - {overflow_text(count, since)}".encode())


def syslog_overflow(count: int, since: dt.datetime, now: dt.datetime, token: str) -> bytes:
    return frame(f"<{LOGPLEX}>1 {seconds(now)} {token} heroku logplex - - {overflow_text(count, since)}\n".encode())
