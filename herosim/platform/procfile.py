"""Procfile text -> process types -> dynos (pure; honcho does the parsing)."""

from __future__ import annotations

from dataclasses import dataclass

from honcho.environ import PROCFILE_LINE, expand_processes, parse_procfile

from herosim.errors import AppError

RELEASE = "release"


@dataclass(frozen=True)
class Procfile:
    processes: dict[str, str]  # type -> command, in file order
    ignored: tuple[str, ...] = ()  # lines that declare nothing (Heroku skips them silently)

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
    """Parse a Procfile as Heroku does, with honcho: `<type>: <command>` lines (letters, digits,
    `_` and `-` in the type); other lines declare nothing and are skipped (they are listed, so
    the build can say so). A type declared twice is an error."""
    try:
        processes = dict(parse_procfile(text).processes)
    except AssertionError:
        names = [m.group(1) for m in map(PROCFILE_LINE.match, text.splitlines()) if m]
        twice = next(name for name in names if names.count(name) > 1)
        raise AppError(f"Procfile declares the process type {twice!r} twice",
                       hint="keep one line per process type") from None
    ignored = tuple(line for line in text.splitlines()
                    if line.strip() and not line.lstrip().startswith("#") and not PROCFILE_LINE.match(line))
    return Procfile(processes=processes, ignored=ignored)


def expand(procfile: Procfile, formation: dict[str, int]) -> list[DynoSpec]:
    """The dynos a formation asks for, named as Heroku (and honcho) name them."""
    wanted = {name: cmd for name, cmd in procfile.processes.items()
              if name != RELEASE and formation.get(name, 0) > 0}
    params = expand_processes(wanted, concurrency={n: formation[n] for n in wanted})
    return [DynoSpec(name=p.name, process_type=p.name.rsplit(".", 1)[0], command=p.cmd)
            for p in params]
