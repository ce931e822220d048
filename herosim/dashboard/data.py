"""What each tab shows, as JSON-ready data read from the app's state, its dyno manager and its
engine. Config var values appear only in `config_values` (the Settings tab's reveal); add-on
URLs and drain URLs never do."""

from __future__ import annotations

import datetime as dt

from herosim.app import buildlog
from herosim.drains.store import DrainStore
from herosim.metrics import view
from herosim.paths import home
from herosim.platform import formation, procfile
from herosim.platform.sizes import SIZES
from herosim.platform.state import AppState


def app_names() -> list[str]:
    folder = home() / "apps"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _formation(state: AppState) -> list[dict]:
    release = state.current_release()
    processes = release.processes if release else {}
    types = procfile.Procfile(processes).formation_types if release else []
    counts = formation.quantities(state.formation(), types)
    settings = state.settings()
    return [{"type": t, "quantity": counts[t], "size": SIZES[settings.size_of(t, "basic")].name,
             "command": processes.get(t, "")} for t in types]


def releases(state: AppState, limit: int = 50) -> list[dict]:
    return [{"version": f"v{r.version}", "description": r.description, "user": r.user, "created_at": r.created_at,
             "status": r.status} for r in reversed(state.releases()[-limit:])]


def overview(app) -> dict:
    state = app.state
    settings = state.settings()
    current = state.current_release()
    return {
        "app": app.name, "url": app.url(), "https_url": app.https_url(),
        "release": current.name if current else None,
        "formation": _formation(state),
        "dynos": [d.to_dict() for d in app.dynos.status()],
        "addons": [{"name": a.name, "plan": a.plan} for a in app.addons.attached()],
        "activity": releases(state, 5),
        "maintenance": settings.maintenance,
        "drains": len(DrainStore(state).list()),
    }


def activity(state: AppState) -> dict:
    builds = buildlog.load(state)
    return {"releases": releases(state),
            "builds": [{"created_at": b.get("created_at"), "status": b.get("status"), "release": b.get("release"),
                        "lines": b.get("lines") or []} for b in reversed(builds)]}


def settings(app) -> dict:
    """The Settings tab: config var names only (their values come with `config_values`)."""
    values = app.state.settings()
    return {"app": app.name, "router_port": values.router_port, "source": values.source,
            "labs": list(values.labs), "config_var_names": sorted(app.config.all()),
            "python": values.last_build.python}


def config_values(app) -> dict:
    """What `herosim config` shows: add-on vars and the user's."""
    return dict(sorted(app.config.all().items()))


def metrics(state: AppState, window: str, process_type: str) -> dict:
    return view.of_app(state, window, process_type)


def logs(app, count: int = 100) -> list[str]:
    return [line.render() for line in app.logs.tail(count)]


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
