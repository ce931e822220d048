"""Search add-ons: Elasticsearch (ELASTICSEARCH_URL), SearchBox (SEARCHBOX_URL,
SEARCHBOX_SSL_URL), Bonsai (BONSAI_URL); one code path, three engines:
  lite           herosim's own engine (offline, and `--engine lite` anywhere)
  elasticsearch  the official Elasticsearch 8 image, single node, heap capped (online)
  opensearch     the official OpenSearch 2 image (online)"""

from __future__ import annotations

import base64
import json
import secrets
import string

from herosim.addons.attachment import Attachment
from herosim.addons.service import AddonService, SidecarSpec
from herosim.engine import stack as catalogue
from herosim.engine.recipes import Image, Pulled, Recipe
from herosim.engine.stack import Stack
from herosim.errors import StackError

PORT = 9200
TLS_PORT = 9243
ENGINES = ("lite", "elasticsearch", "opensearch")
DEPENDENCIES = frozenset({"elasticsearch", "elasticsearch-dsl", "opensearch-py", "elasticsearch7",
                          "elasticsearch8", "opensearch-dsl"})
HEAP = "-Xms512m -Xmx512m"
OFFICIAL_ELASTICSEARCH = "elasticsearch:8.15.3"
OFFICIAL_OPENSEARCH = "opensearchproject/opensearch:2.17.1"
ONLINE_LITE_BASE = "python:3.13-slim"   # the lite engine's base online (its recipe: docker/search-lite)


def image(stack: Stack, engine: str) -> Image:
    """The engine's image: herosim's lite engine (on the stack's Debian suite offline, on the
    official Python online), or an official one (online)."""
    if engine == "lite":
        if stack.suite is not None:
            return catalogue.offline_image("search-lite", stack.suite)
        return Recipe("search-lite", "official", Pulled(ONLINE_LITE_BASE), "official")
    if engine == "elasticsearch":
        return Pulled(OFFICIAL_ELASTICSEARCH)
    if engine == "opensearch":
        return Pulled(OFFICIAL_OPENSEARCH)
    raise StackError(f"Unknown search engine {engine!r}", hint="use lite, elasticsearch or opensearch")


def _secret(length: int = 24) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(length))


class Search(AddonService):
    """One kind of hosted search, as its Heroku add-on presents it."""

    def __init__(self, service: str, prefix: str, auth_user: str | None):
        self.service = service
        self.default_plan = f"{service}:{'starter' if service != 'elasticsearch' else 'single-node'}"
        self.name_prefix = prefix
        self.auth_user = auth_user      # hosted search with credentials in the URL
        self.ready_timeout = 180.0      # the JVM engines take tens of seconds

    def new_attachment(self, app: str, plan: str, name: str, volume: str,
                       taken_vars: set[str], options: dict) -> Attachment:
        engine = options.get("engine") or "lite"
        user = self.auth_user
        if user and engine == "elasticsearch":
            user = "elastic"  # the official image's built-in superuser
        password = _secret() if user and engine != "opensearch" else ""
        credentials = f"{user}:{password}@" if password else ""
        base = f"{credentials}{name}"
        if self.service == "searchbox":
            config = {"SEARCHBOX_URL": f"http://{base}:{PORT}"}
            if engine == "lite":
                config["SEARCHBOX_SSL_URL"] = f"https://{base}:{TLS_PORT}"
        elif self.service == "bonsai":
            config = {"BONSAI_URL": f"http://{base}:{PORT}"}
        else:
            config = {"ELASTICSEARCH_URL": f"http://{base}:{PORT}"}
        return Attachment(app=app, plan=plan, name=name, volume=volume, config=config,
                          secret={"engine": engine, "user": user or "", "password": password})

    def sidecar(self, attachment: Attachment, stack: Stack) -> SidecarSpec:
        engine = attachment.secret.get("engine", "lite")
        user, password = attachment.secret.get("user", ""), attachment.secret.get("password", "")
        chosen = image(stack, engine)
        if engine == "lite":
            env = {"HEROSIM_SEARCH_USER": user, "HEROSIM_SEARCH_PASSWORD": password} if password else {}
            return SidecarSpec(image=chosen, environment=env, command=None, port=PORT, data_path="/data")
        if engine == "elasticsearch":
            env = {"discovery.type": "single-node", "ES_JAVA_OPTS": HEAP, "xpack.security.enabled": "false"}
            if password:
                env.update({"xpack.security.enabled": "true", "xpack.security.http.ssl.enabled": "false",
                            "xpack.security.transport.ssl.enabled": "false", "ELASTIC_PASSWORD": password})
            return SidecarSpec(image=chosen, environment=env, command=None, port=PORT,
                               data_path="/usr/share/elasticsearch/data")
        return SidecarSpec(image=chosen, environment={"discovery.type": "single-node", "OPENSEARCH_JAVA_OPTS": HEAP,
                                                     "DISABLE_SECURITY_PLUGIN": "true",
                                                     "DISABLE_INSTALL_DEMO_CONFIG": "true"},
                           command=None, port=PORT, data_path="/usr/share/opensearch/data")

    def credentials(self, attachment: Attachment) -> str:
        if attachment.secret.get("password"):
            return f"HTTP Basic (user {attachment.secret.get('user')}), in the URL"
        return ("none: this plan's URL carries no credentials, so anything that reaches its port can read and "
                "write its indices (it is published on 127.0.0.1 only)")

    def probe(self, container, attachment: Attachment) -> tuple[bool, str]:
        """GET /_cluster/health from inside the sidecar (bash's /dev/tcp: every image has bash).
        Credentials travel in the exec's environment, never in a process argument."""
        user = attachment.secret.get("user", "")
        password = attachment.secret.get("password", "")
        env = {}
        auth = ""
        if user and password:
            env["HEROSIM_AUTH"] = base64.b64encode(f"{user}:{password}".encode()).decode()
            auth = "Authorization: Basic $HEROSIM_AUTH\\r\\n"
        script = (f'exec 3<>/dev/tcp/127.0.0.1/{PORT} && printf "GET /_cluster/health HTTP/1.0\\r\\n{auth}\\r\\n" >&3 '
                  "&& cat <&3")
        result = container.exec_run(["bash", "-c", script], environment=env)
        text = result.output.decode(errors="replace")
        body = text.split("\r\n\r\n", 1)[-1]
        try:
            status = json.loads(body).get("status")
        except (json.JSONDecodeError, AttributeError):
            return False, text.strip().splitlines()[0] if text.strip() else "no answer"
        return status in ("green", "yellow"), f"cluster health {status}"


def wanted(dependencies: frozenset[str]) -> bool:
    return bool(dependencies & DEPENDENCIES)
