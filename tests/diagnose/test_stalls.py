"""Negotiations that stop although the peer answered: answers the requester ignores, answers
that lose a fragment on the way back, an initiator that never goes on. By hand, and on the
lab's captures with and without their key tables."""

from __future__ import annotations

import hashlib
import socket
import struct

from helpers import REPO, header, message, payload, proposal, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.rules import SA_RULES, stalls
from ikescope.model import Datagram
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

I_ADDR, R_ADDR = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8
CODES = ("ike.response_ignored", "ike.response_lost", "ike.initiator_silent")


def dg(raw: bytes, frame: int, ts: float, from_i: bool = True, port: int = 500) -> Datagram:
    src, dst = (I_ADDR, R_ADDR) if from_i else (R_ADDR, I_ADDR)
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=port, dport=port, transport="udp",
                    encap="non-esp" if port == 4500 else "plain", payload=raw)


def nat_d(ispi: bytes, rspi: bytes, addr: str, nat: bool) -> tuple[int, bytes]:
    """NAT_DETECTION_SOURCE_IP of a sender at ``addr``:500 (RFC 7296 2.23); with ``nat`` a hash that
    matches no captured address."""
    digest = b"\x99" * 20 if nat else hashlib.sha1(ispi + rspi + socket.inet_aton(addr) + b"\x01\xf4").digest()
    return (41, struct.pack("!BBH", 0, 0, 16388) + digest)


def init_pair(nat: bool | None = False) -> list[Datagram]:
    """IKE_SA_INIT request and answer with NAT detection (``nat``: the initiator sits behind one), or
    with ``nat=None`` without it, as a scanner's bare request."""
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 32), (40, b"\x02" * 32)]
    extra = ([], []) if nat is None else ([nat_d(SPI_I, b"\0" * 8, I_ADDR, nat)], [nat_d(SPI_I, SPI_R, R_ADDR, False)])
    return [dg(message(items + extra[0], ispi=SPI_I, exchange=34, flags=0x08), 1, 0.0),
            dg(message(items + extra[1], ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20), 2, 0.01, False)]


def sk(exchange: int, msgid: int, flags: int, inner: int, fill: int = 0, frag: tuple[int, int] | None = None) -> bytes:
    """An SK message (or, with ``frag``, an SKF fragment) whose content is ``fill`` bytes."""
    if frag is None:
        return header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=exchange, flags=flags, msgid=msgid,
                      body=payload(inner, bytes([fill]) * 48))
    body = payload(inner if frag[0] == 1 else 0, struct.pack("!HH", *frag) + bytes([fill]) * 48)
    return header(ispi=SPI_I, rspi=SPI_R, np=53, exchange=exchange, flags=flags, msgid=msgid, body=body)


def run(seq: list[Datagram], end: float | None = None, ctx_sas: list[Datagram] | None = None) -> tuple[list, list]:
    """The SAs (closed at ``end``) and the findings of this module's codes, root cause marked."""
    tr, diag = Tracker(), Diagnoser()
    out, closed = [], []
    for d in (ctx_sas or []) + seq:
        closed += tr.feed(d, decode_message(d.payload))
    closed += tr.close_all(end)
    for sa in closed:
        out += [f for f in diag.sa_closed(sa) if f.code in CODES]
    return closed, out


def auth_ignored(copies: int, answered: bool = True) -> list[Datagram]:
    """IKE_AUTH answered, then repeated ``copies`` times at growing intervals, each copy answered."""
    req, resp = sk(35, 1, 0x08, 35, 1), sk(35, 1, 0x20, 36, 2)
    seq = init_pair() + [dg(req, 3, 0.02), dg(resp, 4, 0.03, False)]
    t, frame = 0.02, 5
    for n in range(copies):
        t += 1.0 * 1.4 ** n
        seq.append(dg(req, frame, t))
        if answered or n == 0:
            seq.append(dg(resp, frame + 1, t + 0.001, False))
        frame += 2
    return seq


def test_registered() -> None:
    assert set(stalls.SA_RULES) <= set(SA_RULES)


def test_a_requester_that_repeats_an_answered_request_ignores_the_answers() -> None:
    (sa,), (f,) = run(auth_ignored(3))
    assert sa.outcome == "failed" and "each copy was answered" in sa.outcome_detail and sa.failed_exchange == 1
    assert f.code == "ike.response_ignored" and f.root_cause and f.severity.value == "error"
    assert f.confidence.value == "likely" and f.details["copies_after_answer"] == 3
    assert f.details["answers_intact"] is None and f.frames[:2] == (3, 4)
    assert "do not reach it" in f.summary and "--keys" in f.confidence_reason


def test_one_copy_crossing_the_answer_is_not_ignoring_it() -> None:
    """A requester that sends each message twice (libreswan's jacob-two-two) gets the tunnel up."""
    (sa,), fs = run(auth_ignored(1))
    assert sa.outcome == "established" and fs == []


def test_a_responder_that_stops_answering_is_not_answers_ignored() -> None:
    (sa,), fs = run(auth_ignored(3, answered=False))
    assert sa.outcome == "established" and fs == []


def test_a_requester_that_goes_on_took_the_answer() -> None:
    seq = init_pair()
    # IKE_SA_INIT repeated twice after its answer, then IKE_AUTH: the answer was used in the end.
    seq += [dg(seq[0].payload, 3, 1.0), dg(seq[1].payload, 4, 1.01, False),
            dg(seq[0].payload, 5, 2.4), dg(seq[1].payload, 6, 2.41, False),
            dg(sk(35, 1, 0x08, 35), 7, 2.5), dg(sk(35, 1, 0x20, 36), 8, 2.6, False)]
    (sa,), fs = run(seq)
    assert sa.outcome == "established" and fs == []


def test_a_refusal_repeated_to_every_copy_is_not_an_answer_ignored() -> None:
    sa = proposal(1, 1, [v2_transform(1, 12, last=True)])
    ask = message([(33, sa)], ispi=SPI_I, exchange=34, flags=0x08)
    no = message([(41, struct.pack("!BBH", 0, 0, 14))], ispi=SPI_I, exchange=34, flags=0x20)
    seq = [dg(ask, 1, 0.0), dg(no, 2, 0.01, False), dg(ask, 3, 1.0), dg(no, 4, 1.01, False),
           dg(ask, 5, 2.4), dg(no, 6, 2.41, False)]
    assert run(seq)[1] == []


def test_ikev1_main_mode_message_1_repeated_to_a_responder_answering_each() -> None:
    t = struct.pack("!BBHBBH", 0, 0, 8, 1, 1, 0)
    mm1 = message([(1, struct.pack("!II", 1, 1) + proposal(1, 1, [t]))], ispi=SPI_I, version=0x10, exchange=2,
                  flags=0)
    mm2 = message([(1, struct.pack("!II", 1, 1) + proposal(1, 1, [t]))], ispi=SPI_I, rspi=SPI_R, version=0x10,
                  exchange=2, flags=0)
    seq = [dg(mm1, 1, 0.0), dg(mm2, 2, 0.01, False)]
    for n, at in enumerate((1.0, 3.0, 7.0)):
        seq += [dg(mm1, 3 + 2 * n, at), dg(mm2, 4 + 2 * n, at + 0.01, False)]
    (sa,), (f,) = run(seq)
    assert sa.outcome == "failed" and f.code == "ike.response_ignored"
    assert f.details["exchange"] == "main mode message 1" and "main mode message 1 from the initiator" in f.summary


def fragmented_answer_lost(rounds: int) -> list[Datagram]:
    """IKE_AUTH in two SKF fragments; the answer's fragment 2 of 2 never shows; the responder
    answers each repetition as soon as its first fragment arrives."""
    r1, r2 = sk(35, 1, 0x08, 35, 1, (1, 2)), sk(35, 1, 0x08, 35, 2, (2, 2))
    a1 = sk(35, 1, 0x20, 36, 3, (1, 2))
    seq = init_pair() + [dg(r1, 3, 0.02, port=4500), dg(r2, 4, 0.02, port=4500), dg(a1, 5, 0.03, False, 4500)]
    frame, t = 6, 0.02
    for n in range(rounds):
        t += 1.0 * 1.4 ** n
        seq += [dg(r1, frame, t, port=4500), dg(a1, frame + 1, t + 0.001, False, 4500),
                dg(r2, frame + 2, t + 0.002, port=4500)]
        frame += 3
    return seq


def test_an_answer_whose_fragment_never_shows_is_lost_on_the_way_back() -> None:
    (sa,), (f,) = run(fragmented_answer_lost(3))
    assert sa.outcome == "failed" and f.code == "ike.response_lost" and f.root_cause
    assert f.details["missing_fragments"] == [2] and f.details["answers"] == 4
    assert f.confidence.value == "likely" and list(f.frames) == sorted(f.frames)


def test_nat_then_no_ike_auth_names_udp_4500() -> None:
    (sa,), (f,) = run(init_pair(nat=True), end=9.0)
    assert sa.outcome == "failed" and f.code == "ike.initiator_silent" and f.root_cause
    assert f.details == {"next": "IKE_AUTH", "quiet_seconds": 8.99, "nat": True}
    assert "UDP 4500" in f.summary and f.frames == (1, 2) and f.severity.value == "error"


def test_no_ike_auth_without_nat_says_the_initiator_stopped() -> None:
    (sa,), (f,) = run(init_pair(), end=9.0)
    assert f.details["nat"] is False and "gave up on the answer" in f.summary
    assert "a filter on UDP 4500 does the same" in f.summary  # both sides support NAT traversal


def test_a_bare_first_message_left_at_the_answer_is_a_probe_not_a_stop() -> None:
    tr, diag = Tracker(), Diagnoser()
    for d in init_pair(nat=None):
        tr.feed(d, decode_message(d.payload))
    (sa,) = tr.close_all(9.0)
    codes = {f.code for f in diag.sa_closed(sa)}
    assert sa.outcome == "failed" and "ike.probe" in codes and "ike.initiator_silent" not in codes


def test_ikev1_initiator_silent_after_main_mode_message_4() -> None:
    def mm(frame: int, ts: float, from_i: bool) -> Datagram:
        raw = message([(13, bytes([frame]) * 16)], ispi=SPI_I, rspi=b"\0" * 8 if frame == 1 else SPI_R,
                      version=0x10, exchange=2, flags=0)
        return dg(raw, frame, ts, from_i)

    (sa,), (f,) = run([mm(1, 0.0, True), mm(2, 0.01, False), mm(3, 0.02, True), mm(4, 0.03, False)], end=5.0)
    assert sa.outcome == "failed" and f.code == "ike.initiator_silent"
    assert f.details["next"] == "main mode message 5" and f.frames == (3, 4)
    assert f.evidence[0].text == "main mode message 3 from the initiator"


def test_a_capture_that_ends_right_after_the_answer_claims_nothing() -> None:
    (sa,), fs = run(init_pair(nat=True), end=1.0)
    assert sa.outcome == "incomplete" and fs == []


def findings(name: str, keys: bool = False) -> list:
    tables = sorted((REPO / "pcaps").glob(name + ".ikev*_decryption_table")) if keys else []
    report = api.analyze([REPO / "pcaps" / f"{name}.pcap"],
                         api.Settings(keys=load_key_files(tables) if tables else None))
    return [f for r in report.results for f in r.findings]


def root(name: str, keys: bool = False):
    (f,) = [f for f in findings(name, keys) if f.root_cause]
    return f


def test_lab_altered_answers() -> None:
    f = root("ikev2-answer-corrupted")
    assert f.code == "ike.response_ignored" and f.confidence.value == "likely"
    assert f.details["requester"] == "initiator" and f.details["copies_after_answer"] == 3
    keyed = root("ikev2-answer-corrupted", keys=True)
    assert keyed.code == "ike.response_ignored" and keyed.confidence.value == "certain"
    assert keyed.details["answers_intact"] is False and "changed after the responder sealed them" in keyed.summary


def test_lab_requester_that_cannot_read_intact_answers() -> None:
    f = root("ikev2-libreswan-answer-unreadable")
    assert f.code == "ike.response_ignored" and f.details["answers_intact"] is None
    keyed = root("ikev2-libreswan-answer-unreadable", keys=True)
    assert keyed.details["answers_intact"] is True and keyed.confidence.value == "likely"
    assert "drops them itself" in keyed.summary


def test_lab_answers_dropped_after_the_capture_point() -> None:
    """Captured on the responder's side, lost answers and rejected answers read alike."""
    for name in ("ikev2-answer-dropped", "ikev1-answer-dropped"):
        f = root(name)
        assert f.code == "ike.response_ignored" and "lost after the capture point" in f.summary, name
    assert root("ikev1-answer-dropped").details["exchange"] == "main mode message 1"
    # A first message repeated past its answers is no scan.
    assert "ike.probe" not in {f.code for f in findings("ikev1-answer-dropped")}
    assert root("ikev2-answer-dropped", keys=True).details["answers_intact"] is True


def test_lab_answer_fragment_dropped_before_the_capture_point() -> None:
    for keys in (False, True):
        f = root("ikev2-answer-fragment-dropped", keys)
        assert f.code == "ike.response_lost" and f.details["missing_fragments"] == [2]


def test_lab_answers_that_got_through_in_the_end_are_no_error() -> None:
    # A copy sent on a backoff timer is a retransmission; copies sent once each, after their answers, at one
    # interval, are duplicates.
    for name, code in (("ikev2-answer-lost-once", "ike.retransmission"),
                       ("ikev2-duplicate-messages", "ike.duplicate_request")):
        fs = findings(name)
        assert not [f for f in fs if f.severity.value == "error" or f.code in CODES], name
        assert any(f.code == code and f.severity.value == "info" for f in fs), name


def test_lab_udp_4500_blocked_on_each_side() -> None:
    """Behind the NAT the IKE_AUTH never reaches the responder's link; a firewall on the responder
    itself lets the capture see it arrive and go unanswered."""
    f = root("ikev2-nat-udp4500-blocked")
    assert f.code == "ike.initiator_silent" and f.details["nat"] is True and f.details["quiet_seconds"] >= 4
    assert "ike.probe" not in {f.code for f in findings("ikev2-nat-udp4500-blocked")}
    g = root("ikev2-udp4500-blocked")
    assert g.code == "ike.no_response" and g.details["udp_4500_silent"]
