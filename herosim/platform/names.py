"""Heroku's app-name rules, and its random names for `apps:create` without one (pure)."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

from herosim.const import ENV_APP
from herosim.errors import HerosimError

APP_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,29}$")
MAX_LENGTH = 30
RULES = ("Name must start with a letter, end with a letter or digit, and can only contain lowercase "
         "letters, digits, and dashes.")

# Heroku's generated names: an adjective, a noun and five digits (sleepy-meadow-04217).
ADJECTIVES = ("aged", "ancient", "autumn", "billowing", "bitter", "black", "blue", "bold", "brave", "cold",
              "cool", "crimson", "damp", "dark", "dawn", "delicate", "divine", "dry", "empty", "falling",
              "floating", "fragrant", "frosty", "gentle", "green", "hidden", "holy", "icy", "lingering",
              "little", "lively", "long", "misty", "morning", "muddy", "nameless", "old", "patient",
              "polished", "proud", "purple", "quiet", "red", "restless", "rough", "shy", "silent", "sleepy",
              "small", "snowy", "solitary", "sparkling", "spring", "still", "summer", "sweet", "twilight",
              "wandering", "weathered", "white", "wild", "winter", "wispy", "withered", "young")
NOUNS = ("bird", "breeze", "brook", "bush", "butterfly", "cherry", "cloud", "darkness", "dawn", "dew",
         "dream", "dust", "feather", "field", "fire", "firefly", "flower", "fog", "forest", "frog", "frost",
         "glade", "glitter", "grass", "haze", "hill", "lake", "leaf", "meadow", "moon", "morning", "mountain",
         "night", "paper", "pine", "pond", "rain", "resonance", "river", "sea", "shadow", "shape", "silence",
         "sky", "smoke", "snow", "snowflake", "sound", "star", "sun", "sunset", "surf", "thunder", "tree",
         "violet", "voice", "water", "waterfall", "wave", "wildflower", "wind", "wood")


def from_dir(path: Path) -> str:
    """Heroku's app-name rules applied to a directory name: lowercase, digits, dashes."""
    name = re.sub(r"[^a-z0-9-]+", "-", path.resolve().name.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = "app-" + name
    return name[:30].rstrip("-")


def check(name: str) -> str:
    if not APP_NAME_RE.match(name) or name.endswith("-"):
        raise HerosimError(
            f"Invalid app name {name!r}",
            hint="Name must start with a letter, end with a letter or digit and can only "
                 "contain lowercase letters, digits, and dashes (2 to 30 characters)",
        )
    return name


def check_new(name: str) -> str:
    """The Platform API's answer to `apps:create NAME`: its length rule, then its pattern."""
    if len(name) > MAX_LENGTH:
        raise HerosimError(f"Name is too long (maximum is {MAX_LENGTH} characters)",
                           hint="choose a shorter name, or none: herosim apps:create")
    if not re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", name) or len(name) < 3:
        raise HerosimError(RULES, hint="e.g. herosim apps:create flask-microblog")
    return name


def generated(taken=frozenset(), rng: random.Random | None = None) -> str:
    """A name like Heroku's (sleepy-meadow-04217) that no app has."""
    rng = rng or random.Random()
    while True:
        name = f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}-{rng.randint(0, 99999):05d}"
        if name not in taken and len(name) <= MAX_LENGTH:
            return name


def from_environment(environ=None) -> str | None:
    """The app $HEROSIM_APP names, or Heroku's $HEROKU_APP (as Heroku's CLI reads it)."""
    environ = os.environ if environ is None else environ
    return next((environ[key] for key in ENV_APP if environ.get(key)), None)


def pick(explicit: str | None, environ: dict[str, str], remote_apps: list[tuple[str, str]],
         remote: str | None, fallback: str) -> str:
    """The app a command acts on, in the order of Heroku's CLI: -a/--app, then $HEROSIM_APP
    (or Heroku's $HEROKU_APP), then the one herosim app the repository's git remotes name
    (only `remote`'s, with -r/--remote or `git config heroku.remote`), else `fallback` (the
    directory's name, herosim's own default). `remote_apps` is [(remote, app)]."""
    if explicit:
        return check(explicit)
    named = from_environment(environ)
    if named:
        return check(named)
    found = [(r, a) for r, a in remote_apps if not remote or r == remote]
    if len({a for _, a in found}) == 1:
        return found[0][1]
    if remote and not found:
        raise HerosimError(f"remote {remote} not found in git remotes",
                           hint="see `git remote -v`; herosim git:remote -a APP -r REMOTE sets one")
    if found:
        listing = "\n".join(f"  {a} ({r})" for r, a in found)
        raise HerosimError("Multiple apps in git remotes",
                           hint=f"Specify the app you want with --app or --remote, e.g. --remote {found[1][0]} "
                                f"or --app {found[1][1]}",
                           details=f"  Heroku remotes in repo:\n{listing}")
    return fallback
