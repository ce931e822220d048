"""Followers and forks (`addons:create heroku-postgresql:PLAN --follow DATABASE_URL`, `--fork`,
`pg:unfollow`): the leader opened to its copy's replication connection, the copy provisioned
from its base backup (addons/follower.py), a fork promoted once it answers; pg:info's rows."""

from __future__ import annotations

from herosim import poll
from herosim.addons import attachment as records
from herosim.addons import follower, pooler
from herosim.addons.attachment import Attachment
from herosim.app.postgres import Databases
from herosim.errors import HerosimError

PROMOTE_TIMEOUT = 60.0


class Followers:
    def __init__(self, pg: Databases):
        self.pg = pg
        self.addons = pg.addons

    def create(self, plan: str, leader_name: str, mode: str, lag: str | None = None) -> Attachment:
        """A follower (mode "follow") or a fork ("fork") of the database `leader_name` names."""
        leader = self.pg.find(leader_name)
        follower.check_can_follow(leader.plan, plan if ":" in plan else "", leader.secret, mode)
        lag_ms = follower.lag_ms(lag)
        if lag_ms and mode != "follow":
            raise HerosimError("--replication-lag is for followers", hint="a fork does not follow its leader")
        result = self.addons.container(leader).exec_run(["sh", "-c", follower.LEADER_HBA], user="postgres")
        if result.exit_code != 0:
            raise HerosimError(f"Could not open {leader.name} to its {mode}er",
                               hint=result.output.decode(errors="replace").strip())
        created = self.addons.create(plan, copy={"leader": leader, "mode": mode, "lag_ms": lag_ms})
        if mode == "fork":
            created = self.promote(created)
        return created

    def promote(self, attachment: Attachment) -> Attachment:
        """The copy stops following and takes writes; its record says whose fork it is."""
        self.pg.sql(attachment, "SELECT pg_promote(true, 60)", superuser=True)
        if poll.until(lambda: self._recovering(attachment) is False, PROMOTE_TIMEOUT, 0.2) is not True:
            raise HerosimError(f"{attachment.name} did not become writeable within {PROMOTE_TIMEOUT:.0f} s",
                               hint=f"`docker logs {self.addons.container(attachment).name}` says why")
        leader = attachment.secret.get(follower.FOLLOWS) or attachment.secret.get(follower.FORKED_FROM, "")
        secret = {k: v for k, v in attachment.secret.items() if k != follower.FOLLOWS}
        secret[follower.FORKED_FROM] = leader
        return records.set_secret(attachment, secret)

    def unfollow(self, attachment: Attachment) -> Attachment:
        if not attachment.secret.get(follower.FOLLOWS):
            raise HerosimError(f"{attachment.name} is not a follower", hint="see `herosim pg:info`")
        return self.promote(attachment)

    def leader_label(self, attachment: Attachment) -> str:
        """How pg:unfollow and pg:info name the leader: its config var without _URL (not DATABASE)."""
        name = attachment.secret.get(follower.FOLLOWS) or attachment.secret.get(follower.FORKED_FROM, "")
        found = next((a for a in self.addons.attached() if a.name == name), None)
        if found is None:
            return name
        names = [k.removesuffix("_URL") for k in found.config   # its own URL's names (not its pooler's)
                 if k != "DATABASE_URL" and k not in pooler.pooled_vars(found)]
        return names[-1] if names else "DATABASE"

    def info_rows(self, attachment: Attachment) -> list[tuple[str, str]]:
        """pg:info's Following and Behind By (a follower), Forked From (a fork), Followers (a leader)."""
        secret = attachment.secret
        if secret.get(follower.FOLLOWS):
            leader = next((a for a in self.addons.attached() if a.name == secret[follower.FOLLOWS]), None)
            rows = [("Following", self.leader_label(attachment))]
            if leader is not None:
                ahead = int(self.pg.sql(leader, follower.REPLAYED, superuser=True).strip())
                replayed = int(self.pg.sql(attachment, follower.REPLAYED, superuser=True).strip())
                rows.append(("Behind By", follower.behind_by(ahead, replayed)))
            return rows
        if secret.get(follower.FORKED_FROM):
            return [("Forked From", self.leader_label(attachment))]
        followers = [a for a in self.addons.attached() if a.secret.get(follower.FOLLOWS) == attachment.name]
        names = [next((k.removesuffix("_URL") for k in a.config), a.name) for a in followers]
        return [("Followers", ", ".join(names))] if names else []

    def _recovering(self, attachment: Attachment) -> bool | None:
        try:
            return self.pg.sql(attachment, "SELECT pg_is_in_recovery()", superuser=True).strip() == "t"
        except HerosimError:
            return None
