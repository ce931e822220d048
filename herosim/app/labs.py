"""The app's Heroku Labs features (runtime-dyno-metadata)."""

from __future__ import annotations

import uuid

from herosim.app.context import AppContext
from herosim.errors import HerosimError
from herosim.platform import metadata


class Labs:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def enabled(self) -> list[str]:
        return list(self.ctx.state.settings().get("labs") or [])

    def set(self, feature: str, on: bool) -> None:
        """Enable or disable a feature; nothing restarts (as on Heroku)."""
        if feature not in metadata.FEATURES:
            raise HerosimError(f"Couldn't find that feature: {feature}.",
                               hint="herosim knows: " + ", ".join(sorted(metadata.FEATURES)))
        with self.ctx.changing():
            current = [f for f in self.enabled() if f != feature] + ([feature] if on else [])
            settings = self.ctx.state.settings()
            self.ctx.state.update_settings(labs=current, app_id=settings.get("app_id") or str(uuid.uuid4()))
