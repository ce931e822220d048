"""`pg:connection-pooling:attach`: the database's pooler as an attachment of the same add-on,
refused on the plans Heroku refuses it on; a release with its config var."""

from __future__ import annotations

from herosim.addons import attachment as records
from herosim.addons import pooler
from herosim.addons.attachment import Attachment
from herosim.app.postgres import Databases
from herosim.errors import HerosimError
from herosim.platform.releases import Release


class Pooling:
    def __init__(self, pg: Databases):
        self.pg = pg
        self.addons = pg.addons
        self.ctx = pg.ctx

    @staticmethod
    def check(attachment: Attachment) -> None:
        """Heroku's refusal, before anything is done, of a plan without server-side pooling."""
        if not pooler.offers_pooling(attachment.plan):
            raise HerosimError("You can't perform this operation on Essential-tier databases.",
                               hint="server-side pooling needs Standard tier or above (addons:create "
                                    "heroku-postgresql:standard-0); on Essential, run PgBouncer on the dyno: "
                                    "`web: bin/start-pgbouncer …` in the Procfile (heroku/pgbouncer buildpack)")

    def attach(self, attachment: Attachment, name: str | None = None) -> tuple[str, Release]:
        """(the attachment's name, the release that sets its config var)."""
        self.check(attachment)
        name = (name or pooler.DEFAULT_NAME).upper().removesuffix("_URL")
        var = f"{name}_URL"
        with self.ctx.changing():
            taken = set(self.addons.config_vars()) | set(self.ctx.state.config_vars())
            if var in taken:
                raise HerosimError(f"{var} is already set on {self.ctx.name}",
                                   hint="name the attachment otherwise: --as NAME")
            url = next(v for k, v in attachment.config.items() if k.endswith("_URL") and k not in
                       pooler.pooled_vars(attachment))
            updated = records.add_config(attachment, {var: pooler.pooled_url(url, attachment)})
            self.addons.start_pooler(updated)
            release = self.addons.releases.again(f"Attach {name} (@ref:{attachment.name})")
        return name, release
