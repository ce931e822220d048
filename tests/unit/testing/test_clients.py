"""The plugin's HTTP clients: bound to the app's URL, verifying against herosim's CA whatever
REQUESTS_CA_BUNDLE says (psf/requests#3829), redirects left to the caller (no Docker: a local
HTTPS server with a certificate from a throwaway herosim CA)."""

import http.server
import ssl
import threading

import pytest
import requests

from herosim.testing.clients import AppSession, httpx_client
from herosim.tls import authority


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "/new")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"path={self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    files = authority.router_files("myapp", tmp_path_factory.mktemp("tls"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", str(files.ca)
    httpd.shutdown()


@pytest.fixture
def other_bundle(tmp_path, monkeypatch):
    """REQUESTS_CA_BUNDLE (and SSL_CERT_FILE) naming a CA that did not sign the server's certificate."""
    other = authority.router_files("otherapp", tmp_path / "other")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other.ca))
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca))
    return other.ca


def test_a_plain_session_obeys_the_environment_and_fails(server, other_bundle):
    url, ca = server
    session = requests.Session()
    session.verify = ca
    with pytest.raises(requests.exceptions.SSLError):
        session.get(url + "/", timeout=10)   # the trap the plugin's client avoids


def test_the_app_session_verifies_against_herosims_ca_whatever_the_environment(server, other_bundle):
    url, ca = server
    with AppSession(url, ca) as session:
        assert session.get("/hello", timeout=10).text == "path=/hello"
        session.trust_env = True
        assert session.get("hello", verify=True, timeout=10).text == "path=/hello"
        assert session.get(url + "/absolute", timeout=10).text == "path=/absolute"


def test_redirects_are_the_callers(server):
    url, ca = server
    with AppSession(url, ca) as session:
        seen = session.get("/old", allow_redirects=False, timeout=10)
        assert (seen.status_code, seen.headers["Location"]) == (301, "/new")
        assert session.get("/old", timeout=10).text == "path=/new"


def test_the_httpx_client_too(server, other_bundle):
    pytest.importorskip("httpx")
    url, ca = server
    with httpx_client(url, ca) as client:
        first = client.get("/old")
        assert first.status_code == 301          # httpx follows no redirect unless asked
        assert client.get("/old", follow_redirects=True).text == "path=/new"
