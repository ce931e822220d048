"""Heroku Scheduler: an add-on with no server and no config vars; its jobs (platform/schedule.py,
kept in the app's state) run as one-off `scheduler.N` dynos started by the dyno manager."""

from __future__ import annotations

from herosim.addons.attachment import Attachment
from herosim.addons.service import AddonService
from herosim.errors import AddonError

PLANS = ("standard",)


class Scheduler(AddonService):
    service = "scheduler"
    default_plan = "scheduler:standard"
    name_prefix = "scheduler"
    has_sidecar = False

    def new_attachment(self, app: str, plan: str, name: str, volume: str,
                       taken_vars: set[str], options: dict) -> Attachment:
        if plan.partition(":")[2] not in PLANS:
            raise AddonError(f"Couldn't find either the add-on service or the add-on plan of {plan}",
                             hint="scheduler:standard")
        return Attachment(app=app, plan=plan, name=name, volume=volume)

    def credentials(self, attachment: Attachment) -> str:
        return "none: it holds no data (its jobs are the app's)"
