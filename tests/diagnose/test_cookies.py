"""ike.peer_lost_state and ike.unknown_sa on hand-built sequences."""

from __future__ import annotations

import struct

from helpers import header, message, payload, proposal, v2_transform
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.rules import SA_RULES, cookies
from ikescope.model import Datagram, Severity
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

I_ADDR, R_ADDR = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8


def dg(raw: bytes, frame: int, ts: float, from_i: bool = True) -> Datagram:
    src, dst = (I_ADDR, R_ADDR) if from_i else (R_ADDR, I_ADDR)
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=4500, dport=4500, transport="udp",
                    encap="non-esp", payload=raw)


def v2_up() -> list[Datagram]:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 32), (40, b"\x02" * 32)]
    return [dg(message(items, ispi=SPI_I, exchange=34, flags=0x08), 1, 0.0),
            dg(message(items, ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20), 2, 0.01, False),
            sk(35, 1, 0x08, 35, 3, 0.02, True), sk(35, 1, 0x20, 36, 4, 0.03, False)]


def sk(exchange: int, msgid: int, flags: int, inner: int, frame: int, ts: float, from_i: bool,
       fill: int = 0) -> Datagram:
    raw = header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=exchange, flags=flags, msgid=msgid,
                 body=payload(inner, bytes([fill]) * 48))
    return dg(raw, frame, ts, from_i)


def clear_notify(ntype: int, frame: int, ts: float, from_i: bool, flags: int, msgid: int,
                 data: bytes = b"") -> Datagram:
    n = (41, struct.pack("!BBH", 0, 0, ntype) + data)
    return dg(message([n], ispi=SPI_I, rspi=SPI_R, exchange=37, flags=flags, msgid=msgid), frame, ts, from_i)


def findings(seq: list[Datagram], code: str) -> list:
    tr = Tracker()
    for d in seq:
        tr.feed(d, decode_message(d.payload))
    diag = Diagnoser(sa_rules=cookies.SA_RULES)
    return [f for sa in tr.close_all() for f in diag.sa_closed(sa) if f.code == code]


def test_registered() -> None:
    assert set(cookies.SA_RULES) <= set(SA_RULES)


def test_invalid_ike_spi_for_an_sa_from_before_the_capture() -> None:
    seq = [sk(37, 5, 0x08, 0, 1, 0.0, True), clear_notify(4, 2, 0.01, False, 0x20, 5)]
    (f,) = findings(seq, "ike.peer_lost_state")
    assert f.confidence.value == "certain" and f.severity is Severity.ERROR and f.frames == (1, 2)
    assert "INVALID_IKE_SPI" in f.summary and "responder" in f.summary
    (u,) = findings(seq, "ike.unknown_sa")
    assert u.confidence.value == "possible" and u.details["errors"] == 1


def test_invalid_spi_on_a_working_sa_is_a_warning() -> None:
    seq = v2_up() + [clear_notify(11, 5, 1.0, False, 0x00, 0, data=b"\xca\xfe\xba\xbe"),
                     sk(37, 2, 0x08, 0, 6, 2.0, True), sk(37, 2, 0x20, 0, 7, 2.01, False)]
    (f,) = findings(seq, "ike.peer_lost_state")
    assert f.severity is Severity.WARNING and f.details["spi"] == "cafebabe" and "cafebabe" in f.summary


def test_v1_invalid_cookie() -> None:
    qm = dg(header(ispi=SPI_I, rspi=SPI_R, np=8, version=0x10, exchange=32, flags=1, msgid=9, body=b"\x07" * 32),
            1, 0.0)
    note = (11, struct.pack("!IBBH", 1, 1, 0, 4))
    refusal = dg(message([note], ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=5, flags=0, msgid=3), 2, 0.01, False)
    (f,) = findings([qm, refusal], "ike.peer_lost_state")
    assert f.details["name"] == "INVALID-COOKIE" and f.frames == (1, 2)


def test_requests_after_the_ike_sa_was_deleted() -> None:
    delete = [sk(37, 2, 0x08, 42, 5, 1.0, True), sk(37, 2, 0x20, 0, 6, 1.01, False)]
    stale = [sk(37, 0, 0x00, 0, 7, 5.0, False), sk(37, 0, 0x00, 0, 8, 7.0, False)]  # the responder's check, twice
    (f,) = findings(v2_up() + delete + stale, "ike.peer_lost_state")
    assert f.confidence.value == "likely" and f.details == {"deleted_frame": 5, "requests_after": 1}
    assert f.frames == (5, 6, 7)
    answered = [sk(37, 0, 0x00, 0, 7, 5.0, False), sk(37, 0, 0x28, 0, 8, 5.01, True)]
    assert findings(v2_up() + delete + answered, "ike.peer_lost_state") == []


def test_unanswered_requests_on_an_sa_from_before_the_capture() -> None:
    dpd = [sk(37, 7, 0x08, 0, 1, 0.0, True), sk(37, 7, 0x08, 0, 2, 2.0, True), sk(37, 7, 0x08, 0, 3, 6.0, True)]
    (f,) = findings(dpd, "ike.unknown_sa")
    assert f.details["retransmissions"] == 2 and f.details["ispi"] == SPI_I.hex() and f.frames == (1,)
    assert "responder may have lost the SA" in f.summary
    # One request at the end of the capture proves nothing; an answer shows the SA alive.
    assert findings(dpd[:1], "ike.unknown_sa") == []
    assert findings(dpd[:1] + [sk(37, 7, 0x20, 0, 2, 0.01, False)], "ike.unknown_sa") == []
    # An SA that started in the capture is judged by other rules.
    assert findings(v2_up() + [sk(37, 2, 0x08, 0, 5, 9.0, True, 1), sk(37, 2, 0x08, 0, 6, 11.0, True, 1)],
                    "ike.unknown_sa") == []


def test_v1_informationals_nobody_answers() -> None:
    seq = [dg(header(ispi=SPI_I, rspi=SPI_R, np=8, version=0x10, exchange=5, flags=1, msgid=i, body=bytes([i]) * 32),
              i, float(i)) for i in (1, 2, 3)]
    (f,) = findings(seq, "ike.unknown_sa")
    assert f.details["unanswered"] == 3 and f.frames == (1, 2, 3)
    answer = dg(header(ispi=SPI_I, rspi=SPI_R, np=8, version=0x10, exchange=5, flags=1, msgid=9, body=b"\x09" * 32),
                4, 3.1, False)
    assert findings(seq + [answer], "ike.unknown_sa") == []


def fresh_init(spi: bytes, frame: int, ts: float, from_i: bool = True, answered: bool = True) -> list[Datagram]:
    """A new IKE_SA_INIT between the same addresses, and its answer."""
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x05" * 32), (40, b"\x06" * 32)]
    out = [dg(message(items, ispi=spi, exchange=34, flags=0x08), frame, ts, from_i)]
    if answered:
        out.append(dg(message(items, ispi=spi, rspi=b"\x44" * 8, exchange=34, flags=0x20), frame + 1, ts + 0.01,
                      not from_i))
    return out


def all_findings(seq: list[Datagram]) -> list:
    tr = Tracker()
    for d in seq:
        tr.feed(d, decode_message(d.payload))
    diag = Diagnoser()
    return [f for sa in tr.close_all() for f in diag.sa_closed(sa)]


CHECKS = [sk(37, 2, 0x08, 0, 5, 10.0, True), sk(37, 2, 0x08, 0, 6, 11.0, True), sk(37, 2, 0x08, 0, 7, 12.4, True)]


def test_checks_ignored_while_the_peer_answers_a_fresh_negotiation() -> None:
    seq = v2_up() + CHECKS + fresh_init(b"\x33" * 8, 8, 15.0)
    got = all_findings(seq)
    (f,) = [f for f in got if f.code == "ike.peer_lost_state"]
    assert f.sa == 1 and f.severity is Severity.WARNING and f.confidence.value == "likely"
    assert f.frames == (5, 6, 7, 9) and f.details["replaced_by"] == 8 and f.details["silent"] == "responder"
    assert not [g for g in got if g.code == "ike.dpd_unanswered"], "the peer is alive: not a dead peer"
    assert not [g for g in got if g.severity is Severity.ERROR]


def test_checks_ignored_and_nobody_answers_the_new_attempt_is_a_dead_peer() -> None:
    got = all_findings(v2_up() + CHECKS + fresh_init(b"\x33" * 8, 8, 15.0, answered=False))
    assert "ike.dpd_unanswered" in {f.code for f in got}
    assert "ike.peer_lost_state" not in {f.code for f in got}


def test_a_new_negotiation_by_the_silent_side_or_long_after_is_not_this() -> None:
    by_peer = all_findings(v2_up() + CHECKS + fresh_init(b"\x33" * 8, 8, 15.0, from_i=False))
    much_later = all_findings(v2_up() + CHECKS + fresh_init(b"\x33" * 8, 8, 10.0 + cookies.RESTART_WINDOW + 1))
    for got in (by_peer, much_later):
        assert "ike.peer_lost_state" not in {f.code for f in got}
