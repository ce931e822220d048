"""The redis:* verbs on the app's Key-Value Store add-ons: find one, its info, its eviction
policy and idle timeout (set on the running server and kept for its next start), a prompt."""

from __future__ import annotations

import secrets
import shlex

from herosim.addons import keyvalue
from herosim.addons.attachment import Attachment, require_credentials
from herosim.app.addons import Addons
from herosim.app.rotation import Rotations
from herosim.errors import HerosimError
from herosim.runtime import attach, oneoff


class KeyValue:
    def __init__(self, addons: Addons):
        self.addons = addons

    def find(self, name: str | None) -> Attachment:
        """The add-on named (name, config var or REDIS), else the app's only one, else the one
        behind REDIS_URL; Heroku CLI's errors otherwise."""
        found = [a for a in self.addons.attached() if a.service == keyvalue.KeyValueStore.service]
        if name:
            found = [a for a in found if name in (a.name, *a.config, *(k.removesuffix("_URL") for k in a.config))]
        if not found:
            raise HerosimError("No Redis instances found.", hint="herosim addons:create heroku-redis:mini")
        if len(found) > 1:
            primary = [a for a in found if "REDIS_URL" in a.config]
            if name is None and len(primary) == 1:
                require_credentials(primary[0])
                return primary[0]
            raise HerosimError(f"Please specify a single instance. Found: {', '.join(a.name for a in found)}",
                               hint="name one: herosim redis:info redis-…")
        require_credentials(found[0])
        return found[0]

    def call(self, attachment: Attachment, *command: str) -> object:
        return keyvalue.call(self.addons.container(attachment), attachment, *command)

    def info(self, attachment: Attachment) -> list[tuple[str, str]]:
        server = str(self.call(attachment, "INFO", "server"))
        fields = dict(line.strip().split(":", 1) for line in server.splitlines() if ":" in line)
        version = fields.get("valkey_version") or fields.get("redis_version") or "unknown"
        memory, clients = keyvalue.limits(attachment.plan)
        policy = self.call(attachment, "CONFIG", "GET", "maxmemory-policy")
        timeout = self.call(attachment, "CONFIG", "GET", "timeout")
        return [("Plan", attachment.tier.capitalize() or "Mini"), ("Status", "available"),
                ("Version", version), ("Timeout", _value(timeout)), ("Maxmemory", f"{memory} MB"),
                ("Maxmemory Policy", _value(policy)), ("Connection Limit", str(clients))]

    def set_policy(self, attachment: Attachment, policy: str) -> None:
        if policy not in keyvalue.POLICIES:
            raise HerosimError(f"{policy} is not a maxmemory policy", hint="policies: " + ", ".join(keyvalue.POLICIES))
        self._set(attachment, "maxmemory-policy", policy)

    def set_timeout(self, attachment: Attachment, seconds: int) -> None:
        if seconds < 0:
            raise HerosimError("The timeout cannot be negative", hint="0 lets connections idle indefinitely")
        self._set(attachment, "timeout", str(seconds))

    def _set(self, attachment: Attachment, key: str, value: str) -> None:
        """On the running server now, and in the overrides file its next start reads."""
        script = (f"grep -v '^{key} ' {keyvalue.OVERRIDES} > {keyvalue.OVERRIDES}.new || true; "
                  f"echo {shlex.quote(f'{key} {value}')} >> {keyvalue.OVERRIDES}.new && "
                  f"mv {keyvalue.OVERRIDES}.new {keyvalue.OVERRIDES}")
        with self.addons.ctx.changing():
            self.call(attachment, "CONFIG", "SET", key, value)
            result = self.addons.container(attachment).exec_run(["sh", "-c", script])
        if result.exit_code != 0:
            raise HerosimError(f"Could not keep {key} for {attachment.name}'s next start",
                               hint=result.output.decode(errors="replace").strip())

    def reset_credentials(self, attachment: Attachment) -> Attachment:
        """A new password, set on the server now and kept for its next start; a release with the
        new REDIS_URL restarts the dynos. Crash-safe and one at a time (app/rotation.py)."""
        if attachment.plan.endswith(keyvalue.IN_DYNO):
            raise HerosimError("An in-dyno Key-Value Store has no credentials", hint="its URL has no password")
        return Rotations(self.addons).rotate(attachment, {"password": "p" + secrets.token_hex(32)})

    def prompt(self, attachment: Attachment, output: oneoff.Output, use_tty: bool) -> int:
        """valkey-cli inside the add-on's container, over TLS, the password in its environment."""
        container = self.addons.container(attachment)
        tls = [] if attachment.plan.endswith(keyvalue.IN_DYNO) else ["--tls", "--insecure"]
        command = ["valkey-cli", *tls, "-p", attachment.secret["port"], "--no-auth-warning"]
        password = attachment.secret["password"]
        return attach.exec_and_run(self.addons.ctx.client, container, command, use_tty=use_tty, on_output=output,
                                   workdir="/data", environment={"REDISCLI_AUTH": password} if password else {})


def _value(reply: object) -> str:
    """CONFIG GET's value (a [name, value] list from the host, two lines from valkey-cli)."""
    if isinstance(reply, list):
        return str(reply[1]) if len(reply) > 1 else ""
    lines = str(reply).splitlines()
    return lines[1] if len(lines) > 1 else str(reply)
