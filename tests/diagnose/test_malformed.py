"""ike.malformed, ike.malformed_reported and ike.undecodable on hand-built messages."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import REPO, header, message, payload, proposal, v2_transform
from ikescope import api
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.rules import MESSAGE_RULES, SA_RULES, malformed
from ikescope.model import Datagram, Severity
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

I_ADDR, R_ADDR = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8


def dg(raw: bytes, frame: int, ts: float, from_i: bool = True, truncated: bool = False) -> Datagram:
    src, dst = (I_ADDR, R_ADDR) if from_i else (R_ADDR, I_ADDR)
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=500, dport=500, transport="udp",
                    encap="plain", payload=raw, truncated=truncated)


def sa_init_req(flags: int = 0x08) -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    return message([(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 32), (40, b"\x02" * 32)],
                   ispi=SPI_I, exchange=34, flags=flags)


def v2_notify(ntype: int) -> tuple[int, bytes]:
    return (41, struct.pack("!BBH", 0, 0, ntype))


def findings(seq: list[Datagram]) -> list:
    tr = Tracker()
    for d in seq:
        tr.feed(d, decode_message(d.payload))
    diag = Diagnoser(sa_rules=malformed.SA_RULES)
    return [f for sa in tr.close_all() for f in diag.sa_closed(sa)]


def test_rules_are_registered() -> None:
    assert set(malformed.SA_RULES) <= set(SA_RULES) and malformed.undecodable in MESSAGE_RULES


def test_decoder_problem_becomes_one_finding_per_code_with_offset() -> None:
    bad = sa_init_req(flags=0x09)  # bit 0 of the IKEv2 flags is reserved
    seq = [dg(bad, 1, 0.0), dg(bad[:-1] + b"\x03", 2, 1.0)]  # a second, distinct message with the same fault
    (f,) = [f for f in findings(seq) if f.code == "ike.malformed"]
    assert f.details["problem"] == "ike.reserved_nonzero" and f.details["count"] == 2
    assert f.severity is Severity.WARNING and f.frames == (1, 2)
    assert f.evidence[0].offset == 19 and "offset 19" in f.summary


def test_payload_overrun_is_an_error() -> None:
    raw = header(ispi=SPI_I, np=40, body=payload(0, b"\x02" * 16, length=200))
    (f,) = [f for f in findings([dg(raw, 1, 0.0)]) if f.code == "ike.malformed"]
    assert f.severity is Severity.ERROR and f.details["problem"] == "ike.payload_overrun"
    assert f.evidence[0].offset == 28


def test_message_cut_by_the_snap_length_is_not_blamed_on_the_peer() -> None:
    whole = sa_init_req()
    cut = whole[:100]  # the header still announces the full length
    assert [f for f in findings([dg(cut, 1, 0.0, truncated=True)]) if f.code == "ike.malformed"] == []
    assert {f.details["problem"] for f in findings([dg(cut, 1, 0.0)])} == {"ike.truncated", "ike.payload_overrun"}


def test_v2_invalid_syntax_is_reported_malformed() -> None:
    resp = message([v2_notify(7)], ispi=SPI_I, exchange=34, flags=0x20)
    fs = findings([dg(sa_init_req(), 1, 0.0), dg(resp, 2, 0.01, False)])
    (f,) = [f for f in fs if f.code == "ike.malformed_reported"]
    assert f.confidence.value == "certain" and f.severity is Severity.ERROR
    assert "INVALID_SYNTAX" in f.summary and "responder" in f.summary and f.frames == (1, 2)


def test_v1_payload_malformed_after_encrypted_message_5_points_at_the_keys() -> None:
    def v1(frame: int, from_i: bool, enc: bool, body: bytes, exchange: int = 2, np: int = 13) -> Datagram:
        raw = header(ispi=SPI_I, rspi=b"\0" * 8 if frame == 1 else SPI_R, np=0 if enc else np, version=0x10,
                     exchange=exchange, flags=1 if enc else 0, msgid=0 if exchange == 2 else 7, body=body)
        return dg(raw, frame, frame * 0.01, from_i)
    v1_notify = (11, struct.pack("!IBBH", 1, 1, 0, 16))  # DOI, protocol ISAKMP, SPI size 0, PAYLOAD-MALFORMED
    seq = [v1(1, True, False, payload(0, b"\x01" * 8)), v1(2, False, False, payload(0, b"\x02" * 8)),
           v1(3, True, False, payload(0, b"\x03" * 8)), v1(4, False, False, payload(0, b"\x04" * 8)),
           v1(5, True, True, b"\x05" * 32),
           dg(message([v1_notify], ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=5, flags=0, msgid=9), 6, 0.06,
              False)]
    (f,) = [f for f in findings(seq) if f.code == "ike.malformed_reported"]
    assert f.severity is Severity.WARNING and "pre-shared keys" in f.summary
    assert f.frames == (5, 6)


def test_undecodable_messages() -> None:
    short = dg(b"\x00" * 10, 1, 0.0)
    (f,) = malformed.undecodable(short, decode_message(short.payload))
    assert f.code == "ike.undecodable" and f.details["problem"] == "ike.too_short" and f.frames == (1,)
    v3 = dg(header(ispi=SPI_I, version=0x30), 2, 0.0)
    (f,) = Diagnoser().orphan_message(v3, decode_message(v3.payload))
    assert f.details["problem"] == "ike.unknown_version" and f.evidence[0].offset == 17
    ok = dg(sa_init_req(), 3, 0.0)
    assert list(malformed.undecodable(ok, decode_message(ok.payload))) == []


def test_lab_unknown_critical_payload() -> None:
    """libreswan sends a critical payload of type 255; strongSwan refuses it each time it comes."""
    report = api.analyze([REPO / "pcaps" / "ikev2-unknown-critical-payload.pcap"])
    (res,) = report.results
    codes = {f.code: f for f in res.findings}
    assert codes["ike.malformed"].details["problem"] == "ike.unknown_critical_payload"
    reported = codes["ike.malformed_reported"]
    assert reported.details["name"] == "UNSUPPORTED_CRITICAL_PAYLOAD" and reported.root_cause


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["v2_init", "v2_resp", "v2_sk", "v2_note", "v1_mm", "v1_enc", "v1_note",
                                           "v3", "junk"]),
                          st.booleans(), st.integers(0, 60), st.sampled_from([0, 1, 4, 5, 7, 11, 14, 16, 18, 23,
                                                                              24, 38, 41, 42, 16391, 24576]),
                          st.floats(0, 100)), max_size=20))
def test_rules_of_this_issue_never_fail_on_odd_sequences(steps: list) -> None:
    from ikescope.diagnose.rules import auth, cookies, selectors, versions
    rules = [r for m in (auth, cookies, malformed, selectors, versions) for r in m.SA_RULES]

    def build(kind: str, from_i: bool, n: int, ntype: int) -> bytes:
        rspi = SPI_R if n % 3 else b"\0" * 8
        if kind == "v2_init":
            return sa_init_req()
        if kind == "v2_resp":
            return message([v2_notify(ntype)], ispi=SPI_I, rspi=rspi, exchange=34, flags=0x20)
        if kind == "v2_sk":
            return header(ispi=SPI_I, rspi=rspi, np=46, exchange=34 + n % 4, flags=0x08 if from_i else 0x20,
                          msgid=n % 5, body=payload(ntype % 256, bytes([n]) * (n % 50)))
        if kind == "v2_note":
            return message([v2_notify(ntype)], ispi=SPI_I, rspi=rspi, exchange=35 + n % 3, flags=0x20, msgid=n % 4)
        if kind == "v1_mm":
            return header(ispi=SPI_I, rspi=rspi, np=13, version=0x10, exchange=(2, 4, 32, 5)[n % 4],
                          msgid=0 if n % 4 < 2 else n, body=payload(0, bytes([n]) * 8))
        if kind == "v1_enc":
            return header(ispi=SPI_I, rspi=rspi, np=8, version=0x10, exchange=(2, 4, 32, 5)[n % 4], flags=1,
                          msgid=n % 7, body=bytes([n]) * 32)
        if kind == "v1_note":
            return message([(11, struct.pack("!IBBH", 1, 1 + n % 3, 0, ntype))], ispi=SPI_I, rspi=rspi,
                           version=0x10, exchange=5, flags=0, msgid=n)
        if kind == "v3":
            return header(ispi=SPI_I, version=0x30, exchange=34)
        return bytes([n]) * (n % 40)

    tr = Tracker()
    for i, (kind, from_i, n, ntype, ts) in enumerate(steps):
        d = dg(build(kind, from_i, n, ntype), i + 1, ts, from_i)
        tr.feed(d, decode_message(d.payload))
    diag = Diagnoser(sa_rules=rules)
    for sa in tr.close_all():
        assert not [f for f in diag.sa_closed(sa) if f.code == "ikescope.rule_error"]
