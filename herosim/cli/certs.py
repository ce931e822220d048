"""`herosim certs` and `certs:ca`: the router's certificate (HTTPS on every app's router port)
and the local CA that signs it, shaped as Heroku's `certs:info`."""

from __future__ import annotations

from herosim.cli import render
from herosim.cli.base import Env, app_option, cli, pass_env
from herosim.const import HEXAGON
from herosim.tls import authority, certificates


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@cli.command("certs")
@app_option
@pass_env
def certs(env: Env, app_name):
    """Show the certificate the app's router serves over HTTPS, and where its CA is."""
    app = env.app(app_name)
    files = authority.router_files(app.name)
    seen = certificates.details(files.cert.read_bytes())
    env.printer.info(f"Fetching SSL certificate for {HEXAGON} {app.name}... done")
    env.printer.data("Certificate details:")
    env.printer.data("\n".join(render.fields([
        ("Common Name(s)", ", ".join(seen.names)), ("Expires At", _when(seen.expires)), ("Issuer", seen.issuer),
        ("Starts At", _when(seen.starts)), ("Subject", seen.subject), ("SHA256 Fingerprint", seen.sha256)])))
    env.printer.data(f"SSL certificate is verified by herosim's local CA: {files.ca}")
    env.printer.info("Trust that CA once (herosim certs:ca prints it) and every app's https:// URL verifies.")


@cli.command("certs:ca")
@pass_env
def certs_ca(env: Env):
    """Print herosim's local CA (PEM) for curl --cacert, REQUESTS_CA_BUNDLE or a browser's trust store."""
    path = authority.ensure_ca()
    env.printer.data(path.read_text(), end="")
    env.printer.info(f"Trust it: curl --cacert {path} …, REQUESTS_CA_BUNDLE={path}, or import it as a certificate "
                     "authority in your browser's settings")
