"""Certificates that decryption makes readable: subject, issuer and validity, in decode output too."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from helpers import REPO
from ikescope import api
from ikescope.cli import cli
from ikescope.crypto.certs import cert_info
from ikescope.crypto.keys import load_key_files
from ikescope.wire.numbers import CERT_X509_SIGNATURE

CAP = REPO / "pcaps" / "ikev2-cert-ikefrag-success.pcap"
KEYS = REPO / "pcaps" / "ikev2-cert-ikefrag-success.ikev2_decryption_table"


def self_signed(cn: str, start: datetime, days: int) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(start).not_valid_after(start + timedelta(days=days))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def test_names_and_validity_dates() -> None:
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    info = cert_info(CERT_X509_SIGNATURE, self_signed("gw.test", start, 30))
    assert info is not None
    assert info.subject == info.issuer == "CN=gw.test"
    assert (info.not_before, info.not_after) == (start.timestamp(), (start + timedelta(days=30)).timestamp())


def test_what_is_not_a_der_certificate_is_unreadable() -> None:
    der = self_signed("gw.test", datetime(2020, 1, 1, tzinfo=timezone.utc), 1)
    assert cert_info(CERT_X509_SIGNATURE, der[:-10]) is None
    assert cert_info(CERT_X509_SIGNATURE, b"\x30\x03\x02\x01\x01") is None
    assert cert_info(12, der) is None  # a hash and URL, not a certificate


def test_decrypted_certificates_in_decode_output_and_redacted() -> None:
    r = CliRunner().invoke(cli, ["decode", "--format", "json", "--keys", str(KEYS), str(CAP)])
    certs = [p["certificate"] for m in json.loads(r.output)["files"][0]["messages"]
             for sk in m["payloads"] for p in sk.get("inner", ()) if "certificate" in p]
    assert {c["subject"].split(",")[0] for c in certs} == {"CN=alice.example.org", "CN=bob.example.org"}
    assert all(c["not_before"] < c["not_after"] for c in certs)
    r = CliRunner().invoke(cli, ["decode", "--redact", "--keys", str(KEYS), str(CAP)])
    assert "example.org" not in r.output and "ikescope lab CA" not in r.output


def test_decrypted_certificates_reach_the_sa_records() -> None:
    refs = [m for sa in api.track(api.decode_file(CAP, load_key_files([KEYS]))) for m in sa.messages if m.certs]
    assert refs and all(m.decrypted for m in refs)
    subjects = {cert_info(CERT_X509_SIGNATURE, der).subject.split(",")[0] for m in refs for der in m.certs}
    assert subjects == {"CN=alice.example.org", "CN=bob.example.org"}
