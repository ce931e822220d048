"""The dyno manager's observing duty: the app's log followed into its drains and its metrics,
and the dynos' cgroups sampled for memory and load (log-runtime-metrics' lines every 20 s
when the lab is on).

It reads the log only through Logplex's public reading API (`tail`, `follow`) and marks the
last line it consumed in `observer.json`, so lines written while no manager ran (a release
made by `up` before the manager starts) still reach the drains and the metrics when it does,
within Logplex's 1,500 lines. Nothing here can slow the dynos or the router: the log is
written before it is read, and each drain's buffer is bounded and never waited on."""

from __future__ import annotations

import threading
import time
import traceback

from herosim.const import LOG_LINES_KEPT
from herosim.drains.shipper import Shipper
from herosim.drains.store import DrainStore
from herosim.metrics import cgroup, samples
from herosim.metrics.collector import FILE as METRICS_FILE
from herosim.metrics.collector import Collector
from herosim.metrics.loadavg import LoadAverage
from herosim.platform import jsonfile
from herosim.platform.logline import LogLine, format_timestamp
from herosim.platform.logplex import Logplex
from herosim.platform.sizes import SIZES

POSITION_FILE = "observer.json"
TICK = 1.0          # drains re-read, metrics flushed, position saved
LOAD_EVERY = 5.0    # the kernel's own load sampling period
SAMPLE_EVERY = samples.INTERVAL
MB = 1024 * 1024


class Observer:
    def __init__(self, state, logs: Logplex, dynos, backend, clock=time.monotonic, enabled: bool = True):
        self.state, self.logs, self.dynos, self.backend = state, logs, dynos, backend
        self.enabled = enabled
        self.clock = clock
        self.collector = Collector(state.path(METRICS_FILE))
        self.shipper = Shipper(DrainStore(state))
        self.done = threading.Event()
        self._last: LogLine | None = None
        self._saved: LogLine | None = None
        self._loads: dict[str, tuple[str, LoadAverage, float]] = {}  # dyno -> (container id, average, when)

    def start(self) -> None:
        if not self.enabled:
            return
        self.shipper.refresh()
        threading.Thread(target=self._tap, daemon=True, name="observer-log").start()
        threading.Thread(target=self._sampler, daemon=True, name="observer-cgroups").start()

    def stop(self) -> None:
        self.done.set()
        if not self.enabled:
            return
        self.shipper.stop()
        self.collector.flush(force=True)
        self._save_position()

    # -- the log ---------------------------------------------------------------------------------
    def _tap(self) -> None:
        self._replay()
        for line in self.logs.follow(stop=self.done.is_set, poll=0.1):
            self._consume(line, backlog=False)

    def _replay(self) -> None:
        """What was written since the last line a manager consumed (all of it the first time)."""
        mark = jsonfile.read(self.state.path(POSITION_FILE), None) if self.state.path(POSITION_FILE).exists() else None
        lines = self.logs.tail(LOG_LINES_KEPT)
        if isinstance(mark, dict) and mark.get("line"):
            rendered = [line.render() for line in lines]
            if mark["line"] in rendered:
                lines = lines[len(rendered) - rendered[::-1].index(mark["line"]):]
            else:
                lines = [line for line in lines if format_timestamp(line.timestamp) > str(mark.get("t", ""))]
        for line in lines:
            self._consume(line, backlog=True)

    def _consume(self, line: LogLine, backlog: bool) -> None:
        try:
            self.collector.line(line)
            self.shipper.feed([line], backlog=backlog)
        except Exception:  # noqa: BLE001 - one odd line never stops the observer
            traceback.print_exc()
        self._last = line

    def _save_position(self) -> None:
        last = self._last
        if last is not None and last is not self._saved:
            jsonfile.write(self.state.path(POSITION_FILE),
                           {"line": last.render(), "t": format_timestamp(last.timestamp)})
            self._saved = last

    # -- the cgroups -----------------------------------------------------------------------------------
    def _sampler(self) -> None:
        next_load = next_sample = self.clock()
        while not self.done.wait(TICK):
            try:
                self.shipper.refresh()
                self.collector.flush()
                self._save_position()
                now = self.clock()
                if now >= next_load:
                    next_load = now + LOAD_EVERY
                    figures = self._figures()
                    self._update_loads(figures, now)
                    if now >= next_sample:
                        next_sample = now + SAMPLE_EVERY
                        self._sample(figures)
            except Exception:  # noqa: BLE001 - a failed sample is skipped, the next one comes
                traceback.print_exc()

    def _figures(self) -> list[tuple[str, str, str, cgroup.Figures]]:
        """(dyno, size, container hostname, figures) of every running formation dyno."""
        found = []
        for name, size, handle in self.dynos.running():
            pid = self.backend.host_pid(handle)
            figures = cgroup.read(pid) if pid else None
            if figures is not None:
                found.append((name, size, handle.attrs.get("Config", {}).get("Hostname", handle.id), figures))
        return found

    def _update_loads(self, found, now: float) -> None:
        seen = set()
        for name, _, dyno_id, figures in found:
            seen.add(name)
            previous = self._loads.get(name)
            if previous is None or previous[0] != dyno_id:  # a new dyno run starts from 0
                previous = (dyno_id, LoadAverage(), now)
            self._loads[name] = (dyno_id, previous[1].update(figures.runnable, now - previous[2]), now)
        for gone in set(self._loads) - seen:
            del self._loads[gone]

    def _sample(self, found) -> None:
        settings = self.state.settings()
        lab = samples.FEATURE in settings.labs
        for name, size, dyno_id, figures in found:
            quota = SIZES[size].memory_mb
            load = self._loads.get(name, (dyno_id, LoadAverage(), 0))[1]
            kind = name.split(".", 1)[0]
            self.collector.memory(kind, (figures.rss + figures.cache + figures.swap) / MB, figures.rss / MB,
                                  figures.swap / MB, quota)
            self.collector.load(kind, load.m1)
            if lab:
                dyno = samples.dyno_field(settings.app_id, dyno_id)
                self.logs.platform(name, samples.load_line(name, dyno, load))
                self.logs.platform(name, samples.memory_line(name, dyno, figures, quota))
