"""`python -m herosim.runtime.router`: the router as a process of its own, beside the dyno
manager, so that proxying never waits for the manager's Python (log pumping, Docker calls).

It says `ready` on stdout once its port is bound (or `error: …`), then reads the web dynos'
table as JSON lines on stdin, written by the manager whenever it changes, and exits when
stdin closes: a router never outlives its manager."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from herosim.platform.logplex import Logplex
from herosim.platform.timeouts import Timeouts
from herosim.runtime.router.exchange import Backends
from herosim.runtime.router.front import server_context
from herosim.runtime.router.router import Router


def decode(line: str) -> Backends:
    data = json.loads(line)
    return Backends(int(data["web_formation"]), tuple(tuple(item) for item in data["up"]), bool(data["starting"]),
                    bool(data.get("maintenance")), str(data.get("maintenance_page_url") or ""),
                    str(data.get("error_page_url") or ""), str(data.get("via") or ""))


def encode(backends: Backends) -> str:
    return json.dumps(dataclasses.asdict(backends))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="herosim-router")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--timeouts", required=True)
    parser.add_argument("--cert", help="the router's certificate (PEM): HTTPS on the same port")
    parser.add_argument("--key", help="its private key (PEM)")
    args = parser.parse_args(argv)
    table = {"backends": Backends(0, (), True)}
    emitter = Logplex(Path(args.log)).buffered("heroku", "router")
    try:
        tls = server_context(Path(args.cert), Path(args.key)) if args.cert else None
        router = Router(args.port, lambda: table["backends"], emitter, Timeouts(**json.loads(args.timeouts)), tls=tls)
        router.start()
    except OSError as exc:
        print(f"error: {exc.strerror or exc}", flush=True)
        return 2
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            if line.strip():
                table["backends"] = decode(line)
    finally:
        router.stop()
        emitter.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
