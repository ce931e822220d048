"""app.json, with Heroku's schema (pure): env (a default string, or {description, value,
required, generator: "secret"}), addons (a plan, or {plan, as, options}), formation
({quantity, size}), scripts.postdeploy, and environments.test for Heroku CI. Every problem
is one line naming the key, with the fix."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field

from herosim.errors import AppError
from herosim.platform.sizes import SIZES

KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
SIZE_NAMES = {"free", "eco", "hobby", "basic", "standard-1x", "standard-2x", "performance-m", "performance-l",
              "private-s", "private-m", "private-l", "shield-s", "shield-m", "shield-l"}


@dataclass(frozen=True)
class EnvVar:
    name: str
    description: str = ""
    value: str | None = None
    required: bool = True
    generator: str | None = None


@dataclass(frozen=True)
class AddonSpec:
    plan: str
    as_: str | None = None
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Environment:
    env: tuple[EnvVar, ...] = ()
    addons: tuple[AddonSpec, ...] = ()
    formation: dict = field(default_factory=dict)   # type -> (quantity, size)
    scripts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AppJson:
    base: Environment
    test: Environment | None = None

    def postdeploy(self) -> str | None:
        return self.base.scripts.get("postdeploy")


def _fail(message: str, hint: str) -> AppError:
    return AppError(f"app.json: {message}", hint=hint)


def _env(data) -> tuple[EnvVar, ...]:
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise _fail("env must be an object of config vars", 'e.g. "env": {"SECRET_KEY": {"generator": "secret"}}')
    out = []
    for name, item in data.items():
        if not KEY_RE.match(name):
            raise _fail(f"env key {name!r} is not a config var name",
                        "use capital letters, digits and underscores, starting with a letter")
        if isinstance(item, str):
            out.append(EnvVar(name, value=item))
            continue
        if not isinstance(item, dict):
            raise _fail(f"env.{name} must be a string or an object", '{"description": "…", "value": "…"}')
        unknown = set(item) - {"description", "value", "required", "generator"}
        if unknown:
            raise _fail(f"env.{name} has unknown keys: {', '.join(sorted(unknown))}",
                        "allowed: description, value, required, generator")
        generator = item.get("generator")
        if generator not in (None, "secret"):
            raise _fail(f"env.{name}.generator must be \"secret\"", "the only generator Heroku offers is secret")
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise _fail(f"env.{name}.value must be a string", f'"value": "{value}"')
        required = item.get("required", True)
        if not isinstance(required, bool):
            raise _fail(f"env.{name}.required must be true or false", '"required": false')
        out.append(EnvVar(name, str(item.get("description", "")), value, required, generator))
    return tuple(out)


def _addons(data) -> tuple[AddonSpec, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise _fail("addons must be a list", '"addons": ["heroku-postgresql:essential-0"]')
    out = []
    for index, item in enumerate(data):
        if isinstance(item, str):
            out.append(AddonSpec(item))
        elif isinstance(item, dict) and isinstance(item.get("plan"), str):
            options = item.get("options") or {}
            if not isinstance(options, dict):
                raise _fail(f"addons[{index}].options must be an object", '"options": {"version": "17"}')
            if item.get("as") is not None and not KEY_RE.match(str(item["as"])):
                raise _fail(f"addons[{index}].as {item['as']!r} is not an attachment name", '"as": "CACHE"')
            out.append(AddonSpec(item["plan"], item.get("as"), options))
        else:
            raise _fail(f"addons[{index}] needs a plan", '{"plan": "heroku-redis:mini"}')
    return tuple(out)


def _formation(data) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _fail("formation must be an object", '"formation": {"web": {"quantity": 1}}')
    out = {}
    for kind, item in data.items():
        if not isinstance(item, dict) or not isinstance(item.get("quantity"), int) or isinstance(
                item.get("quantity"), bool) or item["quantity"] < 0:
            raise _fail(f"formation.{kind}.quantity must be a whole number, 0 or more",
                        f'"formation": {{"{kind}": {{"quantity": 1}}}}')
        size = str(item.get("size", "basic")).lower()
        if size not in SIZE_NAMES:
            raise _fail(f"formation.{kind}.size {size!r} is not a dyno size", "e.g. basic, standard-1x, standard-2x")
        if size not in SIZES:
            size = "basic"
        out[kind] = (item["quantity"], size)
    return out


def _environment(data: dict) -> Environment:
    scripts = data.get("scripts") or {}
    if not isinstance(scripts, dict) or not all(isinstance(v, str) for v in scripts.values()):
        raise _fail("scripts must be an object of commands", '"scripts": {"postdeploy": "flask db upgrade"}')
    return Environment(_env(data.get("env")), _addons(data.get("addons")), _formation(data.get("formation")), scripts)


def parse(text: str) -> AppJson:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                    "check it with `python -m json.tool app.json`") from None
    if not isinstance(data, dict):
        raise _fail("the top level must be an object", '{"env": {}, "addons": []}')
    base = _environment(data)
    environments = data.get("environments") or {}
    if not isinstance(environments, dict):
        raise _fail("environments must be an object", '"environments": {"test": {"scripts": {"test": "pytest"}}}')
    test = _environment(environments["test"]) if isinstance(environments.get("test"), dict) else None
    return AppJson(base, test)


def config_for(env: tuple[EnvVar, ...], existing: dict[str, str]) -> tuple[dict[str, str], list[EnvVar]]:
    """(config vars to set, required ones that have no value): values and generated secrets
    for the keys not set yet, as a Heroku Button deploy does."""
    values, missing = {}, []
    for var in env:
        if var.name in existing:
            continue
        if var.generator == "secret":
            values[var.name] = secrets.token_hex(32)
        elif var.value is not None:
            values[var.name] = var.value
        elif var.required:
            missing.append(var)
    return values, missing


def missing_error(missing: list[EnvVar]) -> AppError:
    listing = ", ".join(f"{v.name}" + (f" ({v.description})" if v.description else "") for v in missing)
    return AppError(f"app.json requires config vars that are not set: {listing}",
                    hint="herosim config:set " + " ".join(f"{v.name}=…" for v in missing) + ", then up again")
