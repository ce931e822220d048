"""Heroku Labs' runtime-dyno-metadata: the HEROKU_* vars a dyno sees once the feature is on
(from the next dyno start: enabling it restarts nothing), and the labs features herosim knows."""

from __future__ import annotations

import datetime as dt

from herosim.platform.releases import Release
from herosim.platform.state import Settings

RUNTIME_DYNO_METADATA = "runtime-dyno-metadata"
LOG_RUNTIME_METRICS = "log-runtime-metrics"  # the dyno manager's observer emits its lines (metrics/samples.py)
FEATURES = {RUNTIME_DYNO_METADATA: "Information about app and environment available in config vars",
            LOG_RUNTIME_METRICS: "Emit dyno resource usage information into app logs"}


def enabled(settings: Settings, feature: str) -> bool:
    return feature in settings.labs


def release_vars(app: str, app_id: str, release: Release) -> dict[str, str]:
    """What a dyno of `release` sees besides HEROKU_DYNO_ID (set per dyno at its start)."""
    created = dt.datetime.fromisoformat(release.created_at.replace("Z", "+00:00"))
    return {
        "HEROKU_APP_ID": app_id,
        "HEROKU_APP_NAME": app,
        "HEROKU_RELEASE_CREATED_AT": created.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "HEROKU_RELEASE_VERSION": release.name,
        "HEROKU_SLUG_COMMIT": release.commit,
        # the slug's description: its deploy's, also on a release that only changed config vars
        "HEROKU_SLUG_DESCRIPTION": f"Deploy {release.commit[:8]}" if release.commit else release.description,
    }


def for_release(app: str, settings: Settings, release: Release) -> dict[str, str]:
    """The metadata vars of a dyno of `release`, or none when the feature is off."""
    if not enabled(settings, RUNTIME_DYNO_METADATA) or not settings.app_id:
        return {}
    return release_vars(app, settings.app_id, release)
