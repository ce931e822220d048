"""The router's log line, `heroku[router]: at=info method=GET path="/" …`, fields in Heroku's
order; every value escaped, so a newline or a quote in a path or a Host cannot forge a line.

Router 2.0's fields (the router of every new Common Runtime app since July 2025): `protocol`
is the HTTP version (`http1.1`: HTTP/1.0 clients are answered as HTTP/1.1, and
`*.herokuapp.com` offers no HTTP/2), `tls` says whether the request came over TLS, and
`tls_version` is `unknown` on the default domain, as Heroku logs it."""

from __future__ import annotations

DESCRIPTIONS = {
    "H10": "App crashed", "H12": "Request timeout", "H13": "Connection closed without response",
    "H14": "No web processes running", "H15": "Idle connection", "H17": "Poorly formatted HTTP response",
    "H18": "Server Request Interrupted", "H19": "Backend connection timeout", "H20": "App boot timeout",
    "H21": "Backend connection refused", "H25": "HTTP Restriction", "H26": "Request Error",
    "H27": "Client Request Interrupted", "H28": "Client Connection Idle", "H80": "Maintenance mode",
}
_SAFE = {c: chr(c) for c in range(0x20, 0x7F)}
_SAFE[ord("\\")] = "\\\\"
_SAFE[ord('"')] = '\\"'


def escape(value: str) -> str:
    """Printable ASCII as is; `"` and `\\` escaped; anything else (newlines, control and
    non-ASCII characters) as \\xNN, so the field stays on its line and inside its quotes."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return value
    return "".join(_SAFE.get(ord(c)) or "".join(f"\\x{b:02x}" for b in c.encode("utf-8", "surrogateescape"))
                   for c in value)


def bare(value: str) -> str:
    """An unquoted field (host, request id): as `escape`, and no spaces either."""
    return escape(value).replace(" ", "\\x20")


def router_line(*, method: str, path: str, host: str, request_id: str, fwd: str, dyno: str = "",
                connect: int | None = None, service: int | None = None, status: int | None = None,
                bytes_: int | None = None, tls: bool = False, code: str | None = None,
                at: str | None = None, desc: str | None = None, cause: str | None = None,
                sock: str | None = None) -> str:
    """One `heroku[router]` message; missing values stay empty."""
    def ms(value):
        return "" if value is None else f"{value}ms"

    def num(value):
        return "" if value is None else str(value)

    head = f"at={at or ('error' if code else 'info')}"
    if code:
        head += f' code={code} desc="{desc or DESCRIPTIONS.get(code, code)}"'
    if cause:
        head += f' cause="{escape(cause)}"'
    return (f'{head} method={bare(method)} path="{escape(path)}" host={bare(host)} request_id={bare(request_id)} '
            f'fwd="{escape(fwd)}" dyno={dyno} connect={ms(connect)} service={ms(service)} status={num(status)} '
            f"bytes={num(bytes_)} protocol=http1.1 tls={'true tls_version=unknown' if tls else 'false'}"
            + (f" sock={sock}" if sock else ""))
