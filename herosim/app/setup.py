"""app.json on the app's first deploy, as a Heroku Button deploy applies it: its config vars
(values, generated secrets; a required one without a value stops `up` before anything
changes), its add-ons, its formation, then `scripts.postdeploy` once, in a one-off dyno."""

from __future__ import annotations

from pathlib import Path

from herosim.app.addons import Addons
from herosim.app.context import AppContext
from herosim.errors import HerosimError
from herosim.platform import appjson, formation
from herosim.platform.releases import Release
from herosim.runtime import oneoff

FILE = "app.json"


def read(path: Path) -> appjson.AppJson | None:
    file = path / FILE
    return appjson.parse(file.read_text(encoding="utf-8", errors="replace")) if file.is_file() else None


class AppSetup:
    def __init__(self, ctx: AppContext, addons: Addons):
        self.ctx = ctx
        self.addons = addons

    def first_deploy(self) -> bool:
        """No deploy yet (a config:set before it makes a release without a slug)."""
        return not any(r.slug for r in self.ctx.state.releases())

    def before_build(self, manifest: appjson.AppJson) -> None:
        """Config vars and formation, when the app is created; nothing changes when a required
        config var has no value."""
        values, missing = appjson.config_for(manifest.base.env, self.ctx.state.config_vars())
        if missing:
            raise appjson.missing_error(missing)
        if values:
            self.ctx.state.update_config_vars(values)
            self.ctx.progress.step(f"Setting {', '.join(sorted(values))} from app.json")
        if manifest.base.formation:
            formation.check_declared(manifest.base.formation)
            self.ctx.state.set_formation({kind: quantity for kind, (quantity, _) in manifest.base.formation.items()})
            sizes = {kind: size for kind, (_, size) in manifest.base.formation.items()}
            self.ctx.state.change_settings(lambda settings: settings.with_sizes(sizes))

    def provision(self, manifest: appjson.AppJson, stack) -> None:
        for spec in manifest.base.addons:
            self.addons.ensure_plan(spec.plan, {**spec.options, **({"as": spec.as_} if spec.as_ else {})}, stack)

    def postdeploy(self, manifest: appjson.AppJson, release: Release) -> None:
        """scripts.postdeploy, once in the app's life, after its first release."""
        command = manifest.postdeploy()
        if not command or self.ctx.state.settings().postdeploy_done:
            return
        self.ctx.progress.step(f"Running postdeploy script `{command}`")

        def echo(stream: int, data: bytes) -> None:
            for line in data.decode("utf-8", errors="replace").splitlines():
                self.ctx.progress.detail(line)

        status = oneoff.run(self.ctx.client, self.ctx.state, release, oneoff.new("run", command), output=echo,
                            interactive=False, use_tty=False, to_log=True)
        if status != 0:
            raise HerosimError(f"The postdeploy script failed: `{command}` exited with status {status}",
                               hint="fix it; it runs again on the next deploy (it has not run yet)")
        self.ctx.state.update_settings(postdeploy_done=True)
