"""Where herosim keeps what is not a container: $HEROSIM_HOME and each app's files.

Every file here may hold a secret (config vars, add-on URLs, log lines), so the
folders are 0700 and the files 0600 (see platform/jsonfile.py and platform/logplex.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from herosim.const import ENV_HOME

# One app's files, under apps/<app>/.
CONFIG = "config.json"          # config vars the user set
RELEASES = "releases.json"      # v1, v2, … with their slug, processes and config vars
FORMATION = "formation.json"    # process type -> quantity
SCHEDULE = "scheduler.json"     # Heroku Scheduler's jobs
SETTINGS = "settings.json"      # router port, source path, sizes, last build, …
ADDONS = "addons.json"          # each add-on's config vars and credentials (never on a label)
LOG = "logplex.log"             # the app's log, Heroku lines
MANAGER_LOG = "manager.log"     # the dyno manager's own output (tracebacks)
MANAGER_ADDRESS = "manager.json"  # where the dyno manager listens, with its token
LOCK = ".lock"                  # held while a command changes the app (see platform/lock.py)
STATE_LOCK = ".state.lock"      # held for one read-modify-write of a state file

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def home() -> Path:
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "herosim"


def app_dir(app: str, root: Path | None = None) -> Path:
    return (root or home()) / "apps" / app


def cache_dir() -> Path:
    return home() / "cache"


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) readable by this user only; the folders between
    $HEROSIM_HOME and it are made private too."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    root = home().resolve()
    current = path.resolve()
    while True:
        try:
            if current.stat().st_mode & 0o077:
                os.chmod(current, PRIVATE_DIR)
        except OSError:
            pass
        if current == root or root not in current.parents:
            break
        current = current.parent
    return path


def open_private(path: Path, mode: str = "a", **kwargs):
    """Open a file created 0600 (an existing file is narrowed to 0600 too)."""
    flags = {"a": os.O_WRONLY | os.O_CREAT | os.O_APPEND, "ab": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
             "w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC, "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC}[mode]
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    except OSError:
        pass
    return os.fdopen(fd, mode, **kwargs)
