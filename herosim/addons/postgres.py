"""Heroku Postgres: DATABASE_URL=postgres://…, SSL required, the app's credential
owns its database without being a superuser."""

from __future__ import annotations

import random
import secrets
import string

from herosim.addons import follower
from herosim.addons.attachment import Attachment
from herosim.addons.service import AddonService, SidecarSpec
from herosim.engine import stack as catalogue
from herosim.engine.dialer import direct_address
from herosim.engine.recipes import Image, Pulled
from herosim.engine.stack import DEFAULT_POSTGRES, POSTGRES_SUITES, Stack
from herosim.errors import AddonError, StackError

PORT = 5432
COLORS = ("AMBER", "AQUA", "BLACK", "BLUE", "BRONZE", "BROWN", "CHARCOAL", "COBALT", "COPPER",
          "CRIMSON", "CYAN", "GOLD", "GRAY", "GREEN", "IVORY", "JADE", "LIME", "MAROON", "MAUVE",
          "NAVY", "OLIVE", "ONYX", "ORANGE", "PINK", "PUCE", "PURPLE", "RED", "ROSE", "SILVER",
          "TEAL", "WHITE", "YELLOW")
DEPENDENCIES = frozenset({"psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary", "psycopg-c",
                          "asyncpg", "pg8000"})
SNAKEOIL = ("/etc/ssl/certs/ssl-cert-snakeoil.pem", "/etc/ssl/private/ssl-cert-snakeoil.key")
# plan -> (storage in GB, connections per role) [Heroku Postgres plans]
PLANS = {"essential-0": (1, 20), "essential-1": (10, 20), "essential-2": (32, 40), "standard-0": (64, 120),
         "premium-0": (64, 120), "in-dyno": (1, 20)}
IN_DYNO = "in-dyno"   # Heroku CI's test-only plan: SSL optional
TABLE_LIMIT = 4000            # Essential plans
VERSIONS = ("15", "16", "17")  # Heroku Postgres today; 17 the default

# Runs once, when the data volume is initialised (official image's initdb.d contract).
INIT_SCRIPT = r"""
# herosim: the app's credential owns the database but is not a superuser, and
# SSL is required for every TCP connection, as on Heroku Postgres.
psql -v ON_ERROR_STOP=1 -q --dbname postgres <<-SQL
	CREATE ROLE "$HEROSIM_DB_USER" LOGIN PASSWORD '$HEROSIM_DB_PASSWORD';
	ALTER DATABASE "$POSTGRES_DB" OWNER TO "$HEROSIM_DB_USER";
SQL
psql -v ON_ERROR_STOP=1 -q --dbname "$POSTGRES_DB" -c "ALTER SCHEMA public OWNER TO \"$HEROSIM_DB_USER\""
nossl=reject
[ "$HEROSIM_SSL_OPTIONAL" = 1 ] && nossl=scram-sha-256
cat > "$PGDATA/pg_hba.conf" <<-HBA
	local     all all     trust
	hostssl   all all all scram-sha-256
	hostnossl all all all $nossl
HBA
touch "$PGDATA/.herosim-initialised"
"""
# Before the image's entrypoint (as root): a database whose first initialisation never
# finished (the sidecar was killed during initdb or the script above) is emptied, so this
# start initialises it again instead of running a server without the app's role and
# database. The "initialising" mark lives beside PGDATA on the volume; only a volume whose
# initialisation herosim saw begin carries it, so an older volume is never touched.
PREFLIGHT = r"""
mark="$(dirname "$PGDATA")/.herosim-initialising"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	touch "$mark"
elif [ -e "$mark" ]; then
	if [ -e "$PGDATA/.herosim-initialised" ]; then
		rm -f "$mark"
	else
		echo "herosim: the first initialisation of this database did not finish; initialising it again"
		find "$PGDATA" -mindepth 1 -delete
	fi
fi
exec docker-entrypoint.sh "$@"
"""

# A rotation, as the server's superuser on its socket; the passwords come from the environment
# and reach psql on its stdin through the shell's builtin printf (never a process argument).
ROTATE_SCRIPT = r"""
set -e
printf 'ALTER ROLE "%s" WITH PASSWORD \047%s\047;\n' "$ROLE" "$SECRET" | psql -v ON_ERROR_STOP=1 -q
if [ -n "$SUPERSECRET" ]; then
	printf 'ALTER ROLE postgres WITH PASSWORD \047%s\047;\n' "$SUPERSECRET" | psql -v ON_ERROR_STOP=1 -q
fi
psql -v ON_ERROR_STOP=1 -qAt -v role="$ROLE" >/dev/null <<'SQL'
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = :'role' AND pid <> pg_backend_pid();
SQL
"""


def image(stack: Stack, version: str = DEFAULT_POSTGRES) -> Image:
    """The server of Postgres `version`: the official image online; offline, Debian's
    postgresql from the suite that carries that version."""
    if not stack.offline:
        return Pulled(f"postgres:{version}")
    suite = POSTGRES_SUITES.get(version)
    if suite is None:
        raise StackError(f"Postgres {version} is not available offline",
                         hint="herosim's offline stacks carry Postgres "
                              + " and ".join(sorted(POSTGRES_SUITES)) + " (addons:create heroku-postgresql "
                              "--version 17); online, the official images carry every version")
    return catalogue.offline_image("postgres", suite)


def token(length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class Postgres(AddonService):
    service = "heroku-postgresql"
    default_plan = "heroku-postgresql:essential-0"
    name_prefix = "postgresql"

    def new_attachment(self, app: str, plan: str, name: str, volume: str,
                       taken_vars: set[str], options: dict) -> Attachment:
        limits(plan)
        leader: Attachment | None = options.get("leader")
        if leader is not None:   # --follow or --fork: the leader's copy, its roles and passwords
            copied = {k: v for k, v in leader.secret.items() if k not in (follower.FOLLOWS, follower.FORKED_FROM,
                                                                          follower.LAG)}
            secret = {**copied, (follower.FOLLOWS if options.get("mode") == "follow" else follower.FORKED_FROM):
                      leader.name, follower.LAG: str(options.get("lag_ms") or 0)}
            user, password, database = secret["user"], secret["password"], secret["database"]
        else:
            user, password, database = "u" + token(13), "p" + token(31), "d" + token(13)
            secret = {"user": user, "password": password, "database": database, "version": _version(options),
                      "superuser_password": token(32, string.ascii_letters + string.digits)}
        url = f"postgres://{user}:{password}@{name}:{PORT}/{database}"
        color = random.choice([c for c in COLORS if f"HEROKU_POSTGRESQL_{c}_URL" not in taken_vars])
        config = {f"HEROKU_POSTGRESQL_{color}_URL": url}
        primary = f"{options['as']}_URL" if options.get("as") else "DATABASE_URL"   # app.json's "as"
        if primary not in taken_vars and leader is None:
            config[primary] = url
        return Attachment(app=app, plan=plan, name=name, volume=volume, config=config, secret=secret)

    def sidecar(self, attachment: Attachment, stack: Stack) -> SidecarSpec:
        secret = attachment.secret
        leader = secret.get(follower.FOLLOWS) or secret.get(follower.FORKED_FROM)
        copy_env = {"HEROSIM_LEADER": leader, "HEROSIM_NAME": attachment.name} if leader else {}
        copy_args = follower.server_args(int(secret.get(follower.LAG) or 0)) if leader else []
        entrypoint = ["bash", "-c", follower.PREFLIGHT, "herosim-follower"] if leader else \
            ["bash", "-c", PREFLIGHT, "herosim-postgres"]
        return SidecarSpec(
            image=image(stack, attachment.secret.get("version", DEFAULT_POSTGRES)),
            environment={
                "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": secret["superuser_password"],
                "POSTGRES_DB": secret["database"],
                "HEROSIM_DB_USER": secret["user"],
                "HEROSIM_DB_PASSWORD": secret["password"],
                "PGDATA": "/var/lib/postgresql/data/pgdata",
                "HEROSIM_SSL_OPTIONAL": "1" if attachment.plan.endswith(IN_DYNO) else "0",
                **copy_env,
            },
            command=["postgres", "-c", "ssl=on", "-c", f"ssl_cert_file={SNAKEOIL[0]}",
                     "-c", f"ssl_key_file={SNAKEOIL[1]}", "-c", "ssl_min_protocol_version=TLSv1.2",
                     "-c", "shared_preload_libraries=pg_stat_statements", *copy_args],
            port=PORT,
            data_path="/var/lib/postgresql/data",
            files={"/docker-entrypoint-initdb.d/herosim.sh": (INIT_SCRIPT.encode(), 0o644)},
            entrypoint=entrypoint,
        )

    def credentials(self, attachment: Attachment) -> str:
        return "the app's own role (owns its database, not a superuser); SSL required"

    def validate(self, plan: str, options: dict, stack: Stack) -> None:
        limits(plan)
        image(stack, _version(options))

    def after_ready(self, container, attachment: Attachment) -> None:
        """The plan's connection limit on the app's role (FATAL: too many connections for role
        "u…" past it, as on Heroku), set at every start: older volumes get it too."""
        _, connections = limits(attachment.plan)
        user = attachment.secret["user"]
        recovering = container.exec_run(["psql", "-qAtc", "SELECT pg_is_in_recovery()"], user="postgres")
        if recovering.output.decode(errors="replace").strip() == "t":
            return   # a follower (or a fork not yet promoted): read-only; it has its leader's settings
        result = container.exec_run(["psql", "-v", "ON_ERROR_STOP=1", "-qAtc",
                                     f'ALTER ROLE "{user}" CONNECTION LIMIT {connections}'], user="postgres")
        if result.exit_code == 0:   # pg:outliers reads it; Heroku's databases have it installed
            result = container.exec_run(["psql", "-v", "ON_ERROR_STOP=1", "-qAt", "-d", attachment.secret["database"],
                                         "-c", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
                                         "-c", f'GRANT EXECUTE ON FUNCTION pg_stat_statements_reset TO "{user}"'],
                                        user="postgres")
        if result.exit_code != 0:
            raise AddonError(f"Could not set {attachment.name}'s connection limit",
                             hint=result.output.decode(errors="replace").strip())

    def apply_credential(self, container, attachment: Attachment, secret: dict[str, str]) -> None:
        """A rotation on the server: the app's role gets the new password (and the superuser a
        new one too, retiring any copy an older herosim left on the volume's labels), then
        every connection of the app's database is reset. Idempotent: a rotation interrupted
        after it is applied again. The passwords reach psql on its stdin, from the shell's
        builtin printf: never an argument."""
        result = container.exec_run(["sh", "-c", ROTATE_SCRIPT], user="postgres", environment={
            "ROLE": secret["user"], "SECRET": secret["password"], "SUPERSECRET": secret.get("superuser_password", "")})
        if result.exit_code != 0:
            raise AddonError(f"Could not rotate {attachment.name}'s credential",
                             hint=result.output.decode(errors="replace").strip())

    def probe(self, container, attachment: Attachment) -> tuple[bool, str]:
        """A real login as the app's credential over SSL: from this host with psycopg2 to the
        sidecar's address when this machine reaches it (milliseconds), else with psql inside the
        sidecar (the password in its environment, never in a process argument). When the login
        fails, pg_isready inside says whether the server is up at all."""
        secret = attachment.secret
        direct = direct_address(container, PORT)
        if direct:
            import psycopg2  # imported when a probe runs: the CLI starts faster
            try:
                conn = psycopg2.connect(host=direct[0], port=direct[1], user=secret["user"],
                                        password=secret["password"], dbname=secret["database"],
                                        sslmode="require", connect_timeout=3)
                conn.close()
                return True, "login as the app's credential over SSL"
            except psycopg2.OperationalError as exc:
                seen = (str(exc).strip().splitlines() or ["login failed"])[0]
        else:
            check = container.exec_run(
                ["psql", "-h", "127.0.0.1", "-p", str(PORT), "-U", secret["user"], "-d", secret["database"],
                 "-tAc", "select 1"], user="postgres",
                environment={"PGPASSWORD": secret["password"], "PGSSLMODE": "require"})
            if check.exit_code == 0:
                return True, "login as the app's credential over SSL"
            seen = check.output.decode(errors="replace").strip()
        # TCP on 127.0.0.1: the entrypoint's temporary init server listens on the socket only.
        ready = container.exec_run(["pg_isready", "-h", "127.0.0.1", "-p", str(PORT)], user="postgres")
        return False, ready.output.decode(errors="replace").strip() if ready.exit_code != 0 else seen


def _version(options: dict) -> str:
    version = str(options.get("version") or DEFAULT_POSTGRES)
    if version not in VERSIONS:
        raise AddonError(f"Postgres {version} is not a version Heroku Postgres offers",
                         hint="choose --version " + ", ".join(VERSIONS) + f" (default {DEFAULT_POSTGRES})")
    return version


def limits(plan: str) -> tuple[int, int]:
    tier = plan.partition(":")[2] or "essential-0"
    if tier not in PLANS:
        raise AddonError(f"Couldn't find either the add-on service or the add-on plan of heroku-postgresql:{tier}",
                         hint="plans: " + ", ".join(PLANS))
    return PLANS[tier]


def wanted(dependencies: frozenset[str]) -> bool:
    return bool(dependencies & DEPENDENCIES)
