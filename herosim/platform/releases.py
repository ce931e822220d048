"""A release: what Heroku records for vN (pure value)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from herosim.const import ENV_USER

SUCCEEDED, PENDING, FAILED = "succeeded", "pending", "failed"


@dataclass(frozen=True)
class Release:
    version: int
    description: str
    created_at: str
    user: str
    slug: str | None = None                      # slug image id
    processes: dict[str, str] = field(default_factory=dict)
    config_vars: dict[str, str] = field(default_factory=dict)
    status: str = SUCCEEDED
    commit: str = ""                             # the slug's source commit (HEROKU_SLUG_COMMIT)

    @property
    def name(self) -> str:
        return f"v{self.version}"

    @classmethod
    def from_dict(cls, data: dict) -> "Release":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def current_user() -> str:
    return os.environ.get(ENV_USER) or f"{os.environ.get('USER', 'developer')}@localhost"
