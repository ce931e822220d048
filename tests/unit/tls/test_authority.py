"""herosim's local CA and the router's certificate (files in a temporary home; no Docker)."""

import datetime as dt
import stat

from cryptography import x509

from herosim.tls import authority, certificates


def test_made_once_private_and_reused(tmp_path):
    first = authority.router_files("myapp", tmp_path)
    ca_before = first.ca.read_bytes()
    leaf_before = first.cert.read_bytes()
    second = authority.router_files("myapp", tmp_path)
    assert second.ca.read_bytes() == ca_before and second.cert.read_bytes() == leaf_before
    assert stat.S_IMODE(authority.folder(tmp_path).stat().st_mode) == 0o700
    assert stat.S_IMODE(first.cert.parent.stat().st_mode) == 0o700
    for path in (first.key, authority.folder(tmp_path) / authority.CA_KEY, first.cert, first.ca):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_leaf_names_every_local_address_and_is_signed_by_the_ca(tmp_path):
    files = authority.router_files("myapp", tmp_path)
    seen = certificates.details(files.cert.read_bytes())
    assert set(seen.names) == {"localhost", "*.localhost", "myapp.localhost", "127.0.0.1", "::1"}
    leaf = x509.load_pem_x509_certificate(files.cert.read_bytes())
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    leaf.verify_directly_issued_by(ca)
    assert (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days <= certificates.LEAF_DAYS


def test_renewed_when_it_expires_soon_or_another_ca_signed_it(tmp_path):
    authority_pair = certificates.new_authority()
    other = certificates.new_authority()
    leaf = certificates.new_leaf(authority_pair, "one")
    assert not certificates.needs_renewal(leaf.cert, authority_pair.cert, "one")
    assert certificates.needs_renewal(leaf.cert, authority_pair.cert, "renamed")
    assert certificates.needs_renewal(leaf.cert, other.cert)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=certificates.LEAF_DAYS - 10)
    assert certificates.needs_renewal(leaf.cert, authority_pair.cert, now=later)
    assert certificates.needs_renewal(b"garbage", authority_pair.cert)


def test_a_new_ca_replaces_the_leaf_it_did_not_sign(tmp_path):
    files = authority.router_files("myapp", tmp_path)
    (authority.folder(tmp_path) / authority.CA_KEY).unlink()
    files.ca.unlink()
    renewed = authority.router_files("myapp", tmp_path)
    leaf = x509.load_pem_x509_certificate(renewed.cert.read_bytes())
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(renewed.ca.read_bytes()))
