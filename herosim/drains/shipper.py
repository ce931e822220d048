"""The app's drains inside its dyno manager: one worker per drain, fed every line of the
app's log. The drain list is read again whenever `drains.json` changes, so `drains:add` and
`drains:remove` take effect within a second without a restart."""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Iterable

from herosim.drains.http import HttpDrain
from herosim.drains.model import HTTP, Drain
from herosim.drains.store import DrainStore
from herosim.drains.syslog import SyslogDrain
from herosim.drains.worker import Worker
from herosim.platform.logline import LogLine
from herosim.tls import authority


def tls_context() -> ssl.SSLContext:
    """The system's certificate authorities (SSL_CERT_FILE too), and herosim's local one, so a
    receiver on this machine may use a certificate from `herosim certs:ca`'s authority."""
    context = ssl.create_default_context()
    ca = authority.ca_path()
    if ca.exists():
        context.load_verify_locations(cafile=str(ca))
    return context


def worker_for(drain: Drain) -> Worker:
    end = drain.endpoint
    context = tls_context() if end.tls else None
    return HttpDrain(drain, context=context) if end.kind == HTTP else SyslogDrain(drain, context=context)


class Shipper:
    def __init__(self, store: DrainStore, make=worker_for):
        self.store = store
        self.make = make
        self.workers: dict[str, Worker] = {}
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Start workers of new drains, stop those of removed ones (cheap when nothing changed)."""
        try:
            stat = os.stat(self.store.path)
            stamp = (stat.st_mtime_ns, stat.st_ino)
        except FileNotFoundError:
            stamp = (0, 0)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        wanted = {d.id: d for d in self.store.list()}
        with self._lock:
            gone = [self.workers.pop(k) for k in list(self.workers) if k not in wanted]
            for key, drain in wanted.items():
                if key not in self.workers:
                    worker = self.make(drain)
                    worker.start()
                    self.workers[key] = worker
        for worker in gone:
            worker.stop(timeout=1.0)

    def feed(self, lines: Iterable[LogLine], backlog: bool = False) -> None:
        """Every line to every drain; lines replayed from before the manager started
        (`backlog`) only to drains that existed when they were written."""
        lines = list(lines)
        with self._lock:
            workers = list(self.workers.values())
        for worker in workers:
            created = worker.drain.created_at
            worker.push([line for line in lines if _stamp(line) >= created] if backlog else lines)

    def stop(self) -> None:
        with self._lock:
            workers, self.workers = list(self.workers.values()), {}
        for worker in workers:
            worker.stop(timeout=2.0)


def _stamp(line: LogLine) -> str:
    return line.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
