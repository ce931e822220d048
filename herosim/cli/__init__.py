"""herosim's command line: parse, call one verb, render.

Commands live in one module per topic; importing them registers them on the group.
"""

from herosim.cli import (  # noqa: F401  # noqa: F401 - registers the commands
                         addons,
                         apps,
                         audits,
                         certs,
                         ci,
                         config,
                         dashboard,
                         dev,
                         drains,
                         dynos,
                         git,
                         heroku_apps,  # importing a module registers its commands
                         metrics,
                         pg,
                         pgextras,
                         ps,
                         redis,
                         scheduler,
                         snapshots,
                         testing,
)
from herosim.cli.base import cli, main

__all__ = ["cli", "main"]
