"""`python -m herosim.runtime --app APP --settings JSON`: the dyno manager process,
started detached by launcher.spawn."""

from __future__ import annotations

import argparse
import sys

from herosim.engine import client as engine_client
from herosim.errors import HerosimError
from herosim.platform.state import AppState
from herosim.runtime.manager import Manager
from herosim.runtime.settings import ManagerSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="herosim-manager")
    parser.add_argument("--app", required=True)
    parser.add_argument("--settings", required=True)
    args = parser.parse_args(argv)
    try:
        Manager(engine_client.connect(), AppState(args.app), ManagerSettings.from_json(args.settings)).run()
    except HerosimError as exc:
        print(f"{exc.message} ({exc.hint})", file=sys.stderr, flush=True)
        return 1
    return 0
