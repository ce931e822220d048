"""What a line of the app's log means for the Metrics tab: a request, an error code, or an
event marked on the timeline (deploys, config changes, rollbacks, scaling, restarts, crashes)."""

from __future__ import annotations

import re

from herosim.metrics import routerline
from herosim.metrics.rollup import Rollups
from herosim.platform.logline import LogLine

DYNO_ERROR = re.compile(r"^Error (R\d\d) ")
API_EVENTS = (  # the app[api] lines of releases and scaling, as Heroku writes them
    (re.compile(r"^Deploy \S+ by user "), "deploy"),
    (re.compile(r"^Rollback to v\d+ by user "), "rollback"),
    (re.compile(r"^(Set|Remove|Unset) .* config vars? by user "), "config"),
    (re.compile(r"^Scaled to .* by user "), "scale"),
)
RELEASE = re.compile(r"^Release (v\d+) created by user ")


def observe(rollups: Rollups, line: LogLine) -> bool:
    """Whether the line meant something for the Metrics tab (it changed the rollups)."""
    if line.source == "app" and line.dyno != "api":
        return False   # the dynos' own output: most lines, and nothing for the Metrics tab
    when = line.timestamp.timestamp()
    if line.dyno == "router":
        figures = routerline.parse(line.message)
        if figures is not None:
            rollups.request(when, figures.status, figures.service_ms, figures.code)
        return figures is not None
    if line.dyno == "api":
        return _api(rollups, when, line.message)
    message, kind = line.message, line.process_type
    if message.startswith("source="):
        return False   # log-runtime-metrics' samples: the collector has the figures already
    if message.startswith("Error L1"):
        rollups.error(when, "web", message.split(" ", 2)[1])
        return True
    error = DYNO_ERROR.match(message)
    if error:
        rollups.error(when, kind, error.group(1))
    elif message in ("Restarting", "Cycling"):
        rollups.event(when, "restart", f"{line.dyno}: {message}", kind)
    elif message.endswith(" to crashed") and message.startswith("State changed from "):
        rollups.event(when, "crash", f"{line.dyno} crashed", kind)
    else:
        return False
    return True


def _api(rollups: Rollups, when: float, message: str) -> bool:
    release = RELEASE.match(message)
    if release and rollups.events and rollups.events[-1]["kind"] in ("deploy", "rollback", "config") \
            and "release" not in rollups.events[-1]:
        rollups.events[-1]["release"] = release.group(1)
        return True
    for pattern, kind in API_EVENTS:
        if pattern.match(message):
            rollups.event(when, kind, message.split(" by user ", 1)[0])
            return True
    return False
