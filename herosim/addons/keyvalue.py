"""Heroku Key-Value Store (heroku-redis): Valkey with TLS only, REDIS_URL=rediss://…, a
server certificate signed by a private CA sent in its chain (clients that verify fail as on
Heroku), and the plan's memory and connection limits enforced by the server itself."""

from __future__ import annotations

import random
import secrets

from herosim.addons import resp
from herosim.addons.attachment import Attachment
from herosim.addons.service import AddonService, SidecarSpec
from herosim.engine import stack as catalogue
from herosim.engine.dialer import direct_address
from herosim.engine.recipes import Image, Pulled
from herosim.engine.stack import KEYVALUE_SUITE, Stack
from herosim.errors import AddonError

OFFICIAL_IMAGE = "valkey/valkey:8.1"   # Heroku's Key-Value Store runs Valkey 8.1
# plan -> (memory in MB, connection limit) [Heroku's technical characterization]
PLANS = {"mini": (25, 20), "premium-0": (50, 40), "premium-1": (100, 80), "premium-2": (250, 200),
         "premium-3": (500, 400), "premium-4": (750, 700), "premium-5": (1024, 1000), "premium-7": (7168, 10000),
         "premium-9": (10240, 25000), "premium-10": (25600, 40000), "premium-12": (51200, 65000),
         "premium-14": (102400, 65000), "in-dyno": (25, 20)}
IN_DYNO = "in-dyno"   # Heroku CI's test-only plan: plain redis://, no password
POLICIES = {
    "noeviction": "returns errors when memory limit is reached",
    "allkeys-lfu": "removes less frequently used keys first",
    "volatile-lfu": "removes less frequently used keys first that have an expiry set",
    "allkeys-lru": "removes less recently used keys first",
    "volatile-lru": "removes less recently used keys first that have an expiry set",
    "allkeys-random": "evicts random keys",
    "volatile-random": "evicts random keys but only those that have an expiry set",
    "volatile-ttl": "only evicts keys with an expiry set and a short TTL",
}
DEFAULT_TIMEOUT = 300
DEPENDENCIES = frozenset({"redis", "rq", "django-redis", "channels-redis", "django-rq", "flask-rq2", "hiredis",
                          "valkey", "celery[redis]", "kombu[redis]"})
COLORS = ("AMBER", "AQUA", "BLUE", "BRONZE", "COBALT", "COPPER", "CRIMSON", "GOLD", "GRAY", "GREEN", "JADE",
          "MAROON", "NAVY", "OLIVE", "ONYX", "ORANGE", "PINK", "PURPLE", "RED", "SILVER", "TEAL", "YELLOW")
HOME = "/data/herosim"
OVERRIDES = f"{HOME}/overrides.conf"   # what redis:maxmemory and redis:timeout change
# Before the image's entrypoint: the overrides file exists (the server refuses a missing include).
PREFLIGHT = f'touch {OVERRIDES} && exec docker-entrypoint.sh "$@"'


def image(stack: Stack) -> Image:
    """The server: Valkey 8.1, the official image online, Debian's offline."""
    return catalogue.offline_image("keyvalue", KEYVALUE_SUITE) if stack.offline else Pulled(OFFICIAL_IMAGE)


def limits(plan: str) -> tuple[int, int]:
    tier = plan.partition(":")[2] or "mini"
    if tier not in PLANS:
        raise AddonError(f"Couldn't find either the add-on service or the add-on plan of heroku-redis:{tier}",
                         hint="plans: " + ", ".join(PLANS))
    return PLANS[tier]


def server_config(port: int, password: str, plan: str) -> str:
    memory, clients = limits(plan)
    if plan.endswith(IN_DYNO):
        listen = [f"port {port}", "bind * -::*", "protected-mode no"]
    else:
        listen = ["port 0", f"tls-port {port}", "bind * -::*", "protected-mode no",
                  f"tls-cert-file {HOME}/tls/server.pem", f"tls-key-file {HOME}/tls/server.key",
                  f"tls-ca-cert-file {HOME}/tls/ca.pem", "tls-auth-clients no", 'tls-protocols "TLSv1.2 TLSv1.3"',
                  f"requirepass {password}"]
    return "\n".join([
        *listen, f"maxmemory {memory}mb", "maxmemory-policy noeviction",
        f"maxclients {clients}", f"timeout {DEFAULT_TIMEOUT}", "dir /data", "appendonly yes",
        f"include {OVERRIDES}", ""])


class KeyValueStore(AddonService):
    service = "heroku-redis"
    default_plan = "heroku-redis:mini"
    name_prefix = "redis"
    ready_timeout = 30.0

    def new_attachment(self, app: str, plan: str, name: str, volume: str,
                       taken_vars: set[str], options: dict) -> Attachment:
        limits(plan)
        password, port = "p" + secrets.token_hex(32), random.randint(10000, 60999)
        url = f"rediss://:{password}@{name}:{port}"
        if plan.endswith(IN_DYNO):
            password, url = "", f"redis://{name}:{port}"
        primary = f"{options['as']}_URL" if options.get("as") else "REDIS_URL"   # app.json's "as"
        if primary not in taken_vars:
            config = {primary: url}
        else:
            color = random.choice([c for c in COLORS if f"HEROKU_REDIS_{c}_URL" not in taken_vars])
            config = {f"HEROKU_REDIS_{color}_URL": url}
        return Attachment(app=app, plan=plan, name=name, volume=volume, config=config,
                          secret={"password": password, "port": str(port)})

    def sidecar(self, attachment: Attachment, stack: Stack) -> SidecarSpec:
        port, password = int(attachment.secret["port"]), attachment.secret["password"]
        from herosim.addons import tls  # cryptography, imported when a server starts: the CLI starts faster
        issued = tls.issue(attachment.name)
        return SidecarSpec(
            image=image(stack), environment={}, command=["valkey-server", f"{HOME}/valkey.conf"],
            port=port, data_path="/data",
            files={f"{HOME}/valkey.conf": (server_config(port, password, attachment.plan).encode(), 0o600),
                   f"{HOME}/tls/server.pem": (issued.chain, 0o644), f"{HOME}/tls/server.key": (issued.key, 0o600),
                   f"{HOME}/tls/ca.pem": (issued.ca, 0o644)},
            entrypoint=["sh", "-c", PREFLIGHT, "herosim-keyvalue"])

    def apply_credential(self, container, attachment: Attachment, secret: dict[str, str]) -> None:
        apply_credential(container, attachment, secret)

    def credentials(self, attachment: Attachment) -> str:
        return "a password in its URL; TLS only, its certificate from a private CA (verification fails, as on Heroku)"

    def probe(self, container, attachment: Attachment) -> tuple[bool, str]:
        """AUTH and PING over TLS: from this host to the sidecar's address when this machine
        reaches it, else with valkey-cli inside the sidecar (the password in its environment)."""
        try:
            answer = call(container, attachment, "PING")
        except (OSError, resp.RespError) as exc:
            return False, str(exc) or type(exc).__name__
        return answer == "PONG", f"PING answered {answer!r}"


# The new password into the overrides file the server's next start reads, from the
# environment through the shell's builtin echo (never an argument).
KEEP_PASSWORD = (f"grep -v '^requirepass ' {OVERRIDES} > {OVERRIDES}.new || true; "
                 f'echo "requirepass $SECRET" >> {OVERRIDES}.new && mv {OVERRIDES}.new {OVERRIDES}')
# CONFIG SET requirepass on the running server, the new password on valkey-cli's stdin.
SET_PASSWORD = "printf 'CONFIG SET requirepass %s\\n' \"$SECRET\" | valkey-cli {flags} -p {port} --no-auth-warning"


def apply_credential(container, attachment: Attachment, secret: dict[str, str]) -> None:
    """A rotation on the server: the new password kept for its next start, then set on the
    running server, authenticated with the old one or (a rotation interrupted after it was
    set) the new one. The password is never a process argument."""
    new = secret["password"]
    kept = container.exec_run(["sh", "-c", KEEP_PASSWORD], environment={"SECRET": new})
    if kept.exit_code != 0:
        raise AddonError(f"Could not keep {attachment.name}'s new password for its next start",
                         hint=kept.output.decode(errors="replace").strip())
    seen = ""
    for password in dict.fromkeys((attachment.secret.get("password", ""), new)):
        try:
            if _set_password(container, attachment, password, new) == "OK":
                return
        except (OSError, resp.RespError) as exc:
            seen = str(exc)
    raise AddonError(f"Could not set {attachment.name}'s new password", hint=seen or "the server refused it")


def _set_password(container, attachment: Attachment, password: str, new: str) -> object:
    port, tls_on = int(attachment.secret["port"]), not attachment.plan.endswith(IN_DYNO)
    direct = direct_address(container, port)
    if direct:   # over the connection: nothing on a command line
        return resp.call(*direct, password, "CONFIG", "SET", "requirepass", new, tls=tls_on)
    script = SET_PASSWORD.format(flags="--tls --insecure" if tls_on else "", port=port)
    result = container.exec_run(["sh", "-c", script], environment={"REDISCLI_AUTH": password, "SECRET": new})
    text = result.output.decode(errors="replace").strip()
    if result.exit_code != 0 or text != "OK":
        raise resp.RespError(text or f"valkey-cli exited with {result.exit_code}")
    return text


def call(container, attachment: Attachment, *command: str) -> object:
    """One command to the add-on's server, authenticated, over TLS."""
    port, password = int(attachment.secret["port"]), attachment.secret["password"]
    tls_on = not attachment.plan.endswith(IN_DYNO)
    direct = direct_address(container, port)
    if direct:
        return resp.call(*direct, password, *command, tls=tls_on)
    flags = ["--tls", "--insecure"] if tls_on else []
    result = container.exec_run(["valkey-cli", *flags, "-p", str(port), "--no-auth-warning", *command],
                                environment={"REDISCLI_AUTH": password} if password else {})
    text = result.output.decode(errors="replace").strip()
    if result.exit_code != 0 or text.startswith(("ERR", "(error)", "Could not connect")):
        raise resp.RespError(text)
    return text


def wanted(dependencies: frozenset[str]) -> bool:
    return bool(dependencies & DEPENDENCIES)
