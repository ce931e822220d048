"""HTTPS and syslog drains against receivers on 127.0.0.1 that check every byte they get."""

import datetime as dt
import random
import re
import ssl
import time

import pytest

from herosim.drains.http import HttpDrain, backoff_ms
from herosim.drains.model import Drain, DrainError, endpoint
from herosim.drains.syslog import SyslogDrain, backoff_seconds
from herosim.platform.logline import LogLine
from tests.unit.drains.receiver import HttpReceiver, TcpReceiver

WHEN = dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=dt.timezone.utc)
LINES = [LogLine(WHEN, "heroku", "web.1", "State changed from starting to up"),
         LogLine(WHEN, "app", "web.1", 'GET / 200 "ok"')]


def drain(url: str) -> Drain:
    return Drain("0b5d1c0e-0000-4000-8000-000000000001", "d.8bf587e9-29d1-43c8-bd0e-36cdfaf35259", url,
                 "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z")


@pytest.fixture
def http():
    servers = []

    def make(statuses=()):
        server = HttpReceiver(statuses)
        servers.append(server)
        return server
    yield make
    for server in servers:
        server.close()


def run(worker):
    worker.start()
    return worker


def test_https_drain_posts_logplex_1_with_its_headers_byte_for_byte(http):
    server = http()
    worker = run(HttpDrain(drain(f"http://user:p%40ss@127.0.0.1:{server.port}/logs?x=1")))
    try:
        worker.push(LINES)
        request = server.wait(1)[0]
    finally:
        worker.stop()
    head, body = request.split(b"\r\n\r\n", 1)
    frame_id = re.search(rb"Logplex-Frame-Id: ([0-9A-F]{32})\r\n", head).group(1).decode()
    one = b"<45>1 2026-03-01T12:00:00.250000+00:00 host heroku web.1 - State changed from starting to up\n"
    two = b'<190>1 2026-03-01T12:00:00.250000+00:00 host app web.1 - GET / 200 "ok"\n'
    expected_body = b"%d %s%d %s" % (len(one), one, len(two), two)
    assert body == expected_body
    assert head.decode() == (
        "POST /logs?x=1 HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Authorization: Basic dXNlcjpwQHNz\r\n"
        "Content-Type: application/logplex-1\r\n"
        "Logplex-Msg-Count: 2\r\n"
        f"Logplex-Frame-Id: {frame_id}\r\n"
        "Logplex-Drain-Token: d.8bf587e9-29d1-43c8-bd0e-36cdfaf35259\r\n"
        "User-Agent: Logplex/herosim\r\n"
        f"Content-Length: {len(expected_body)}")
    assert worker.counters.delivered == 2


def test_a_5xx_is_retried_with_the_same_frame_id_then_delivered(http):
    server = http(statuses=[500, 503])
    worker = run(HttpDrain(drain(f"http://127.0.0.1:{server.port}/")))
    try:
        worker.push(LINES[:1])
        requests = server.wait(3)
    finally:
        worker.stop()
    ids = {re.search(rb"Logplex-Frame-Id: (\w+)", r).group(1) for r in requests}
    assert len(requests) == 3 and len(ids) == 1   # Logplex-Frame-Id lets a receiver spot the retries
    assert worker.counters.delivered == 1 and worker.counters.dropped == 0


def test_three_failures_drop_the_batch_and_the_next_batch_says_l10(http):
    server = http(statuses=[500, 500, 500])
    worker = run(HttpDrain(drain(f"http://127.0.0.1:{server.port}/")))
    try:
        worker.push(LINES)
        server.wait(3)
        worker.push(LINES[:1])
        requests = server.wait(4)
    finally:
        worker.stop()
    last = requests[3]
    assert b"Logplex-Msg-Count: 2\r\n" in last   # the L10 frame counts as a message
    body = last.split(b"\r\n\r\n", 1)[1]
    assert re.match(rb"\d+ <172>1 \S+ host heroku logplex - Error L10 \(output buffer overflow\): "
                    rb"2 messages dropped since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\.\d+ <45>1 ", body)
    assert worker.counters.dropped == 2


def test_a_4xx_drops_at_once_without_retrying(http):
    server = http(statuses=[400])
    worker = run(HttpDrain(drain(f"http://127.0.0.1:{server.port}/")))
    try:
        worker.push(LINES[:1])
        server.wait(1)
        time.sleep(0.3)
        assert len(server.data) == 1
    finally:
        worker.stop()
    assert worker.counters.dropped == 1


def test_a_drain_that_is_down_keeps_1024_messages_and_announces_the_rest(http):
    closed = HttpReceiver()
    port = closed.port
    closed.close()   # nothing listens: connections are refused
    worker = HttpDrain(drain(f"http://127.0.0.1:{port}/"), rng=random.Random(1))
    worker.start()
    try:
        start = time.monotonic()
        worker.push([LogLine(WHEN, "app", "web.1", f"line {i}") for i in range(1500)])
        assert time.monotonic() - start < 1.0  # pushing never waits on the network
        time.sleep(0.2)
        assert len(worker.buffer) + (worker.pending.batch.count if worker.pending else 0) <= 1024 + 1024
        assert worker.buffer.lost + (worker.pending.batch.lost if worker.pending else 0) >= 1500 - 2048
    finally:
        worker.stop()


def test_logplex_backoff_schedules():
    rng = random.Random(0)
    assert backoff_ms(0, rng) == 0
    assert all(0 <= backoff_ms(n, rng) <= 10 * 511 for n in range(1, 30))
    assert [backoff_seconds(n) for n in (1, 2, 5, 8, 9, 10, 20)] == [2, 4, 32, 256, 512, 300, 300]  # 2^9 before the cap, as Logplex computes it


def test_syslog_drain_sends_rfc6587_frames_with_the_token_as_hostname():
    server = TcpReceiver()
    worker = run(SyslogDrain(drain(f"syslog://127.0.0.1:{server.port}")))
    try:
        worker.push(LINES)
        deadline = time.monotonic() + 5
        while len(server.received()) < 100 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
        server.close()
    one = b"<45>1 2026-03-01T12:00:00.250000+00:00 d.8bf587e9-29d1-43c8-bd0e-36cdfaf35259 heroku web.1 - - " \
          b"State changed from starting to up\n"
    two = b'<190>1 2026-03-01T12:00:00.250000+00:00 d.8bf587e9-29d1-43c8-bd0e-36cdfaf35259 app web.1 - - GET / 200 "ok"\n'
    assert server.received() == b"%d %s%d %s" % (len(one), one, len(two), two)


def test_syslog_tls_drain_verifies_unless_insecure(tmp_path):
    cert, key = _self_signed(tmp_path)
    server = TcpReceiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    plain = server.serve

    def serve(conn):
        try:
            plain(context.wrap_socket(conn, server_side=True))
        except ssl.SSLError:
            conn.close()   # the client that does not trust the certificate hangs up
    server.serve = serve
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        worker = run(SyslogDrain(drain(f"syslog+tls://127.0.0.1:{server.port}"), context=trusted))
        worker.push(LINES[:1])
        deadline = time.monotonic() + 5
        while b"State changed" not in server.received() and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.stop()
        assert b" d.8bf587e9-29d1-43c8-bd0e-36cdfaf35259 heroku web.1 - - State changed" in server.received()
        untrusted = run(SyslogDrain(drain(f"syslog+tls://127.0.0.1:{server.port}")))
        untrusted.push(LINES[:1])
        time.sleep(0.5)
        untrusted.stop()
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.counters.last_error
        assert endpoint(f"syslog+tls://127.0.0.1:{server.port}#insecure").verify is False
    finally:
        server.close()


def test_urls_logplex_refuses():
    for url in ("blablabla", "ftp://logs.example.com", "https://", "syslog://:601"):
        with pytest.raises(DrainError, match="Url is invalid"):
            endpoint(url)
    assert endpoint("syslog://logs.example.com").port == 601
    assert endpoint("syslog+tls://logs.example.com").port == 6514
    assert endpoint("https://logs.example.com/x").port == 443


def _self_signed(tmp_path):
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
