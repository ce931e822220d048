"""Each build's output, kept for the dashboard's Activity tab as Heroku keeps a build log per
build: the last 10 builds of an app, at most 3,000 lines each, in `builds.json` (0600: a
hook may print what it should not, as on Heroku)."""

from __future__ import annotations

import contextlib
import datetime as dt

from herosim.platform import jsonfile
from herosim.progress import Recorder

FILE = "builds.json"
KEPT = 10
MAX_LINES = 3000


class Tee(Recorder):
    """Forwards every line to the real Progress and keeps a copy (bounded)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.release: int | None = None

    def _keep(self, _: int = 0) -> None:
        if len(self.lines) > MAX_LINES:  # the first lines and the last one stay
            del self.lines[MAX_LINES - 1:-1]

    def step(self, message):
        super().step(message)
        self.inner.step(message)
        self._keep(0)

    def detail(self, line):
        super().detail(line)
        self.inner.detail(line)
        self._keep(0)

    def warn(self, summary, *lines):
        super().warn(summary, *lines)
        self.inner.warn(summary, *lines)
        self._keep(0)

    def info(self, text):
        super().info(text)
        self.inner.info(text)
        self._keep(0)

    def block(self, lines):
        super().block(lines)
        self.inner.block(lines)
        self._keep(0)

    def __getattr__(self, name):  # anything else the real Progress offers (colour, streams)
        return getattr(self.inner, name)


@contextlib.contextmanager
def recording(ctx):
    """Record what a build prints while it runs; keep it, succeeded or failed."""
    tee = Tee(ctx.progress)
    ctx.progress = tee
    status = "failed"
    try:
        yield tee
        status = "succeeded"
    finally:
        ctx.progress = tee.inner
        save(ctx.state, tee, status)


def save(state, tee: Tee, status: str) -> None:
    builds = load(state)
    builds.append({"created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                   "status": status, "release": f"v{tee.release}" if tee.release else None, "lines": tee.lines})
    try:
        jsonfile.write(state.path(FILE), builds[-KEPT:])
    except Exception:  # noqa: BLE001 - a build log that cannot be kept never fails the build
        pass


def load(state) -> list[dict]:
    try:
        found = jsonfile.read(state.path(FILE), [])
    except Exception:  # noqa: BLE001
        return []
    return found if isinstance(found, list) else []
