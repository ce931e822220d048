"""Labels are the only record of what belongs to an app: the filters that find it, and
whether the engine runs on this machine (so its files and processes can be read directly)."""

from __future__ import annotations

import os

from herosim.const import ENV_TEST_SESSION, LABEL_ADDON_NAME, LABEL_APP, LABEL_DYNO, LABEL_ROLE, LABEL_SESSION


def of_app(app: str, role: str | None = None, *, dyno: str | None = None, addon: str | None = None) -> dict:
    """A `filters=` argument: the app's objects, optionally of one role, dyno or add-on."""
    labels = [f"{LABEL_APP}={app}"]
    if role:
        labels.append(f"{LABEL_ROLE}={role}")
    if dyno:
        labels.append(f"{LABEL_DYNO}={dyno}")
    if addon:
        labels.append(f"{LABEL_ADDON_NAME}={addon}")
    return {"label": labels}


def of_role(role: str, **more: str) -> dict:
    return {"label": [f"{LABEL_ROLE}={role}", *(f"{k}={v}" for k, v in more.items())]}


def for_app(app: str, role: str, **more: str) -> dict[str, str]:
    """The labels an object of the app carries (with the test session's, when one runs)."""
    labels = {LABEL_APP: app, LABEL_ROLE: role, **more}
    session = os.environ.get(ENV_TEST_SESSION)
    if session:
        labels[LABEL_SESSION] = session
    return labels


def for_tool(role: str) -> dict[str, str]:
    """The labels of a short-lived helper container that belongs to no app (removed at once)."""
    labels = {LABEL_ROLE: role}
    session = os.environ.get(ENV_TEST_SESSION)
    if session:
        labels[LABEL_SESSION] = session
    return labels


def engine_is_local() -> bool:
    """True when the engine runs on this machine (a unix socket): its containers' /proc and
    overlay folders can be read directly, which is much faster than asking the API."""
    host = os.environ.get("DOCKER_HOST", "")
    return not host or host.startswith("unix://")
