"""The app's config vars: the user's and its add-ons', with Heroku's rules; a change is a
release that restarts the dynos."""

from __future__ import annotations

from collections.abc import Sequence

from herosim.app.addons import Addons
from herosim.app.context import AppContext
from herosim.app.releases import Releases
from herosim.platform.config_vars import check_not_addon_owned, check_size, describe_keys, merge
from herosim.platform.releases import Release


class ConfigVars:
    def __init__(self, ctx: AppContext, releases: Releases, addons: Addons):
        self.ctx = ctx
        self.releases = releases
        self.addons = addons

    def all(self) -> dict[str, str]:
        """What every dyno sees: add-on vars plus the user's."""
        return merge(self.addons.config_vars(), self.ctx.state.config_vars())

    def change(self, values: dict[str, str], unset: Sequence[str] = ()) -> Release:
        addon_vars = self.addons.config_vars()
        check_not_addon_owned(list(values) + list(unset), addon_vars)
        with self.ctx.changing():
            check_size(merge(addon_vars, {**self.ctx.state.config_vars(), **values}))
            new = self.ctx.state.update_config_vars(values, list(unset))
            keys = describe_keys(values or unset)
            description = f"Set {keys} config vars" if values else f"Remove {keys} config vars"
            return self.releases.again(description, new)
