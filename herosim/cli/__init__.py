"""herosim's command line: parse, call one verb, render.

Commands live in one module per topic; importing them registers them on the group.
"""

from herosim.cli import (addons, apps, audits, certs, ci, config, dashboard, drains, dynos, git,  # noqa: F401
                         heroku_apps, metrics, pg, pgextras, ps, redis, scheduler)   # importing a module registers its commands
from herosim.cli import dev, snapshots, testing  # noqa: F401 - registers the commands
from herosim.cli.base import cli, main

__all__ = ["cli", "main"]
