"""What the platform needs from the app's files: a Procfile whose web process binds $PORT,
one package-manager file, every file the app needs in git, no .env."""

from __future__ import annotations

import re

from herosim.audit.doctor.finding import ERROR, WARNING, Finding
from herosim.audit.doctor.source import PythonFile
from herosim.errors import HerosimError
from herosim.platform import procfile as procfile_mod

DEV_SERVERS = (re.compile(r"\bflask\s+run\b"), re.compile(r"manage\.py\s+runserver\b"),
               re.compile(r"\bpython3?\s+-m\s+http\.server\b"))
PORT_AWARE = (re.compile(r"\bgunicorn\b"), re.compile(r"\$\{?PORT\b"))  # gunicorn binds $PORT itself


def _runs_dev_server(web: str, read) -> bool:
    """`python app.py` where app.py calls app.run(...): Flask's development server."""
    match = re.search(r"\bpython3?\s+(\S+\.py)\b", web)
    return bool(match and re.search(r"\.run\(", read(match.group(1)) or ""))


def procfile(files: set[str], read) -> list[Finding]:
    if "Procfile" not in files:
        return [Finding(ERROR, "No Procfile", "", "Heroku builds the app but starts nothing: every request gets "
                        "H14 (No web processes running).",
                        "add a Procfile with `web: gunicorn app:app` (and git add it)")]
    try:
        parsed = procfile_mod.parse(read("Procfile") or "")
    except HerosimError as exc:
        return [Finding(ERROR, "The Procfile does not parse", "Procfile", exc.message, exc.hint)]
    web = parsed.processes.get("web")
    if web is None:
        return [Finding(WARNING, "No web process type", "Procfile", "the router answers H14 (No web processes "
                        "running): nothing serves HTTP.", "add `web: gunicorn app:app` unless the app has no web side")]
    if any(p.search(web) for p in DEV_SERVERS) or _runs_dev_server(web, read):
        return [Finding(ERROR, "The web process runs a development server", "Procfile",
                        f"`{web}`: Flask's and Django's development servers are single-process, slow and not meant "
                        "for production.", "web: gunicorn app:app (add gunicorn to the requirements)")]
    if not any(p.search(web) for p in PORT_AWARE):
        return [Finding(ERROR, "The web process may not bind $PORT", "Procfile",
                        f"`{web}` does not mention $PORT: Heroku assigns the port at each start and kills a web "
                        "dyno that has not bound it within 60 s (R10).",
                        "pass the port, e.g. `--port $PORT` or `-b 0.0.0.0:$PORT`, or use gunicorn")]
    return []


def formation(counts: dict[str, int] | None) -> list[Finding]:
    """A clock process scaled above 1: each clock dyno schedules the same jobs."""
    clocks = (counts or {}).get("clock", 0)
    if clocks > 1:
        return [Finding(WARNING, "More than one clock dyno", "Procfile",
                        f"clock is scaled to {clocks}: each clock dyno schedules every job, so each job runs "
                        f"{clocks} times.", "herosim ps:scale clock=1")]
    return []


def missing_files(untracked: tuple[str, ...], ignored: tuple[str, ...]) -> list[Finding]:
    out = []
    needed = [p for p in (*untracked, *ignored)
              if re.search(r"(^|/)(migrations|alembic)/|(^|/)alembic\.ini$|(^|/)env\.py$", p)]
    if needed:
        out.append(Finding(ERROR, "Files the app needs are not in git", needed[0],
                           f"{', '.join(needed[:8])}: not tracked (or ignored), so not deployed; migrations then "
                           'fail and queries meet `relation "user" does not exist`.',
                           "git add them (and remove their pattern from .gitignore)"))
    others = [p for p in untracked if p not in needed and not p.endswith((".pyc", ".log", ".db"))]
    if others:
        out.append(Finding(WARNING, "Untracked files are not deployed", others[0],
                           f"{', '.join(others[:8])}{' …' if len(others) > 8 else ''}: `git push heroku` leaves "
                           "them out.", "git add the ones the app needs"))
    return out


def dotenv(sources: list[PythonFile]) -> list[Finding]:
    for source in sources:
        match = re.search(r"load_dotenv\(|dotenv_values\(", source.text)
        if match:
            line = source.text[:match.start()].count("\n") + 1
            return [Finding(WARNING, "The app loads a .env file", f"{source.path}:{line}",
                            "there is no .env on Heroku (and it should not be in git); its values must be config vars.",
                            "herosim config:set KEY=value for each key the app needs")]
    return []
