"""Certificates requested and not sent; certificates outside their validity."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from helpers import REPO, datagram, message, need_corpus, proposal, run_rules, v1_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.rules import certs
from ikescope.model import Datagram

A, B = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def dg(raw: bytes, frame: int, from_a: bool = True, ts: float = NOW.timestamp()) -> Datagram:
    return datagram(raw, frame, ts, from_a, a=A, b=B)


def run(seq: list[Datagram]) -> list:
    return run_rules(seq, certs.SA_RULES)


def cert_der(start: datetime, end: datetime, cn: str = "gw.example.org") -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(end).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def sa_payload() -> tuple[int, bytes]:
    t = v1_transform(1, 1, b"".join(struct.pack("!HH", 0x8000 | a, v) for a, v in ((1, 7), (2, 4), (3, 3), (4, 14))),
                     last=True)
    return (1, struct.pack("!II", 1, 1) + proposal(1, 1, [t]))


def ident(text: bytes) -> tuple[int, bytes]:
    return (5, struct.pack("!BBH", 2, 17, 500) + text)  # ID_FQDN


def aggressive(responder_items: list[tuple[int, bytes]]) -> list[Datagram]:
    """Aggressive mode with RSA signatures; the initiator asks for a certificate (CERTREQ, X.509)."""
    am1 = message([sa_payload(), (4, b"\x01" * 64), (10, b"\x02" * 16), ident(b"alice.example.org"),
                   (7, b"\x04" + b"\x30" * 20)], ispi=SPI_I, version=0x10, exchange=4, flags=0)
    am2 = message([sa_payload(), (4, b"\x03" * 64), (10, b"\x04" * 16), ident(b"gw.example.org"),
                   *responder_items, (9, b"\x05" * 64)], ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=4, flags=0)
    return [dg(am1, 1), dg(am2, 2, False, NOW.timestamp() + 0.01)]


def test_signature_without_the_requested_certificate() -> None:
    (f,) = run(aggressive([]))
    assert f.code == "ike.certreq_without_cert" and f.confidence.value == "likely" and f.frames == (1, 2)
    assert "the initiator asked for a certificate" in f.summary
    assert certs.CERTREQ_WITHOUT_CERT.vendor_refs[0].text == "No public key found"


def test_certificate_sent_and_valid() -> None:
    good = cert_der(NOW - timedelta(days=30), NOW + timedelta(days=300))
    assert run(aggressive([(6, b"\x04" + good)])) == []


def test_expired_certificate() -> None:
    old = cert_der(NOW - timedelta(days=400), NOW - timedelta(days=35))
    (f,) = run(aggressive([(6, b"\x04" + old)]))
    assert f.code == "ike.cert_expired" and f.confidence.value == "certain" and f.frames == (2,)
    assert "CN=gw.example.org" in f.summary and "expired on" in f.summary and not f.details["not_yet_valid"]


def test_certificate_just_past_its_end_may_be_clock_skew() -> None:
    almost = cert_der(NOW - timedelta(days=400), NOW - timedelta(hours=2))
    (f,) = run(aggressive([(6, b"\x04" + almost)]))
    assert f.code == "ike.cert_expired" and f.confidence.value == "likely"


def test_garbage_in_a_cert_payload_is_ignored() -> None:
    assert [f.code for f in run(aggressive([(6, b"\x04" + b"\x30\x03abc")]))] == []


def test_ikev2_readable_auth_without_cert_is_only_possible() -> None:
    init = message([(38, b"\x04" + b"\x30" * 20), (35, struct.pack("!BBH", 2, 0, 0) + b"alice")],
                   ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x08, msgid=1)
    resp = message([(36, struct.pack("!BBH", 2, 0, 0) + b"gw"), (39, struct.pack("!BBH", 1, 0, 0) + b"\x00" * 32)],
                   ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x20, msgid=1)
    (f,) = run([dg(init, 1), dg(resp, 2, False)])
    assert f.code == "ike.certreq_without_cert" and f.confidence.value == "possible"


def test_ikev2_peer_without_cert_while_the_asker_sends_its_own() -> None:
    init = message([(37, b"\x04" + cert_der(NOW - timedelta(days=1), NOW + timedelta(days=1))),
                    (38, b"\x04" + b"\x30" * 20), (35, struct.pack("!BBH", 2, 0, 0) + b"alice"),
                    (39, struct.pack("!BBH", 1, 0, 0) + b"\x00" * 32)],
                   ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x08, msgid=1)
    resp = message([(36, struct.pack("!BBH", 2, 0, 0) + b"gw"), (39, struct.pack("!BBH", 1, 0, 0) + b"\x00" * 32)],
                   ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x20, msgid=1)
    (f,) = run([dg(init, 1), dg(resp, 2, False)])
    assert f.code == "ike.certreq_without_cert" and f.confidence.value == "likely"


def test_lab_certificates_read_from_decrypted_ike_auth() -> None:
    pcap = REPO / "pcaps" / "ikev2-cert-ipfrag-success.pcap"
    keys = load_key_files([pcap.with_suffix(".ikev2_decryption_table")])
    (sa,) = api.track(api.decode_file(pcap, keys))
    assert [(m.frame, len(m.certs)) for m in sa.messages if m.certs] == [(6, 1), (8, 1)]
    report = api.analyze([pcap], api.Settings(keys=keys))
    assert not [f for r in report.results for f in r.findings if f.code in ("ike.cert_expired",
                                                                            "ike.certreq_without_cert")]


def test_arkime_certificates_not_yet_valid_at_capture_time() -> None:
    report = api.analyze([need_corpus() / "arkime" / "ike-cert_synthetic.pcap"])
    fs = [f for r in report.results for f in r.findings if f.code == "ike.cert_expired"]
    assert [f.frames for f in fs] == [(1,), (2,), (3,), (4,)]
    assert all(f.details["not_yet_valid"] and f.confidence.value == "certain" for f in fs)
    assert "CN=ikev1.example.com" in fs[0].summary
