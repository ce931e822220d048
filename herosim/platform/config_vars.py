"""Config vars: Heroku's key rules, `KEY=value` arguments, merging (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from herosim.const import CONFIG_VARS_MAX_BYTES
from herosim.errors import ConfigVarError

KEY_RE = re.compile(r"^[A-Za-z0-9_]+$")
PLATFORM_PREFIX = "HEROKU_"


def check_key(key: str) -> None:
    if not key:
        raise ConfigVarError("Config var keys cannot be empty", hint="use e.g. `FOO=bar`")
    if not KEY_RE.match(key):
        raise ConfigVarError(
            f"Invalid config var key {key!r}: only letters, digits and underscores are allowed",
            hint="use underscores instead of hyphens, e.g. " + re.sub(r"[^A-Za-z0-9_]", "_", key),
        )
    if key.startswith("__"):
        raise ConfigVarError(f"Invalid config var key {key!r}: keys cannot start with `__`",
                             hint="drop the leading underscores")
    if key.upper().startswith(PLATFORM_PREFIX):
        raise ConfigVarError(
            f"Invalid config var key {key!r}: the HEROKU_ prefix is reserved for the platform",
            hint="choose another name; Heroku refuses this one too",
        )


def parse_assignments(args: Iterable[str]) -> dict[str, str]:
    """`config:set` arguments, in Heroku's words when they are malformed."""
    out: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise ConfigVarError(f"{arg} is invalid. Must be in the format FOO=bar.",
                                 hint="e.g. `herosim config:set LOG_TO_STDOUT=1`")
        check_key(key)
        out[key] = value
    if not out:
        raise ConfigVarError("Usage: herosim config:set KEY1=VALUE1 [KEY2=VALUE2 ...]",
                             hint="Must specify KEY and VALUE to set.")
    return out


def check_size(values: Mapping[str, str]) -> None:
    size = sum(len(k.encode()) + len(v.encode()) for k, v in values.items())
    if size > CONFIG_VARS_MAX_BYTES:
        raise ConfigVarError(
            f"Config vars total {size} bytes; Heroku allows {CONFIG_VARS_MAX_BYTES} (32 kB)",
            hint="move large values to a file in the slug or to an add-on",
        )


def check_not_addon_owned(keys: Iterable[str], addon_vars: Mapping[str, str]) -> None:
    owned = sorted(k for k in keys if k in addon_vars)
    if owned:
        raise ConfigVarError(
            f"Cannot overwrite attachment values {', '.join(owned)}.",
            hint="these belong to an add-on; remove it with `herosim addons:destroy` first",
        )


def merge(addon_vars: Mapping[str, str], user_vars: Mapping[str, str]) -> dict[str, str]:
    """What every dyno sees: add-on vars plus the user's, add-on vars winning."""
    merged = dict(user_vars)
    merged.update(addon_vars)
    return dict(sorted(merged.items()))


def describe_keys(keys: Iterable[str]) -> str:
    """`A, B` as Heroku's CLI lists keys in `Setting A, B and restarting …`."""
    return ", ".join(keys)
