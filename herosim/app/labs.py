"""The app's Heroku Labs features (runtime-dyno-metadata)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from herosim.app.context import AppContext
from herosim.errors import HerosimError
from herosim.platform import metadata


class Labs:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx

    def enabled(self) -> list[str]:
        return list(self.ctx.state.settings().labs)

    def set(self, feature: str, on: bool) -> None:
        """Enable or disable a feature; nothing restarts (as on Heroku)."""
        if feature not in metadata.FEATURES:
            raise HerosimError(f"Couldn't find that feature: {feature}.",
                               hint="herosim knows: " + ", ".join(sorted(metadata.FEATURES)))
        with self.ctx.changing():
            self.ctx.state.change_settings(
                lambda settings: replace(settings.with_lab(feature, on), app_id=settings.app_id or str(uuid.uuid4())))
