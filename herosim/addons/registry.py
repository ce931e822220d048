"""Which add-on services exist, by plan name and by the dependencies that call for them."""

from __future__ import annotations

from herosim.addons.keyvalue import KeyValueStore
from herosim.addons.keyvalue import wanted as keyvalue_wanted
from herosim.addons.postgres import Postgres
from herosim.addons.postgres import wanted as postgres_wanted
from herosim.addons.scheduler import Scheduler
from herosim.addons.search import Search
from herosim.addons.search import wanted as search_wanted
from herosim.addons.service import AddonService
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


# Plans Heroku retired, and the plan that replaced each (Dev Center: Heroku Postgres plans,
# Heroku Key-Value Store plans; hobby plans ended on 28 November 2022, mini and basic became
# essential-0 and essential-1 in 2024).
RETIRED = {
    "heroku-postgresql:hobby-dev": "heroku-postgresql:essential-0",
    "heroku-postgresql:hobby-basic": "heroku-postgresql:essential-1",
    "heroku-postgresql:mini": "heroku-postgresql:essential-0",
    "heroku-postgresql:basic": "heroku-postgresql:essential-1",
    "heroku-redis:hobby-dev": "heroku-redis:mini",
}
# What Heroku charges (cents a month), for its `Creating … on ⬢ app... ~$0.007/hour (max $5/month)`.
PRICES = {"heroku-postgresql:essential-0": 500, "heroku-redis:mini": 300}


def check_not_retired(plan: str) -> None:
    """The Platform API's refusal of a retired plan, in its words; the replacement as the hint."""
    plan = canonical_plan(plan)
    replacement = RETIRED.get(plan)
    if replacement is None:
        return
    service, _, tier = plan.partition(":")
    hint = f"the plan that replaced it is {replacement}: herosim addons:create {replacement}"
    if tier in ("mini", "basic"):   # ended in 2024/25: the provider answers
        raise AddonError(f"We tried to create {plan}, but received an error from the add-on provider. Try the "
                         "request again, or log a support ticket and include this message: \n ▸    "
                         f"The {tier} plan has reached end-of-life. You can try again with a valid plan. See the "
                         f"available plans with: heroku addons:plans {service}.", hint=hint)
    raise AddonError(f"The {plan} plan is no longer available. Choose a different plan. See all available plans "
                     "in the Elements Marketplace at elements.heroku.com.", hint=hint)


def price_text(plan: str) -> str:
    """Heroku's formatPriceText: `~$X.XXX/hour (max $N/month)` (720 hours a month), `free`."""
    cents = PRICES.get(canonical_plan(plan) if ":" in plan else service_for_plan(plan).default_plan)
    if not cents:
        return "free"
    monthly = f"${cents / 100:.0f}" if cents % 100 == 0 else f"${cents / 100:.2f}"
    return f"~${cents / 100 / 720:.3f}/hour (max {monthly}/month)"


def provision_lines(plan: str) -> list[str]:
    """The provider's message for a database that is ready when the command returns, as the
    Flask Mega-Tutorial's Heroku chapter shows it."""
    if canonical_plan(plan).startswith("heroku-postgresql"):
        return ["Database has been created and is available",
                " ! This database is empty. If upgrading, you can transfer",
                " ! data from another database with pg:copy"]
    return []
