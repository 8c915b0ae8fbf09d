"""ike.version_mismatch, ike.exchange_mode_mismatch, ike.encapsulation_mismatch and ike.lifetime_mismatch."""

from __future__ import annotations

import struct
from dataclasses import replace

from helpers import REPO, attr_tv, header, message, proposal, v1_transform, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.rules import SA_RULES, versions
from ikescope.model import Datagram, Severity
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

A, B = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8


def dg(raw: bytes, frame: int, ts: float, src: str = A) -> Datagram:
    dst = B if src == A else A
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=500, dport=500, transport="udp",
                    encap="plain", payload=raw)


def later(seq: list[Datagram], frames: int, seconds: float) -> list[Datagram]:
    return [replace(d, frames=(d.frame + frames,), ts=d.ts + seconds) for d in seq]


def v2_sa_init(ispi: bytes = SPI_I) -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, 19, last=True)])
    return message([(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 32), (40, b"\x02" * 32)],
                   ispi=ispi, exchange=34, flags=0x08)


def v2_notify(ntype: int) -> tuple[int, bytes]:
    return (41, struct.pack("!BBH", 0, 0, ntype))


def p1_sa(life: int = 28800) -> tuple[int, bytes]:
    attrs = attr_tv(1, 7) + attr_tv(14, 256) + attr_tv(2, 4) + attr_tv(4, 14) + attr_tv(3, 1) + \
        attr_tv(11, 1) + attr_tv(12, life)
    return (1, struct.pack("!II", 1, 1) + proposal(1, 1, [v1_transform(1, 1, attrs, last=True)]))


def p2_sa(mode: int = 1, life: int = 3600) -> tuple[int, bytes]:
    attrs = attr_tv(1, 1) + attr_tv(2, life) + attr_tv(4, mode) + attr_tv(5, 5) + attr_tv(6, 128)
    return (1, struct.pack("!II", 1, 1) + proposal(1, 3, [v1_transform(1, 12, attrs, last=True)], spi=b"\xab" * 4))


def v1_notify(ntype: int, proto: int = 1, spi: bytes = b"", data: bytes = b"") -> tuple[int, bytes]:
    return (11, struct.pack("!IBBH", 1, proto, len(spi), ntype) + spi + data)


def v1(items: list, frame: int, ts: float, src: str = A, exchange: int = 2, rspi: bytes = SPI_R, msgid: int = 0,
       ispi: bytes = SPI_I) -> Datagram:
    return dg(message(items, ispi=ispi, rspi=rspi, version=0x10, exchange=exchange, flags=0, msgid=msgid),
              frame, ts, src)


def findings(seq: list[Datagram], code: str) -> list:
    tr = Tracker()
    for d in seq:
        tr.feed(d, decode_message(d.payload))
    diag = Diagnoser(sa_rules=versions.SA_RULES)
    return [f for sa in tr.close_all() for f in diag.sa_closed(sa) if f.code == code]


def test_registered() -> None:
    assert set(versions.SA_RULES) <= set(SA_RULES)


def test_invalid_major_version_is_certain() -> None:
    resp = message([v2_notify(5)], ispi=SPI_I, exchange=34, flags=0x20)
    (f,) = findings([dg(v2_sa_init(), 1, 0.0), dg(resp, 2, 0.01, B)], "ike.version_mismatch")
    assert f.confidence.value == "certain" and f.frames == (1, 2) and "responder" in f.summary


def test_unknown_major_version_in_an_sa() -> None:
    """A tracker that keeps later major versions with IKEv2 hands them to the SA rules."""
    v3 = header(ispi=SPI_I, version=0x30, exchange=34, flags=0x08)
    tr = Tracker()
    tr.feed(dg(v3, 1, 0.0), decode_message(v3))
    (sa,) = tr.close_all()
    assert sa.version == 3
    (f,) = versions.version_mismatch(sa, Diagnoser().context)
    assert f.details == {"problem": "ike.unknown_version"} and f.evidence[0].offset == 17


def test_each_peer_starts_another_version() -> None:
    v1_from_b = [v1([p1_sa()], 1, 0.0, B, rspi=b"\0" * 8, ispi=b"\x44" * 8)]
    v1_from_b += later(v1_from_b, 1, 2.0) + later(v1_from_b, 2, 6.0)  # retransmitted, never answered
    req = v2_sa_init()
    v2_from_a = [dg(req, 10, 20.0), dg(req, 11, 21.0), dg(req, 12, 23.0)]
    (f,) = findings(v1_from_b + v2_from_a, "ike.version_mismatch")
    assert f.confidence.value == "likely" and f.details["versions"] == {B: 1, A: 2}
    assert "each peer is set to another IKE version" in f.summary and f.frames == (1, 10)


def test_fallback_that_worked_is_only_a_warning() -> None:
    req = v2_sa_init()
    v2_tries = [dg(req, 1, 0.0), dg(req, 2, 1.0), dg(req, 3, 3.0)]
    main = [v1([p1_sa()], 10, 10.0, rspi=b"\0" * 8), v1([p1_sa()], 11, 10.01, B),
            v1([(13, b"\x03" * 16)], 12, 10.02), v1([(13, b"\x04" * 16)], 13, 10.03, B),
            dg(header(ispi=SPI_I, rspi=SPI_R, np=5, version=0x10, exchange=2, flags=1, body=b"\x05" * 32), 14, 10.04),
            dg(header(ispi=SPI_I, rspi=SPI_R, np=5, version=0x10, exchange=2, flags=1, body=b"\x06" * 32), 15, 10.05,
               B)]
    (f,) = findings(v2_tries + main, "ike.version_mismatch")
    assert f.severity is Severity.WARNING and "tried IKEv2" in f.summary


def test_aggressive_mode_refused_at_once() -> None:
    am1 = v1([p1_sa(), (4, b"\x01" * 32), (10, b"\x02" * 16), (5, struct.pack("!BBH", 3, 0, 0) + b"a@example.org")],
             1, 0.0, exchange=4, rspi=b"\0" * 8)
    refusal = v1([v1_notify(24)], 2, 0.01, B, exchange=5, msgid=7)
    (f,) = findings([am1, refusal], "ike.exchange_mode_mismatch")
    assert f.confidence.value == "likely" and f.frames == (1, 2) and "main mode" in f.summary
    (f,) = findings([am1, v1([v1_notify(14)], 2, 0.01, B, exchange=5, msgid=7)], "ike.exchange_mode_mismatch")
    assert f.confidence.value == "possible"


def test_main_mode_works_where_aggressive_mode_gets_no_answer() -> None:
    main = [v1([p1_sa()], 1, 0.0, B, rspi=b"\0" * 8, ispi=b"\x44" * 8),
            v1([p1_sa()], 2, 0.01, A, ispi=b"\x44" * 8)]
    am1 = v1([p1_sa(), (4, b"\x01" * 32)], 5, 10.0, exchange=4, rspi=b"\0" * 8)
    seq = main + [am1] + later([am1], 1, 1.0) + later([am1], 2, 3.0)
    (f,) = findings(seq, "ike.exchange_mode_mismatch")
    assert f.details["other_sa"] == 1 and "different modes" in f.summary and f.frames == (1, 5)


def test_v2_transport_mode_asked_but_not_granted() -> None:
    child = proposal(1, 3, [v2_transform(1, 12, attr_tv(14, 128)), v2_transform(5, 0, last=True)], spi=b"\x01" * 4)
    req = message([(35, struct.pack("!B3x", 1) + bytes(4)), v2_notify(16391), (33, child)],
                  ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x08, msgid=1)
    resp = message([(36, struct.pack("!B3x", 1) + bytes(4)), (33, child)],
                   ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x20, msgid=1)
    (f,) = findings([dg(req, 3, 0.02), dg(resp, 4, 0.03, B)], "ike.encapsulation_mismatch")
    assert f.confidence.value == "certain" and f.severity is Severity.WARNING and f.details["requested_transport"]
    granted = message([(36, struct.pack("!B3x", 1) + bytes(4)), v2_notify(16391), (33, child)],
                      ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x20, msgid=1)
    assert findings([dg(req, 3, 0.02), dg(granted, 4, 0.03, B)], "ike.encapsulation_mismatch") == []


def test_v1_quick_mode_encapsulation_modes() -> None:
    qm1 = v1([(8, b"\x00" * 20), p2_sa(mode=2)], 7, 0.1, exchange=32, msgid=9)
    qm2 = v1([(8, b"\x00" * 20), p2_sa(mode=1)], 8, 0.11, B, exchange=32, msgid=9)
    (f,) = findings([qm1, qm2], "ike.encapsulation_mismatch")
    assert f.details == {"offered": ["transport"], "chosen": ["tunnel"]} and f.confidence.value == "certain"
    # Each peer's own offer, in two SAs, with no mode in common.
    from_b = v1([(8, b"\x00" * 20), p2_sa(mode=1)], 1, 0.0, B, exchange=32, msgid=3, ispi=b"\x44" * 8)
    (f,) = findings([from_b, qm1], "ike.encapsulation_mismatch")
    assert f.confidence.value == "likely" and f.details["theirs"] == ["tunnel"] and f.details["mine"] == ["transport"]


def test_responder_lifetime_notify() -> None:
    qm1 = v1([(8, b"\x00" * 20), p2_sa(life=28800)], 7, 0.1, exchange=32, msgid=9)
    note = v1([v1_notify(24576, proto=3, spi=b"\xab" * 4, data=attr_tv(1, 1) + attr_tv(2, 3600))], 8, 0.11, B,
              exchange=5, msgid=10)
    (f,) = findings([qm1, note], "ike.lifetime_mismatch")
    assert f.details == {"responder_lifetime": "3600s", "proposed": ["28800s"]} and f.frames == (7, 8)
    assert f.severity is Severity.WARNING


def test_responder_answers_with_another_phase_1_lifetime() -> None:
    seq = [v1([p1_sa(28800)], 1, 0.0, rspi=b"\0" * 8), v1([p1_sa(3600)], 2, 0.01, B)]
    (f,) = findings(seq, "ike.lifetime_mismatch")
    assert f.details["offered"] == ["28800s"] and f.details["chosen"] == ["3600s"]
    assert findings([seq[0], v1([p1_sa(28800)], 2, 0.01, B)], "ike.lifetime_mismatch") == []


def test_peers_proposals_differ_only_in_lifetime() -> None:
    from_b = [v1([p1_sa(3600)], 1, 0.0, B, rspi=b"\0" * 8, ispi=b"\x44" * 8),
              v1([p1_sa(3600)], 2, 0.01, A, ispi=b"\x44" * 8)]
    from_a = [v1([p1_sa(28800)], 5, 10.0, rspi=b"\0" * 8), v1([v1_notify(14)], 6, 10.01, B, exchange=5, msgid=4)]
    (f,) = findings(from_b + from_a, "ike.lifetime_mismatch")
    assert f.confidence.value == "likely" and f.severity is Severity.ERROR and f.frames == (1, 5)


def test_lab_mode_mismatch() -> None:
    report = api.analyze([REPO / "pcaps" / "ikev1-mode-mismatch.pcap"])
    (f,) = [f for r in report.results for f in r.findings if f.code == "ike.exchange_mode_mismatch"]
    assert f.root_cause and f.confidence.value == "likely"


def test_lab_bad_major_version() -> None:
    report = api.analyze([REPO / "pcaps" / "ikev2-bad-major-version.pcap"])
    (f,) = [f for r in report.results for f in r.findings if f.code == "ike.version_mismatch"]
    assert f.root_cause and f.confidence.value == "certain" and "major version 3.0" in f.summary
    # The major-3 requests and the IKEv2 refusal form one IKE SA of version 3.
    (res,) = report.results
    assert res.sa.version == 3 and not report.capture_findings


def test_lab_keys_show_transport_mode_not_granted() -> None:
    tables = sorted((REPO / "pcaps").glob("ikev2-transport-vs-tunnel.ikev2_decryption_table"))
    report = api.analyze([REPO / "pcaps" / "ikev2-transport-vs-tunnel.pcap"], api.Settings(keys=load_key_files(tables)))
    (f,) = [f for r in report.results for f in r.findings if f.code == "ike.encapsulation_mismatch"]
    assert f.root_cause and f.details == {"requested_transport": True, "granted_transport": False}
    plain = api.analyze([REPO / "pcaps" / "ikev2-transport-vs-tunnel.pcap"])
    assert not [f for r in plain.results for f in r.findings if f.code == "ike.encapsulation_mismatch"]
