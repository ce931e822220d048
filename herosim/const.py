"""Label keys, names and Heroku's numbers, in one place."""

LABEL_APP = "io.herosim.app"
LABEL_ROLE = "io.herosim.role"
LABEL_DYNO = "io.herosim.dyno"
LABEL_PROCESS_TYPE = "io.herosim.process-type"
LABEL_RELEASE = "io.herosim.release"
LABEL_COMMAND = "io.herosim.command"
LABEL_PORT = "io.herosim.port"
LABEL_SIZE = "io.herosim.size"
LABEL_ADDON_PLAN = "io.herosim.addon.plan"
LABEL_ADDON_NAME = "io.herosim.addon.name"
LABEL_ADDON_CONFIG = "io.herosim.addon.config"   # older volumes only: config vars with their values
LABEL_ADDON_SECRET = "io.herosim.addon.secret"   # older volumes only: credentials
LABEL_ADDON_VARS = "io.herosim.addon.vars"       # the names (never the values) of the config vars it sets
LABEL_ADDON_PART = "io.herosim.addon.part"       # a container that serves an add-on beside its server (its pooler)
LABEL_STACK = "io.herosim.stack"
LABEL_RECIPE = "io.herosim.recipe"
LABEL_PYTHON = "io.herosim.python-version"
LABEL_DEPS_KEY = "io.herosim.deps.key"
LABEL_DEPS_INPUTS = "io.herosim.deps.inputs"
LABEL_SESSION = "io.herosim.test-session"
LABEL_GENERATION = "io.herosim.generation"
LABEL_PROCESSES = "io.herosim.processes"

ROLE_DYNO = "dyno"
ROLE_ONE_OFF = "one-off"
ROLE_ADDON = "addon"
ROLE_PG_TRANSFER = "pg-transfer"   # pg:pull / pg:push's helper container (it holds both sides' passwords)
ROLE_SLUG = "slug"
ROLE_DEPS = "deps"
ROLE_BUILD = "build"
ROLE_NETWORK = "network"
ROLE_STACK = "stack"
ROLE_CACHE = "cache"
ROLE_COMPILE = "compile"
ROLE_RELAY = "relay"         # the dyno manager's foothold on the app's network when this machine does not reach it
ROLE_SNAPSHOT = "snapshot"   # a short-lived helper that reads or writes an add-on's volume

# Heroku's numbers (Dev Center: dynos, error-codes, http-routing, logging, config-vars).
BOOT_TIMEOUT = 60.0          # R10
STOP_TIMEOUT = 30.0          # SIGTERM -> SIGKILL, R12
ROUTER_TIMEOUT = 30.0        # H12, first byte
ROUTER_IDLE_TIMEOUT = 55.0   # H15/H28
ROUTER_QUEUE_TIMEOUT = 75.0  # H20
LOG_LINES_KEPT = 1500
LOG_LINES_DEFAULT = 100
LOG_CHUNK_BYTES = 10_000
CONFIG_VARS_MAX_BYTES = 32 * 1024
DEFAULT_ROUTER_PORT = 5006   # heroku local's default since 2024
DYNO_PORT_RANGE = (10000, 60000)

ENV_BOOT_TIMEOUT = "HEROSIM_BOOT_TIMEOUT"
ENV_STOP_TIMEOUT = "HEROSIM_STOP_TIMEOUT"
ENV_ROUTER_TIMEOUT = "HEROSIM_ROUTER_TIMEOUT"
ENV_OFFLINE = "HEROSIM_OFFLINE"
ENV_HOME = "HEROSIM_HOME"
ENV_CA_BUNDLE = "HEROSIM_CA_BUNDLE"
ENV_TIME_SCALE = "HEROSIM_TIME_SCALE"        # multiplies crash cool-offs and cycling (tests)
ENV_APP = ("HEROSIM_APP", "HEROKU_APP")      # the app a command acts on, after -a
ENV_USER = "HEROSIM_USER"                    # who releases and `apps` name (default: $USER@localhost)
ENV_TEST_SESSION = "HEROSIM_TEST_SESSION"    # the pytest plugin's session: labelled on all it creates
ENV_OBSERVER = "HEROSIM_OBSERVER"            # 0: the dyno manager runs no drains, metrics or samples
ENV_CACHE_VOLUME = "HEROSIM_CACHE_VOLUME"    # another build cache volume for the app (benchmarks)
CA_BUNDLE_ENV_VARS = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")

HEXAGON = "\u2b22"  # the ⬢ Heroku's CLI puts before an app name
