"""Heroku's app-name rules (pure)."""

from __future__ import annotations

import re
from pathlib import Path

from herosim.errors import HerosimError

APP_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,29}$")


def from_dir(path: Path) -> str:
    """Heroku's app-name rules applied to a directory name: lowercase, digits, dashes."""
    name = re.sub(r"[^a-z0-9-]+", "-", path.resolve().name.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = "app-" + name
    return name[:30].rstrip("-")


def check(name: str) -> str:
    if not APP_NAME_RE.match(name) or name.endswith("-"):
        raise HerosimError(
            f"Invalid app name {name!r}",
            hint="Name must start with a letter, end with a letter or digit and can only "
                 "contain lowercase letters, digits, and dashes (2 to 30 characters)",
        )
    return name
