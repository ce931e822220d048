"""python3 -m searchlite --data /data --port 9200 [--tls-port 9243]"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

from searchlite.engine import Engine
from searchlite.server import serve


def tls_context(data: Path) -> ssl.SSLContext | None:
    """A self-signed certificate kept with the data, made by openssl on first start."""
    cert, key = data / "tls" / "cert.pem", data / "tls" / "key.pem"
    if not cert.exists():
        if not shutil.which("openssl"):
            return None
        cert.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj",
                        f"/CN={socket.gethostname()}", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


RECURSION = 4000           # a body nests at most 1000 levels (limits.MAX_JSON_DEPTH); its walks stay below this
THREAD_STACK = 16 * 1024 * 1024
GRACE = 1.5                # seconds requests in hand get after SIGTERM before the process ends


def main() -> None:
    parser = argparse.ArgumentParser(prog="herosim-search-lite")
    parser.add_argument("--data", default="/data")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--tls-port", type=int, default=0)
    args = parser.parse_args()
    sys.setrecursionlimit(RECURSION)
    threading.stack_size(THREAD_STACK)
    engine = Engine(Path(args.data))
    engine.start_refresher()
    servers = [serve(engine, args.host, args.port)]
    if args.tls_port:
        context = tls_context(Path(args.data))
        if context is not None:
            servers.append(serve(engine, args.host, args.tls_port, context))
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(*_):
        engine.stop()
        for server in servers:
            threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"herosim search lite listening on {args.host}:{args.port}, data in {args.data}", flush=True)
    servers[0].serve_forever(poll_interval=0.2)
    finish(engine, servers)


def finish(engine: Engine, servers: list, grace: float = GRACE) -> None:
    """Requests in hand have `grace` seconds to end (each gives up at its next step); indices
    no request holds any more are closed; then the process ends at once, whatever still
    runs: SQLite keeps what was committed and rolls back the rest at the next start."""
    for server in servers:
        server.server_close()
    deadline = time.monotonic() + grace
    for index in list(engine.indices.values()):
        if index.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            index.db.close()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
