"""python3 -m searchlite --data /data --port 9200 [--tls-port 9243]"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="herosim-search-lite")
    parser.add_argument("--data", default="/data")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--tls-port", type=int, default=0)
    args = parser.parse_args()
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
        threading.Thread(target=servers[0].shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    print(f"herosim search lite listening on {args.host}:{args.port}, data in {args.data}", flush=True)
    servers[0].serve_forever()
    for index in list(engine.indices.values()):
        index.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
