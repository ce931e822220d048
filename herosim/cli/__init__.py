"""herosim's command line: parse, call one verb, render.

Commands live in one module per topic (cli/commands.py says which); the group imports a
command's module when the command is called, and all of them for the help.
"""

from herosim.cli.base import cli, main

__all__ = ["cli", "main"]
