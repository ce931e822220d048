"""HTTP clients bound to an app's URL, as pytest web fixtures give them: a requests Session
or an httpx Client. Relative paths go to the app; redirects are the caller's (requests'
`allow_redirects`, httpx's `follow_redirects`, off by default there); https verifies against
herosim's CA whatever the environment says: REQUESTS_CA_BUNDLE overrides a Session's
`verify` when `trust_env` is on (psf/requests#3829), so these never read the environment
(no proxy either: the app is on loopback)."""

from __future__ import annotations

import ssl
from urllib.parse import urljoin, urlsplit

import requests


class AppSession(requests.Session):
    """requests.Session on `base_url`: session.get("/path")."""

    def __init__(self, base_url: str, ca_bundle: str):
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.verify = ca_bundle
        self.trust_env = False

    def request(self, method, url, *args, **kwargs):
        if not urlsplit(url).scheme:
            url = urljoin(self.base_url, url.lstrip("/"))
        return super().request(method, url, *args, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None or verify is True:   # not a bundle or False the caller named: herosim's CA, not the env's
            settings["verify"] = self.verify
        return settings


def httpx_client(base_url: str, ca_bundle: str, **kwargs):
    """httpx.Client on `base_url`, verifying against herosim's CA (httpx is optional)."""
    try:
        import httpx
    except ImportError as exc:
        raise RuntimeError("httpx is not installed: pip install httpx, or use herosim_app.client()") from exc
    context = ssl.create_default_context(cafile=ca_bundle)
    return httpx.Client(base_url=base_url, verify=context, trust_env=False, **kwargs)
