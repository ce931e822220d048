"""herosim's command line: parse, call one verb, render.

Commands live in one module per topic; importing them registers them on the group.
"""

from herosim.cli import (addons, apps, audits, certs, ci, config, dynos, git, heroku_apps, pg, ps,  # noqa: F401
                         redis, scheduler)   # importing a module registers its commands
from herosim.cli.base import cli, main

__all__ = ["cli", "main"]
