import pytest

from herosim.runtime.router import framing
from herosim.runtime.router.framing import BadMessage


def test_parse_and_edit_a_head():
    head = framing.parse_head(b"GET /x?a=1 HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\nConnection: keep-alive, Upgrade")
    assert framing.request_parts(head) == ("GET", "/x?a=1", "HTTP/1.1")
    assert head.get("host") == "a"
    assert head.tokens("connection") == {"keep-alive", "upgrade"}
    head.set("Host", "b")
    assert head.encode().endswith(b"Host: b\r\n\r\n")


@pytest.mark.parametrize("raw", [b"GET /\r\nHost: a", b"GET / HTTP/1.1\r\nBad Header\r\n", b""])
def test_malformed_heads(raw):
    with pytest.raises(BadMessage):
        framing.request_parts(framing.parse_head(raw))


def test_body_framing():
    def head(text):
        return framing.parse_head(text.encode())
    assert framing.body_kind(head("POST / HTTP/1.1\r\nContent-Length: 5"), request=True) == ("length", 5)
    assert framing.body_kind(head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked"), request=True) == ("chunked", 0)
    assert framing.body_kind(head("GET / HTTP/1.1"), request=True) == ("none", 0)
    assert framing.body_kind(head("HTTP/1.1 200 OK"), request=False) == ("close", 0)
    assert framing.body_kind(head("HTTP/1.1 304 Not Modified\r\nContent-Length: 9"), request=False,
                              status=304) == ("none", 0)
    assert framing.body_kind(head("HTTP/1.1 200 OK\r\nContent-Length: 9"), request=False,
                              method="HEAD") == ("none", 0)


def test_keep_alive_rules():
    assert framing.keep_alive(framing.parse_head(b"GET / HTTP/1.1"), "HTTP/1.1")
    assert not framing.keep_alive(framing.parse_head(b"GET / HTTP/1.1\r\nConnection: close"), "HTTP/1.1")
    assert not framing.keep_alive(framing.parse_head(b"GET / HTTP/1.0"), "HTTP/1.0")


def test_request_ids_heroku_keeps():
    assert framing.valid_request_id("3f5c0d56-2b5c-4ec3-9d3a-6f0b5a2f7e8d")
    assert not framing.valid_request_id("short")
    assert not framing.valid_request_id("has spaces in it, which is not allowed")
    assert not framing.valid_request_id(None)
