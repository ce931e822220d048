"""Which add-on services exist, by plan name and by the dependencies that call for them."""

from __future__ import annotations

from herosim.addons.keyvalue import KeyValueStore
from herosim.addons.keyvalue import wanted as keyvalue_wanted
from herosim.addons.service import AddonService
from herosim.addons.postgres import Postgres
from herosim.addons.scheduler import Scheduler
from herosim.addons.postgres import wanted as postgres_wanted
from herosim.addons.search import Search
from herosim.addons.search import wanted as search_wanted
from herosim.errors import AddonError

SERVICES: dict[str, AddonService] = {
    "heroku-postgresql": Postgres(),
    "heroku-redis": KeyValueStore(),
    "scheduler": Scheduler(),
    "elasticsearch": Search("elasticsearch", "elasticsearch", auth_user=None),
    "searchbox": Search("searchbox", "searchbox", auth_user="paas"),
    "bonsai": Search("bonsai", "bonsai", auth_user="bonsai"),
}


ALIASES = {"heroku-key-value-store": "heroku-redis"}   # the Key-Value Store's new name


def canonical_plan(plan: str) -> str:
    service, _, tier = plan.partition(":")
    return ALIASES.get(service, service) + (f":{tier}" if tier else "")


def service_for_plan(plan: str) -> AddonService:
    service = ALIASES.get(plan.split(":", 1)[0], plan.split(":", 1)[0])
    if service in SERVICES:
        return SERVICES[service]
    raise AddonError(f"Couldn't find either the add-on service or the add-on plan of {plan!r}",
                     hint="herosim provides: " + ", ".join(sorted(SERVICES)))


def wanted_services(dependencies: frozenset[str]) -> list[AddonService]:
    out = []
    if postgres_wanted(dependencies):
        out.append(SERVICES["heroku-postgresql"])
    if keyvalue_wanted(dependencies):
        out.append(SERVICES["heroku-redis"])
    if search_wanted(dependencies):
        out.append(SERVICES["elasticsearch"])
    return out
