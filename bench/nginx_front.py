"""The peer's front door: nginx proxying to a dyno as Dokku's `nginx.conf.sigil` does, run by
the bench itself (`nginx -g 'daemon off;'`, its own config, pid, logs and temp files in a
scratch folder, listening on 127.0.0.1 only), over HTTP and over TLS.

What is taken from Dokku's template: an upstream per app (with `keepalive`, Dokku's
`proxy-keepalive` property, so idle connections to the dyno are reused as herosim's router
reuses its own), `proxy_http_version 1.1`, `Host $http_host`, X-Forwarded-For/-Port/-Proto,
`X-Request-Start $msec`, an access log per app, `ssl_protocols TLSv1.2 TLSv1.3` and
`ssl_prefer_server_ciphers off`. Dokku sends `Connection $http_connection`; wrk's requests
carry no Connection header, so that is the `Connection ""` nginx's upstream keep-alive needs.
nginx's own defaults stay, as under Dokku: a client connection is closed after 1000
requests (`keepalive_requests`), so wrk reconnects (over TLS: a new handshake) every 1000.
Left out: Dokku's gzip (wrk asks for no compression, and hello's answers are under its
1100-byte minimum), its error pages, HTTP/2 (herosim's router offers HTTP/1.1 alone).

Workers: one by default. herosim's router is one process with one event-loop thread; on a
2-core machine the dyno's gunicorn and wrk need the cores as well, and nginx's usual
`worker_processes auto` (2 here) would give it twice the router's parallelism. With one
worker each proxy has one event loop: the figures compare work per request, not core count.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

INSTALL = "apt-get install -y nginx wrk"


def missing_tools() -> list[str]:
    return [tool for tool in ("nginx", "wrk") if not shutil.which(tool)]


def config(where: Path, upstream: str, http_port: int, https_port: int, cert: Path, key: Path,
           workers: str = "1") -> str:
    """nginx.conf for one app: `upstream` is the dyno's address:port."""
    proxy = """
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-Start $msec;
        }"""
    temp = "\n".join(f"    {kind}_temp_path {where}/temp/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""worker_processes {workers};
pid {where}/nginx.pid;
error_log {where}/error.log warn;
events {{ worker_connections 1024; }}
http {{
{temp}
    access_log {where}/access.log;
    upstream app {{
        server {upstream};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{http_port};
{proxy}
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_prefer_server_ciphers off;
        keepalive_timeout 70;
{proxy}
    }}
}}
"""


class Nginx:
    """nginx in the foreground, started and stopped by the bench (a context manager)."""

    def __init__(self, where: Path, upstream: str, http_port: int, https_port: int, cert: Path, key: Path,
                 workers: str = "1"):
        self.where, self.ports = where, (http_port, https_port)
        self.text = config(where, upstream, http_port, https_port, cert, key, workers)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Nginx":
        (self.where / "temp").mkdir(parents=True, exist_ok=True)
        conf = self.where / "nginx.conf"
        conf.write_text(self.text)
        self.process = subprocess.Popen(["nginx", "-p", str(self.where), "-e", str(self.where / "error.log"),
                                         "-c", str(conf), "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for port in self.ports:
            self._wait(port)
        return self

    def _wait(self, port: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"nginx exited ({self.process.returncode}): {self.process.stderr.read()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"nginx did not listen on 127.0.0.1:{port} within {timeout:.0f} s")

    @property
    def pid(self) -> int:
        return self.process.pid

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)   # graceful: workers finish, then the master exits
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
