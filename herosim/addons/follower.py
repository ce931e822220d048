"""Followers and forks of a Heroku Postgres database: a real streaming replica of the leader.

The follower's server starts from the leader's base backup (pg_basebackup over TLS as the
leader's superuser, whose password is in both containers' environment, never an argument or a
file), then streams its WAL: read-only, with Postgres's own errors (`cannot execute INSERT in a
read-only transaction`). `--replication-lag` is herosim's own option (Heroku's lag is whatever
the network and the load make it): Postgres's `recovery_min_apply_delay`, so a read right after
a write misses it for that long, as a busy follower's would. A fork is a follower promoted as
soon as it has caught up; `pg:unfollow` promotes a follower into a fork.

Same credentials as the leader (a physical copy has the leader's roles), another host."""

from __future__ import annotations

import re

from herosim.errors import HerosimError

FOLLOWS, FORKED_FROM, LAG = "follows", "forked_from", "lag_ms"
MAX_LAG_MS = 3_600_000

# As root, before the image's entrypoint: an empty data directory is filled from the leader's
# base backup and made a standby of it; a filled one (a restart) is left as it is.
PREFLIGHT = r"""
set -e
export HOME=/var/lib/postgresql   # libpq looks for a client certificate under ~/.postgresql: not root's
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 0700 "$PGDATA"
	export PGPASSWORD="$POSTGRES_PASSWORD" PGSSLMODE=require PGCONNECT_TIMEOUT=5
	tries=0
	until setpriv --reuid=postgres --regid=postgres --init-groups \
		pg_basebackup -h "$HEROSIM_LEADER" -p 5432 -U postgres -D "$PGDATA" -X stream -c fast; do
		tries=$((tries + 1)); [ "$tries" -lt 30 ] || exit 1
		find "$PGDATA" -mindepth 1 -delete; sleep 1
	done
	printf "primary_conninfo = 'host=%s port=5432 user=postgres sslmode=require application_name=%s'\n" \
		"$HEROSIM_LEADER" "$HEROSIM_NAME" >> "$PGDATA/postgresql.auto.conf"
	setpriv --reuid=postgres --regid=postgres --init-groups touch "$PGDATA/standby.signal"
	echo "herosim: $HEROSIM_NAME is a copy of $HEROSIM_LEADER; streaming"
fi
export PGPASSWORD="$POSTGRES_PASSWORD" PGSSLMODE=require
exec docker-entrypoint.sh "$@"
"""

# On the leader, once: replication connections for its superuser, over TLS only.
LEADER_HBA = r"""
set -e
hba="$PGDATA/pg_hba.conf"
grep -q '^hostssl replication postgres all scram-sha-256' "$hba" || \
	printf 'hostssl replication postgres all scram-sha-256\n' >> "$hba"
psql -qAtc 'SELECT pg_reload_conf()' >/dev/null
"""

# On the follower: what it has replayed, against what the leader has (both as snapshots' xmax:
# the transactions not yet seen), and how long ago its last replayed commit happened.
REPLAYED = "SELECT pg_snapshot_xmax(pg_current_snapshot())"


def lag_ms(text: str | None) -> int:
    """`--replication-lag`: 2s, 500ms, 1.5s, 0 (a number alone is seconds)."""
    if text is None or text == "":
        return 0
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", text)
    if not match:
        raise HerosimError(f"--replication-lag {text!r} is not a duration",
                           hint="say how long, as 2s, 500ms or 1m (herosim's own option: Heroku's lag is not set)")
    value = float(match.group(1)) * {"ms": 1, "s": 1000, "m": 60_000, None: 1000}[match.group(2)]
    if value > MAX_LAG_MS:
        raise HerosimError(f"--replication-lag {text} is more than an hour", hint="choose a lag of an hour at most")
    return int(value)


def server_args(lag: int) -> list[str]:
    return ["-c", f"recovery_min_apply_delay={lag}ms"] if lag else []


def behind_by(leader_xmax: int, replayed_xmax: int) -> str:
    """pg:info's `Behind By`: the leader's transactions the follower has not replayed yet."""
    behind = max(0, leader_xmax - replayed_xmax)
    return f"{behind} commit" + ("" if behind == 1 else "s")


def check_can_follow(leader_plan: str, plan: str, leader_secret: dict[str, str], verb: str) -> None:
    """Heroku's rules: Standard tier and up, for the leader and the follower; no chains."""
    for which in (leader_plan, plan):
        tier = which.partition(":")[2] or "essential-0"
        if tier.startswith("essential") or tier == "in-dyno":
            raise HerosimError(f"Followers and forks are not supported on {tier} databases.",
                               hint="both databases need Standard tier or above (heroku-postgresql:standard-0)")
    if verb == "follow" and leader_secret.get(FOLLOWS):
        raise HerosimError("A follower can't follow a follower (followers can't be chained).",
                           hint=f"follow its leader, {leader_secret[FOLLOWS]}")
