"""NAT found by NAT-D hashes, peers that stay on port 500, peers without NAT traversal."""

from __future__ import annotations

import hashlib
import ipaddress
import struct

from helpers import REPO, datagram, header, message, need_corpus, payload, proposal, run_rules, v1_transform, v2_transform
from ikescope import api
from ikescope.diagnose.rules import nat
from ikescope.model import Datagram

A, B, PRIVATE = "203.0.113.254", "198.51.100.2", "10.0.0.1"
SPI_I, SPI_R, ZERO = b"\x11" * 8, b"\x22" * 8, b"\0" * 8
RFC3947_VID = bytes.fromhex("4a131c81070358455c5728f20e95452f")


def dg(raw: bytes, frame: int, ts: float, from_a: bool = True, port: int = 500) -> Datagram:
    return datagram(raw, frame, ts, from_a, a=A, b=B, port=port)


def run(seq: list[Datagram]) -> list:
    return run_rules(seq, nat.SA_RULES)


def nat_d(rspi: bytes, addr: str, port: int = 500) -> bytes:
    return hashlib.sha1(SPI_I + rspi + ipaddress.ip_address(addr).packed + port.to_bytes(2, "big")).digest()


def notify(ntype: int, data: bytes) -> tuple[int, bytes]:
    return (41, struct.pack("!BBH", 0, 0, ntype) + data)


def sa_init(resp: bool = False, with_nat_d: bool = True) -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 64), (40, b"\x02" * 32)]
    rspi = SPI_R if resp else ZERO
    if with_nat_d:
        # The initiator hashes its private address: the NAT rewrote it to A on the way.
        src, dst = (B, A) if resp else (PRIVATE, B)
        items += [notify(16388, nat_d(rspi, src)), notify(16389, nat_d(rspi, dst))]
    return message(items, ispi=SPI_I, rspi=rspi, exchange=34, flags=0x20 if resp else 0x08)


def auth(resp: bool = False) -> bytes:
    return header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=35, flags=0x20 if resp else 0x08, msgid=1,
                  body=payload(36 if resp else 35, b"\0" * 48))


def codes(fs: list) -> list[str]:
    return sorted(f.code for f in fs)


def test_nat_found_and_the_peers_float() -> None:
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False),
              dg(auth(), 3, 0.02, port=4500), dg(auth(resp=True), 4, 0.03, False, port=4500)])
    (f,) = fs
    assert f.code == "ike.nat_detected" and f.severity.value == "info" and f.confidence.value == "certain"
    assert f.details == {"behind": ["initiator"], "floated": True}
    assert f"seen as {A}:500" in f.summary and f.frames == (1, 3)


def test_nat_found_but_the_peers_stay_on_500() -> None:
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False),
              dg(auth(), 3, 0.02), dg(auth(resp=True), 4, 0.03, False)])
    assert codes(fs) == ["ike.nat_detected", "ike.nat_no_float"]
    (f,) = [f for f in fs if f.code == "ike.nat_no_float"]
    assert f.severity.value == "error" and f.frames == (1, 3) and "stayed on UDP 500" in f.summary


def test_no_verdict_on_floating_before_the_peers_had_to() -> None:
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False)])
    assert codes(fs) == ["ike.nat_detected"]


def test_no_hash_matching_at_all_suggests_rewritten_addresses() -> None:
    def odd(resp: bool) -> bytes:
        rspi = SPI_R if resp else ZERO
        sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                             v2_transform(4, 19, last=True)])
        return message([(33, sa), notify(16388, nat_d(rspi, "10.9.9.9")), notify(16389, nat_d(rspi, "10.8.8.8"))],
                       ispi=SPI_I, rspi=rspi, exchange=34, flags=0x20 if resp else 0x08)
    fs = run([dg(odd(False), 1, 0.0), dg(odd(True), 2, 0.01, False), dg(auth(), 3, 0.02),
              dg(auth(resp=True), 4, 0.03, False)])
    (f,) = fs
    assert f.code == "ike.nat_detected" and f.confidence.value == "possible" and "rewritten" in f.summary


def test_a_second_ike_sa_init_is_not_staying_on_500() -> None:
    retry = sa_init()
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False), dg(retry, 3, 0.02),
              dg(message([notify(14, b"")], ispi=SPI_I, exchange=34, flags=0x20), 4, 0.03, False)])
    assert codes(fs) == ["ike.nat_detected"]


def test_responder_without_nat_detection() -> None:
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init(resp=True, with_nat_d=False), 2, 0.01, False),
              dg(auth(), 3, 0.02), dg(auth(resp=True), 4, 0.03, False)])
    (f,) = [f for f in fs if f.code == "ike.nat_t_unsupported"]
    assert f.details["lacking"] == ["responder"] and f.frames == (1, 2) and f.confidence.value == "likely"
    assert "ike.nat_no_float" not in codes(fs)


def test_no_nat_no_finding() -> None:
    def plain(resp: bool) -> bytes:
        rspi = SPI_R if resp else ZERO
        src, dst = (B, A) if resp else (A, B)
        sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                             v2_transform(4, 19, last=True)])
        return message([(33, sa), notify(16388, nat_d(rspi, src)), notify(16389, nat_d(rspi, dst))],
                       ispi=SPI_I, rspi=rspi, exchange=34, flags=0x20 if resp else 0x08)
    assert run([dg(plain(False), 1, 0.0), dg(plain(True), 2, 0.01, False)]) == []


def test_ikev1_aggressive_identity_behind_nat_without_nat_t() -> None:
    t = v1_transform(1, 1, b"".join(struct.pack("!HH", 0x8000 | a, v) for a, v in ((1, 7), (2, 2), (3, 1), (4, 14))),
                     last=True)
    sa = (1, struct.pack("!II", 1, 1) + proposal(1, 1, [t]))
    ident = (5, struct.pack("!BBH", 1, 17, 500) + ipaddress.ip_address(PRIVATE).packed)
    am1 = message([sa, (4, b"\x01" * 64), (10, b"\x02" * 16), ident, (13, RFC3947_VID)], ispi=SPI_I,
                  version=0x10, exchange=4, flags=0)
    am2 = message([sa, (4, b"\x03" * 64), (10, b"\x04" * 16), (5, struct.pack("!BBH", 1, 17, 500) +
                                                                  ipaddress.ip_address(B).packed)],
                  ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=4, flags=0)
    (f,) = run([dg(am1, 1, 0.0), dg(am2, 2, 0.01, False)])
    assert f.code == "ike.nat_t_unsupported" and f.confidence.value == "possible"
    assert f.details["lacking"] == ["responder"] and f.frames == (1, 2)


def analyze(path: str) -> list:
    return [f for r in api.analyze([path]).results for f in r.findings]


def test_lab_nat_is_found_and_handled() -> None:
    fs = [f for f in analyze(str(REPO / "pcaps" / "ikev2-nat-success.pcap")) if f.code.startswith("ike.nat")]
    assert [f.code for f in fs] == ["ike.nat_detected"]
    assert fs[0].details["behind"] == ["initiator"] and fs[0].frames == (3, 5)


def test_tcpdump_ikev1_nat_traversal() -> None:
    fs = [f for f in analyze(str(need_corpus() / "tcpdump" / "isakmp4500.pcap")) if f.code.startswith("ike.nat")]
    assert [f.code for f in fs] == ["ike.nat_detected"] and fs[0].details["floated"]
