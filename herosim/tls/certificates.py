"""Making certificates (pure: keys and PEM bytes in, PEM bytes out; no files).

The CA is a root made once per machine; each app's router certificate is a leaf it signs for
the names a browser or a client on this machine uses to reach a router: 127.0.0.1, ::1,
localhost, *.localhost and `<app>.localhost` (browsers and OpenSSL do not let a wildcard
match right under a one-label name, so the app's own name is listed too). Validity follows
what browsers accept from a locally trusted root (mkcert's practice: a leaf of 825 days at
most)."""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import socket
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
LEAF_DAYS = 825
RENEW_BEFORE_DAYS = 30
DNS_NAMES = ("localhost", "*.localhost")
IP_ADDRESSES = ("127.0.0.1", "::1")
ORGANISATION = "herosim local CA"


@dataclass(frozen=True)
class Pair:
    cert: bytes   # PEM
    key: bytes    # PEM, PKCS#8, unencrypted (kept 0600)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, key_cert_sign=ca, crl_sign=ca, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         encipher_only=False, decipher_only=False)


def owner() -> str:
    """`user@host`, as mkcert names its CA: whose machine trusts it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    return f"{user}@{socket.gethostname()}"


def new_authority(now: dt.datetime | None = None) -> Pair:
    now = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(minutes=5)
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"herosim {owner()}")])
    public = key.public_key()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256()))
    return Pair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def dns_names(app: str | None) -> tuple[str, ...]:
    return DNS_NAMES + ((f"{app}.localhost",) if app else ())


def new_leaf(authority: Pair, app: str | None = None, now: dt.datetime | None = None) -> Pair:
    """A router's certificate, signed by `authority`."""
    now = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(minutes=5)
    ca_cert = x509.load_pem_x509_certificate(authority.cert)
    ca_key = serialization.load_pem_private_key(authority.key, password=None)
    ca_public = ca_cert.public_key()
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey) or not isinstance(ca_public, ec.EllipticCurvePublicKey):
        raise ValueError("herosim's local CA is not an EC P-256 key pair")
    key = _key()
    names = [x509.DNSName(n) for n in dns_names(app)] + [x509.IPAddress(ipaddress.ip_address(a)) for a in IP_ADDRESSES]
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "herosim router"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    ends = min(now + dt.timedelta(days=LEAF_DAYS), ca_cert.not_valid_after_utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(ends)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return Pair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


@dataclass(frozen=True)
class Details:
    """What `herosim certs` shows of a certificate."""
    subject: str
    issuer: str
    names: tuple[str, ...]
    starts: dt.datetime
    expires: dt.datetime
    sha256: str


def details(pem: bytes) -> Details:
    cert = x509.load_pem_x509_certificate(pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(san.get_values_for_type(x509.DNSName)) + tuple(
            str(a) for a in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        names = ()
    fingerprint = cert.fingerprint(hashes.SHA256()).hex(":").upper()
    return Details(_slashed(cert.subject), _slashed(cert.issuer), names, cert.not_valid_before_utc,
                   cert.not_valid_after_utc, fingerprint)


def _slashed(name: x509.Name) -> str:
    """`/O=…/CN=…`, the way Heroku's certs:info prints a subject."""
    short = {NameOID.ORGANIZATION_NAME: "O", NameOID.COMMON_NAME: "CN"}

    def text(value: str | bytes) -> str:
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return "".join(f"/{short.get(a.oid, a.oid.dotted_string)}={text(a.value)}" for a in name)


def needs_renewal(leaf_pem: bytes, authority_pem: bytes, app: str | None = None,
                  now: dt.datetime | None = None) -> bool:
    """A leaf that expires soon, lacks a name the router needs, or another CA signed."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        leaf = x509.load_pem_x509_certificate(leaf_pem)
        ca = x509.load_pem_x509_certificate(authority_pem)
    except ValueError:
        return True
    if leaf.issuer != ca.subject or leaf.not_valid_after_utc - now < dt.timedelta(days=RENEW_BEFORE_DAYS):
        return True
    try:
        leaf.verify_directly_issued_by(ca)
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - any failure: a new leaf
        return True
    have = set(details(leaf_pem).names)
    return not have >= set(dns_names(app)) | set(IP_ADDRESSES)
