"""Procfile text -> process types -> dynos (pure; honcho does the parsing)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from honcho.environ import PROCFILE_LINE, expand_processes, parse_procfile

from herosim.errors import AppError

# Heroku: "The process type name can be alphanumeric" (underscores are accepted too).
TYPE_RE = re.compile(r"^[A-Za-z0-9_]+$")
RELEASE = "release"


@dataclass(frozen=True)
class Procfile:
    processes: dict[str, str]  # type -> command, in file order

    @property
    def formation_types(self) -> list[str]:
        """Types that run as formation dynos; `release` is a phase, not a dyno."""
        return [name for name in self.processes if name != RELEASE]

    @property
    def release_command(self) -> str | None:
        return self.processes.get(RELEASE)


@dataclass(frozen=True)
class DynoSpec:
    name: str          # web.1
    process_type: str  # web
    command: str


def parse(text: str) -> Procfile:
    """Parse a Procfile, refusing what Heroku would ignore silently or reject."""
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PROCFILE_LINE.match(line)
        if not match:
            raise AppError(
                f"Procfile line {number} is not `<type>: <command>`: {raw.strip()!r}",
                hint="each line names a process type and its command, e.g. `web: gunicorn app:app`",
            )
        name = match.group(1)
        if not TYPE_RE.match(name):
            raise AppError(
                f"Procfile line {number}: process type {name!r} must be alphanumeric",
                hint="rename it, e.g. `" + re.sub(r"[^A-Za-z0-9_]", "_", name) + ": …`",
            )
        if name in seen:
            raise AppError(
                f"Procfile line {number}: process type {name!r} is declared twice",
                hint="keep one line per process type",
            )
        seen.add(name)
    processes = dict(parse_procfile("\n".join(l.strip() for l in text.splitlines())).processes)
    if not processes:
        raise AppError(
            "Procfile declares no process types",
            hint="add a line such as `web: gunicorn app:app`",
        )
    return Procfile(processes=processes)


def expand(procfile: Procfile, formation: dict[str, int]) -> list[DynoSpec]:
    """The dynos a formation asks for, named as Heroku (and honcho) name them."""
    wanted = {name: cmd for name, cmd in procfile.processes.items()
              if name != RELEASE and formation.get(name, 0) > 0}
    params = expand_processes(wanted, concurrency={n: formation[n] for n in wanted})
    return [DynoSpec(name=p.name, process_type=p.name.rsplit(".", 1)[0], command=p.cmd)
            for p in params]


def default_formation(procfile: Procfile) -> dict[str, int]:
    """One dyno of every type, as `heroku local` runs them (release excluded)."""
    return {name: 1 for name in procfile.formation_types}
