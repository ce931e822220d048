"""Is $PORT bound on 0.0.0.0? Read from /proc/net/tcp{,6} text (pure)."""

from __future__ import annotations

WILDCARDS = {"00000000", "00000000000000000000000000000000"}
LISTEN = "0A"


def wildcard_listeners(proc_net_tcp: str) -> set[int]:
    """Ports in LISTEN on 0.0.0.0 or :: (127.0.0.1 does not count: Heroku's router cannot
    reach a dyno that listens on localhost only)."""
    ports = set()
    for line in proc_net_tcp.splitlines():
        fields = line.split()
        if len(fields) < 4 or ":" not in fields[1] or fields[3] != LISTEN:
            continue
        address, _, port_hex = fields[1].partition(":")
        if address in WILDCARDS:
            try:
                ports.add(int(port_hex, 16))
            except ValueError:
                continue
    return ports
