"""HTTP and HTTPS on the router's one port, TLS ending at the router (no Docker)."""

import http.client
import json
import socket
import ssl
import time

import pytest

from herosim.platform.timeouts import Timeouts
from herosim.runtime.router import front
from herosim.runtime.router.exchange import Backends
from herosim.runtime.router.router import Router
from herosim.tls import authority
from tests.unit.runtime.router.test_router import backend, free_port, last_line  # noqa: F401 - fixtures


@pytest.fixture
def tls_files(tmp_path):
    return authority.router_files("myapp", tmp_path)


@pytest.fixture
def secure(backend, tls_files):  # noqa: F811 - the fixture above
    lines = []
    router = Router(free_port(), lambda: Backends(1, (("web.1", "127.0.0.1", backend),), False), lines.append,
                    Timeouts.resolve(router=1.0, environ={}),
                    tls=front.server_context(tls_files.cert, tls_files.key))
    router.start()
    yield router, lines, tls_files
    router.stop()


def client_context(ca) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def https_get(port, ca, host="127.0.0.1", path="/", context=None):
    conn = http.client.HTTPSConnection(host, port, timeout=10, context=context or client_context(ca))
    conn.request("GET", path)
    response = conn.getresponse()
    return response, response.read(), conn


def test_https_and_http_share_the_port(secure):
    router, lines, files = secure
    response, body, conn = https_get(router.port, files.ca, path="/over-tls")
    assert response.status == 200
    headers = json.loads(body)["headers"]
    assert headers["X-Forwarded-Proto"] == "https"
    assert headers["X-Forwarded-Port"] == str(router.port)
    assert headers["Via"] == "1.1 heroku-router"
    assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")
    assert conn.sock.selected_alpn_protocol() in (None, "http/1.1")
    line = last_line(lines)
    assert line.startswith('at=info method=GET path="/over-tls"')
    assert line.endswith("status=200 bytes=%d protocol=http1.1 tls=true tls_version=unknown" % len(body))
    plain = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
    plain.request("GET", "/plain")
    answer = plain.getresponse()
    assert json.loads(answer.read())["headers"]["X-Forwarded-Proto"] == "http"
    assert last_line(lines).endswith("protocol=http1.1 tls=false")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "myapp.localhost"])
def test_certificate_verifies_for_local_names(secure, host):
    router, _, files = secure
    context = client_context(files.ca)
    if host == "myapp.localhost":  # the name is checked, the address is loopback's
        with socket.create_connection(("127.0.0.1", router.port)) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
        return
    response, _, _ = https_get(router.port, files.ca, host=host)
    assert response.status == 200


def test_keep_alive_over_tls(secure):
    router, _, files = secure
    conn = http.client.HTTPSConnection("127.0.0.1", router.port, timeout=10, context=client_context(files.ca))
    for i in range(3):
        conn.request("GET", f"/n{i}")
        assert json.loads(conn.getresponse().read())["path"] == f"/n{i}"


def test_a_client_without_tls_1_2_is_refused(secure):
    router, lines, files = secure
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    try:
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with socket.create_connection(("127.0.0.1", router.port), timeout=5) as raw:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            old.wrap_socket(raw, server_hostname="localhost")
    assert not lines   # no request was made: nothing to log
    response, _, _ = https_get(router.port, files.ca)   # and the router goes on serving
    assert response.status == 200


def test_an_untrusted_client_fails_its_handshake_and_the_router_goes_on(secure):
    router, _, files = secure
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(router.port, files.ca, context=ssl.create_default_context())
    assert https_get(router.port, files.ca)[0].status == 200


def test_a_silent_connection_is_closed(secure, monkeypatch):
    router, _, files = secure
    monkeypatch.setattr(front, "FIRST_BYTE_TIMEOUT", 0.3)
    silent = socket.create_connection(("127.0.0.1", router.port), timeout=5)
    time.sleep(0.1)   # accepted under the patched deadline
    silent.settimeout(3)
    started = time.monotonic()
    assert silent.recv(1) == b""
    assert time.monotonic() - started < 2.5
    assert https_get(router.port, files.ca)[0].status == 200
