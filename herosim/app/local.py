"""`herosim local`: exactly `heroku local` (heroku/cli src/commands/local/index.ts and its
vendored foreman): the Procfile's processes on this machine, through honcho; the env file
(.env by default, several with commas, KEY=VALUE or JSON) over this shell's environment; PORT
from --port, else the env file's, else this shell's, else 5006, plus the instance's index
and 100 per process type; `release` left out unless named.

What it is not (the line `herosim local` prints): not the slug (every file of the directory
is there, tracked or not), not a dyno's filesystem (what the app writes stays), not the
add-ons (whatever the env file points at, without their TLS)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from honcho.environ import parse_procfile

from herosim.errors import HerosimError

DEFAULT_PORT = 5006        # heroku/cli's foreman since it left 5000 (macOS AirPlay)
NOTE = ("herosim local runs the Procfile on this machine, as `heroku local` does; it does not reproduce "
        "the slug (untracked and ignored files are here), the dyno's filesystem (writes persist) or the "
        "add-ons' TLS (whatever the env file points at): `herosim dev` does.")


@dataclass(frozen=True)
class LocalProcess:
    name: str                 # web.1
    command: str
    env: dict[str, str]       # what it adds to the environment: the env file, PORT, FOREMAN_WORKER_NAME


def parse_env(text: str) -> dict[str, str]:
    """An env file as foreman reads it: JSON (flattened to KEY_SUBKEY), else KEY=VALUE lines;
    `#` lines dropped, a quoted value taken as it is (no escapes: `\\n` stays two characters),
    an unquoted one cut at ` #`."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return _flatten(data)
    env: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or len(line) <= 2:
            continue
        key, _, value = line.partition("=")
        env[key.strip()] = _value(value.strip())
    return env


def _value(value: str) -> str:
    quoted = re.match(r"""^(["'])(.*?)\1""", value) if value[:1] in ("'", '"') else None
    if quoted:
        return quoted.group(2)
    if value[:1] in ("'", '"'):
        return ""
    return re.sub(r"\s*#.*$", "", value)


def _flatten(data: dict, prefix: tuple[str, ...] = ()) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        path = prefix + (str(key),)
        if isinstance(value, (dict, list)) and value is not None:
            items = value if isinstance(value, dict) else {str(i): v for i, v in enumerate(value)}
            out.update(_flatten(items, path))
        else:
            out["_".join(path).upper()] = "" if value is None else (
                str(value).lower() if isinstance(value, bool) else str(value))
    return out


def load_envs(spec: str, root: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Each env file of the comma-separated list (a missing one is empty), later ones winning;
    "" reads none."""
    env: dict[str, str] = {}
    for name in (n.strip() for n in spec.split(",")):
        path = root / name
        if name and path.is_file():
            env.update(parse_env(path.read_text(errors="replace")))
    env.setdefault("PATH", environ.get("PATH", ""))
    return env


def requirements(arg: str | None, types: list[str]) -> dict[str, int]:
    """`web`, `web=2`, `web=1,worker=2`; none: every type once (`release` left out)."""
    if not arg:
        return {t: 1 for t in types if t != "release"}
    out = {}
    for item in arg.split(","):
        key, _, count = item.strip().partition("=")
        try:
            out[key] = int(count) if count else 1
        except ValueError:
            raise HerosimError(f"Invalid process count in {item!r}", hint="e.g. herosim local web=1,worker=2") from None
    return out


def base_port(flag: str | None, envs: Mapping[str, str], environ: Mapping[str, str]) -> int:
    raw = flag or envs.get("PORT") or environ.get("PORT") or str(DEFAULT_PORT)
    try:
        port = int(raw)
    except ValueError:
        raise HerosimError(f"Invalid port: {raw}", hint="a number from 1024 to 65535") from None
    if port < 1024:
        raise HerosimError(f"Port {port} is privileged", hint="use a port from 1024 up, e.g. --port 5006")
    return port


def processes(procfile: Mapping[str, str], wanted: Mapping[str, int], envs: Mapping[str, str],
              port: int) -> tuple[list[LocalProcess], list[str]]:
    """The processes to start (PORT = base + instance + 100 per type, foreman's rule) and the
    names asked for that the Procfile lacks."""
    out, missing = [], []
    for index, (kind, count) in enumerate(wanted.items()):
        if kind not in procfile:
            missing.append(kind)
            continue
        for instance in range(count):
            name = f"{kind}.{instance + 1}"
            env = {**envs, "PORT": str(port + instance + index * 100), "FOREMAN_WORKER_NAME": name}
            out.append(LocalProcess(name, procfile[kind], env))
    return out, missing


def read_procfile(path: Path) -> dict[str, str]:
    try:
        return dict(parse_procfile(path.read_text()).processes)
    except OSError as exc:
        raise HerosimError(f"Could not read {path}: {exc.strerror}", hint="check the file") from exc


def no_procfile(name: str) -> HerosimError:
    return HerosimError(f"Your app doesn’t have a {name}.",
                        hint="add a Procfile to add process types (https://devcenter.heroku.com/articles/procfile), "
                             "or specify a start command with --start-cmd")


def run(root: Path, procs: list[LocalProcess], printer=None) -> int:
    """Run them through honcho until one exits or Ctrl-C; the exit status."""
    from honcho.manager import Manager
    from honcho.printer import Printer
    manager = Manager(Printer(printer) if printer is not None else Printer())
    for proc in procs:
        manager.add_process(proc.name, proc.command, env={**os.environ, **proc.env}, cwd=str(root))
    manager.loop()
    return manager.returncode or 0
