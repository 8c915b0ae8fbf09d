"""The tracker on hand-built message sequences and on public captures."""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import header, message, need_corpus, payload, proposal, v2_transform
from ikescope import api
from ikescope.model import Datagram
from ikescope.track import tracker as tracker_module
from ikescope.track.outcome import conclude
from ikescope.track.records import SaRecord
from ikescope.track.tracker import Tracker, TrackerSettings
from ikescope.wire.decode import decode_message
from ikescope.wire.message import Decoded, EapPayload

I_ADDR, R_ADDR = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8


def dg(raw: bytes, frame: int, ts: float, from_i: bool = True, port: int = 500, encap: str = "plain") -> Datagram:
    src, dst = (I_ADDR, R_ADDR) if from_i else (R_ADDR, I_ADDR)
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=port, dport=port, transport="udp",
                    encap=encap, payload=raw)


def sa_init_req(ke_group: int = 19, extra: list | None = None) -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, ke_group, last=True)])
    items = list(extra or []) + [(33, sa), (34, struct.pack("!HH", ke_group, 0) + b"\x01" * 32),
                                 (40, b"\x02" * 32)]
    return message(items, ispi=SPI_I, exchange=34, flags=0x08)


def notify(ntype: int, data: bytes = b"") -> tuple[int, bytes]:
    return (41, struct.pack("!BBH", 0, 0, ntype) + data)


def sa_init_resp(rspi: bytes = SPI_R, items: list | None = None) -> bytes:
    if items is None:
        sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                             v2_transform(4, 19, last=True)])
        items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x03" * 32), (40, b"\x04" * 32)]
    return message(items, ispi=SPI_I, rspi=rspi, exchange=34, flags=0x20)


def sk(exchange: int, msgid: int, flags: int, inner: int, body: bytes = b"\x00" * 48, ispi: bytes = SPI_I,
       rspi: bytes = SPI_R) -> bytes:
    return header(ispi=ispi, rspi=rspi, np=46, exchange=exchange, flags=flags, msgid=msgid,
                  body=payload(inner, body))


def run(seq: list[Datagram], **kw: float) -> list:
    tr = Tracker(TrackerSettings(**kw))
    out = []
    for d in seq:
        out.extend(tr.feed(d, decode_message(d.payload)))
    return out + tr.close_all()


def test_successful_ikev2() -> None:
    seq = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
           dg(sk(35, 1, 0x08, 35), 3, 0.02), dg(sk(35, 1, 0x20, 36), 4, 0.03, False)]
    (sa,) = run(seq)
    # The IKE_AUTH response is encrypted and no keys opened it: whether a CHILD SA came up is not visible.
    assert sa.outcome == "established" and sa.child_sas is None
    assert sa.initiator.address == I_ADDR and sa.rspi == SPI_R
    assert [e.exchange for e in sa.exchanges] == [34, 35]
    assert all(e.answered for e in sa.exchanges)
    assert abs(sa.exchanges[0].rtt - 0.01) < 1e-9
    assert sa.offered_frame == 1 and sa.chosen_frame == 2 and sa.ke_group_responder == 19


def test_cookie_and_invalid_ke_retries_are_linked() -> None:
    seq = [dg(sa_init_req(ke_group=14), 1, 0.0),
           dg(sa_init_resp(rspi=b"\0" * 8, items=[notify(17, b"\x00\x13")]), 2, 0.01, False),
           dg(sa_init_req(ke_group=19), 3, 0.02),
           dg(sa_init_resp(rspi=b"\0" * 8, items=[notify(16390, b"\x09" * 16)]), 4, 0.03, False),
           dg(sa_init_req(ke_group=19, extra=[notify(16390, b"\x09" * 16)]), 5, 0.04),
           dg(sa_init_resp(), 6, 0.05, False),
           dg(sk(35, 1, 0x08, 35), 7, 0.06), dg(sk(35, 1, 0x20, 36), 8, 0.07, False)]
    (sa,) = run(seq)
    inits = [e for e in sa.exchanges if e.exchange == 34]
    assert len(inits) == 3
    assert (inits[1].attempt_of, inits[1].retry_reason) == (0, 17)
    assert (inits[2].attempt_of, inits[2].retry_reason) == (1, 16390)
    assert sa.ke_groups_initiator == [14, 19, 19] and sa.outcome == "established"


def test_the_responder_spi_is_the_one_of_the_answer_that_accepts() -> None:
    """libreswan gives every refused IKE_SA_INIT an SPI of its own; IKE_AUTH uses the accepting answer's."""
    seq = [dg(sa_init_req(ke_group=14), 1, 0.0),
           dg(sa_init_resp(rspi=b"\x44" * 8, items=[notify(17, b"\x00\x13")]), 2, 0.01, False),
           dg(sa_init_req(ke_group=19), 3, 0.02), dg(sa_init_resp(), 4, 0.03, False),
           dg(sk(35, 1, 0x08, 35), 5, 0.04), dg(sk(35, 1, 0x20, 36), 6, 0.05, False)]
    (sa,) = run(seq)
    assert sa.rspi == SPI_R and sa.outcome == "established" and [e.exchange for e in sa.exchanges] == [34, 34, 35]


def test_a_child_sa_delete_does_not_end_the_ike_sa() -> None:
    """The answer to a CHILD SA delete carries the peer's own Delete; to an IKE SA delete it is empty."""
    up = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
          dg(sk(35, 1, 0x08, 35), 3, 0.02), dg(sk(35, 1, 0x20, 36), 4, 0.03, False)]
    (child,) = run(up + [dg(sk(37, 2, 0x08, 42), 5, 1.0), dg(sk(37, 2, 0x20, 42), 6, 1.01, False)])
    assert child.outcome == "established" and child.deleted_by_initiator is None
    (ike,) = run(up + [dg(sk(37, 2, 0x08, 42), 5, 1.0), dg(sk(37, 2, 0x20, 0), 6, 1.01, False)])
    assert ike.outcome == "deleted"
    (unanswered,) = run(up + [dg(sk(37, 2, 0x08, 42), 5, 1.0)])
    assert unanswered.outcome == "deleted"


def test_retransmissions_and_no_response() -> None:
    req = sa_init_req()
    (sa,) = run([dg(req, 1, 0.0), dg(req, 2, 1.0), dg(req, 3, 3.0)])
    (ex,) = sa.exchanges
    assert ex.retransmissions == 2 and not ex.answered
    assert [m.retransmit_of for m in sa.messages] == [None, 1, 1]
    assert sa.outcome == "failed" and "no response to IKE_SA_INIT (3 transmissions)" in sa.outcome_detail


def test_single_request_at_capture_end_is_incomplete() -> None:
    (sa,) = run([dg(sa_init_req(), 1, 0.0)])
    assert sa.outcome == "incomplete"


def test_error_notify_fails_sa_init() -> None:
    (sa,) = run([dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(rspi=b"\0" * 8, items=[notify(14)]), 2, 0.01, False)])
    assert sa.outcome == "failed" and sa.failed_exchange == 0 and "NO_PROPOSAL_CHOSEN" in sa.outcome_detail


def test_auth_answered_with_notify_first_is_likely_failure() -> None:
    seq = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
           dg(sk(35, 1, 0x08, 35), 3, 0.02), dg(sk(35, 1, 0x20, 41), 4, 0.03, False)]
    (sa,) = run(seq)
    assert sa.outcome == "failed" and "likely" in sa.outcome_detail and sa.failed_exchange == 1


def test_responder_requests_and_delete() -> None:
    seq = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
           dg(sk(35, 1, 0x08, 35), 3, 0.02), dg(sk(35, 1, 0x20, 36), 4, 0.03, False),
           dg(sk(37, 0, 0x00, 0), 5, 10.0, False), dg(sk(37, 0, 0x28, 0), 6, 10.01),  # DPD from the responder
           dg(sk(37, 2, 0x08, 42), 7, 20.0), dg(sk(37, 2, 0x20, 0), 8, 20.01, False)]
    (sa,) = run(seq)
    dpd, delete = sa.exchanges[2], sa.exchanges[3]
    assert not dpd.requester_is_initiator and dpd.answered
    assert delete.requester_is_initiator and sa.outcome == "deleted" and sa.deleted_by_initiator is True


def test_same_spi_different_peers_are_apart() -> None:
    a = dg(sa_init_req(), 1, 0.0)
    b = Datagram(frames=(2,), ts=0.1, src="203.0.113.9", dst=R_ADDR, sport=500, dport=500, transport="udp",
                 encap="plain", payload=sa_init_req())
    assert len(run([a, b])) == 2


def test_idle_sas_are_closed_while_feeding() -> None:
    tr = Tracker(TrackerSettings(idle_timeout=60))
    first = dg(sa_init_req(), 1, 0.0)
    assert tr.feed(first, decode_message(first.payload)) == []
    later = Datagram(frames=(2,), ts=500.0, src="203.0.113.9", dst=R_ADDR, sport=500, dport=500,
                     transport="udp", encap="plain", payload=sa_init_req())
    closed = tr.feed(later, decode_message(later.payload))
    assert [s.id for s in closed] == [1] and [s.id for s in tr.close_all()] == [2]


def test_a_settled_failure_closes_after_the_linger_and_a_working_sa_waits_the_idle_timeout() -> None:
    tr = Tracker(TrackerSettings(idle_timeout=600, final_linger=30))
    refused = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(items=[notify(14)]), 2, 0.01, False)]
    other = "203.0.113.9"
    working = [Datagram(frames=(3,), ts=1.0, src=other, dst=R_ADDR, sport=500, dport=500, transport="udp",
                        encap="plain", payload=sa_init_req()),
               Datagram(frames=(4,), ts=1.01, src=R_ADDR, dst=other, sport=500, dport=500, transport="udp",
                        encap="plain", payload=sa_init_resp())]
    for d in refused + working:
        assert tr.feed(d, decode_message(d.payload)) == []
    (closed,) = tr.tick(40.0)
    assert closed.id == 1 and closed.outcome == "failed" and closed.closed_at == (30.01, 2, 1)
    assert tr.tick(600.0) == []
    (late,) = tr.tick(602.0)
    assert late.id == 3 and late.closed_at == (601.01, 4, 3)


def test_silence_concludes_a_stalled_negotiation_and_spares_a_tunnel_that_came_up() -> None:
    tr = Tracker(TrackerSettings(idle_timeout=600, silence=30))
    up = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
          dg(sk(35, 1, 0x08, 35), 3, 0.02), dg(sk(35, 1, 0x20, 36, body=b"\0" * 400), 4, 0.03, False)]
    other = "203.0.113.9"
    stalled = Datagram(frames=(5,), ts=1.0, src=other, dst=R_ADDR, sport=500, dport=500, transport="udp",
                       encap="plain", payload=sa_init_req())
    for d in [*up, stalled]:
        assert tr.feed(d, decode_message(d.payload)) == []
    (closed,) = tr.tick(40.0)
    assert closed.id == 5 and closed.outcome == "failed" and closed.closed_at == (31.0, 5, 5)
    assert tr.tick(599.0) == []
    (tunnel,) = tr.close_all()
    assert tunnel.id == 1 and tunnel.outcome == "established"


def test_per_sa_message_cap() -> None:
    seq = [dg(sk(37, i, 0x08, 0, body=bytes([i % 256]) * 16), i, float(i)) for i in range(1, 30)]
    (sa,) = run(seq, max_messages=10)
    assert len(sa.messages) == 10 and sa.dropped_messages == 19


def test_a_storm_of_new_phase1_messages_is_judged_early_a_logarithmic_number_of_times(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Judging an SA early reads all its messages; judging it at each of n new messages would cost n squared."""
    calls: list[int] = []

    def counted(sa: SaRecord, end: float) -> None:
        calls.append(sa.id)
        conclude(sa, end)

    def main_mode(n: int, from_i: bool = True) -> Datagram:
        raw = message([(13, n.to_bytes(4, "big") * 4)], ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=2, flags=0)
        return dg(raw, n, n / 1000, from_i)

    monkeypatch.setattr(tracker_module, "conclude", counted)
    # the responder answers once; then the initiator sends a new phase 1 message again and again
    (sa,) = run([main_mode(1), main_mode(2, from_i=False)] + [main_mode(n) for n in range(3, 1001)])
    assert len(sa.messages) == 1000 and sa.outcome == "incomplete"
    # at every one of the first 64 messages, then at 128, 256 and 512, and once more when it closes
    assert len(calls) == tracker_module.EARLY_VERDICTS + 3 + 1


def test_a_request_sent_anew_right_before_the_end_is_unanswered_not_cut_off() -> None:
    """Two versions of the request (not copies) went unanswered: the capture did not merely end too soon."""
    seq = [dg(sa_init_req(), 1, 0.0), dg(sa_init_req(ke_group=14), 2, 0.5)]
    (sa,) = run(seq)
    assert sa.outcome == "failed" and "(2 transmissions)" in sa.outcome_detail


def test_an_sa_closed_early_to_make_room_is_not_cut_off_by_the_end_of_the_capture() -> None:
    first = Datagram((1,), 0.0, "192.0.2.7", R_ADDR, 500, 500, "udp", "plain", sa_init_req())
    tr = Tracker(TrackerSettings(max_open=1))
    assert tr.feed(first, decode_message(first.payload)) == []
    (closed,) = tr.feed(dg(sa_init_req(), 2, 0.1), decode_message(sa_init_req()))
    assert closed.id == 1 and closed.outcome == "failed" and closed.closed_at == (0.1, 2, 1)
    (event,) = tr.limit_events()
    assert event.limit == ("open_sas", 1) and event.problem.length == 1


def test_an_sa_dated_decades_ahead_by_one_frame_does_not_hold_up_the_sas_behind_it() -> None:
    tr = Tracker()
    leapt = dg(sa_init_resp(), 1, 2_000_000_000.0, False)  # an SA whose only message is dated 2033
    other = Datagram((2,), 10.0, "192.0.2.9", R_ADDR, 500, 500, "udp", "plain", sa_init_req())
    assert tr.feed(leapt, decode_message(leapt.payload)) == []
    # once the clock is back, an SA waiting for 2033 is out of reach: it goes, and the others idle as usual
    assert [(sa.id, sa.closed_at[0]) for sa in tr.feed(other, decode_message(other.payload))] == [(1, 10.0)]
    assert [(sa.id, sa.closed_at[0]) for sa in tr.tick(1000.0)] == [(2, 610.0)]


def test_links_to_the_next_sa_expire_by_capture_time_after_the_clock_leapt_ahead() -> None:
    """One frame dated decades ahead must not stop the refusals remembered since from expiring."""
    tr = Tracker()
    refusal = sa_init_resp(rspi=b"\0" * 8, items=[notify(17, b"\x00\x13")])
    times = [2_000_000_000.0] + [1_000.0 + 10 * i for i in range(100)]
    for n, ts in enumerate(times, 1):
        initiator = f"192.0.2.{n}"
        for raw, src, dst, frame in ((sa_init_req(), initiator, R_ADDR, 2 * n), (refusal, R_ADDR, initiator, 2 * n + 1)):
            tr.feed(Datagram((frame,), ts, src, dst, 500, 500, "udp", "plain", raw), decode_message(raw))
    assert len(tr._refused_inits) <= 4  # those of the last 30 s of capture time


def test_ikev1_main_mode_roles_and_completion() -> None:
    def v1(frame: int, from_i: bool, enc: bool = False, body: bytes = b"") -> Datagram:
        rspi = b"\0" * 8 if frame == 1 else SPI_R
        raw = header(ispi=SPI_I, rspi=rspi, np=0 if enc else 13, version=0x10, exchange=2,
                     flags=1 if enc else 0, body=body or payload(0, bytes([frame]) * 16))
        return dg(raw, frame, frame * 0.01, from_i)
    seq = [v1(1, True), v1(2, False), v1(3, True), v1(4, False), v1(5, True, True, b"\x05" * 32)]
    (sa,) = run(seq + [v1(5, True, True, b"\x05" * 32)])
    assert sa.mode == "main" and sa.initiator_known and sa.outcome == "failed"
    assert "stopped after message 5" in sa.outcome_detail
    (sa,) = run(seq + [v1(6, False, True, b"\x06" * 32)])
    assert sa.outcome == "established"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["req", "resp", "auth_i", "auth_r", "info", "junk"]),
                          st.booleans(), st.floats(0, 2000)), max_size=25))
def test_any_sequence_keeps_tracker_consistent(steps: list) -> None:
    build = {"req": lambda: sa_init_req(), "resp": lambda: sa_init_resp(),
             "auth_i": lambda: sk(35, 1, 0x08, 35), "auth_r": lambda: sk(35, 1, 0x20, 36),
             "info": lambda: sk(37, 2, 0x00, 42), "junk": lambda: b"\x00" * 10}
    seq = [dg(build[k](), i + 1, ts, fi) for i, (k, fi, ts) in enumerate(steps)]
    sas = run(seq, idle_timeout=100)
    assert sum(len(s.messages) for s in sas) == sum(1 for k, _, _ in steps if k != "junk")
    for s in sas:
        assert s.outcome in ("established", "failed", "incomplete", "deleted")
        for e in s.exchanges:
            assert e.messages and all(0 <= i < len(s.messages) for i in e.messages)


# --- public captures ---------------------------------------------------------------------------

def sas_of(rel: str) -> list:
    path = need_corpus() / rel
    return list(api.track(api.decode_file(path)))


def test_tcpdump_ikev2four_cookie_retry_and_children() -> None:
    sas = sas_of("tcpdump/ikev2four.pcap")
    first = sas[0]
    assert first.outcome == "established"
    assert first.exchanges[1].attempt_of == 0 and first.exchanges[1].retry_reason == 16390
    assert sum(1 for e in first.exchanges if e.exchange == 36) == 7
    assert sas[1].rekeyed_from == first.id


def test_zeek_windows_ike_auth_unanswered() -> None:
    (sa,) = sas_of("zeek-spicy-ipsec/ipsec_client.pcap")
    auth = sa.exchanges[1]
    assert auth.exchange == 35 and not auth.answered and auth.retransmissions == 2
    assert sa.outcome == "failed" and sa.nat_t


def test_zeek_ikev1_no_proposal_then_recovery() -> None:
    (sa,) = sas_of("zeek-spicy-ipsec/ipsec.cap")
    assert (3, True, 14) in sa.notifies
    assert sa.outcome == "established" and sa.child_sas == 1
    assert sa.messages[3].retransmit_of == 2


def test_ndpi_many_sas() -> None:
    sas = sas_of("ndpi/ipsec_isakmp_esp.pcap")
    assert len(sas) > 50
    retried = [e for s in sas for e in s.exchanges if e.retry_reason is not None]
    assert {e.retry_reason for e in retried} & {16390, 17}


def test_ike_rekey_linked_by_spi_with_keys_and_by_timing_without() -> None:
    from helpers import REPO
    from ikescope.crypto.keys import load_key_files

    cap = REPO / "pcaps" / "ikev2-rekey.pcap"
    keys = load_key_files(sorted(REPO.joinpath("pcaps").glob("ikev2-rekey*_decryption_table")))
    old, new = api.track(api.decode_file(cap, keys))
    assert new.rekeyed_from == old.id and new.rekey_basis == "spi" and old.rekeyed_to == [new.id]
    old, new = api.track(api.decode_file(cap))
    assert new.rekeyed_from == old.id and new.rekey_basis == "timing" and old.rekeyed_to == []


def _lab_sas(name: str) -> list:
    from helpers import REPO
    return list(api.track(api.decode_file(REPO / "pcaps" / name)))


def test_ikev1_refusals_under_fresh_cookies_stay_one_sa_with_its_roles() -> None:
    """strongSwan answers each copy of libreswan's main mode message 1 with NO-PROPOSAL-CHOSEN in an
    Informational under a new responder cookie: one failed attempt, not one SA per copy with the
    roles swapped."""
    (sa,) = _lab_sas("ikev1-libreswan-strongswan-p1-mismatch.pcap")
    assert (sa.initiator.address, sa.responder.address) == ("192.0.2.1", "192.0.2.2")
    assert sa.outcome == "failed" and sa.chosen is None and sa.offered
    refusals = [m for m in sa.messages if 14 in m.notifies]
    assert len(refusals) >= 3 and not any(m.from_initiator for m in refusals)
    assert len({m.frame for m in refusals}) == len(refusals)
    assert sa.exchanges[0].retransmissions == len(refusals) - 1


def test_ikev2_retry_answered_under_another_responder_spi_is_the_same_negotiation() -> None:
    """libreswan puts its own SPI into INVALID_KE_PAYLOAD and another into the answer to the retry:
    the IKE_AUTH under the second SPI continues the same SA, and the SA carries the SPI that stuck."""
    from helpers import REPO
    path = REPO / "pcaps" / "ikev2-invalid-ke-libreswan-responder.pcap"
    answers = [d.message.header.rspi for _, d in api.decode_file(path)
               if d.message.header.exchange == 34 and d.message.header.response]
    assert len(answers) == 2 and answers[0] != answers[1], "the capture no longer shows two responder SPIs"
    (sa,) = _lab_sas(path.name)
    init, retry, auth = sa.exchanges
    assert retry.attempt_of == init.index and retry.retry_reason == 17
    assert sa.outcome == "established" and auth.answered and sa.rspi == answers[1]


def test_answers_the_initiator_keeps_asking_for_fail_the_sa() -> None:
    auth, answer = sk(35, 1, 0x08, 35), sk(35, 1, 0x20, 36)
    seq = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False), dg(auth, 3, 0.02),
           dg(answer, 4, 0.03, False), dg(auth, 5, 1.0), dg(answer, 6, 1.01, False),
           dg(auth, 7, 2.4), dg(answer, 8, 2.41, False)]
    (sa,) = run(seq)
    assert sa.outcome == "failed" and sa.failed_exchange == 1 and "2 more time(s)" in sa.outcome_detail
    (sa,) = run(seq[:6])  # one copy crossing the answer: the tunnel is up
    assert sa.outcome == "established"


def test_a_readable_eap_failure_is_recorded() -> None:
    tr = Tracker()
    seq = [dg(sa_init_req(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
           dg(sk(35, 1, 0x08, 35), 3, 0.02), dg(sk(35, 1, 0x20, 36), 4, 0.03, False),
           dg(sk(35, 2, 0x08, 48), 5, 0.04), dg(sk(35, 2, 0x20, 48), 6, 0.05, False)]
    for d in seq:
        decoded = decode_message(d.payload)
        if d.frames == (6,):  # as keys would open it: an EAP-Failure (code 4)
            inner = (EapPayload(48, 0, 8, False, code=4, identifier=7),)
            decoded = Decoded(replace(decoded.message, inner=inner), decoded.problems)
        tr.feed(d, decoded)
    (sa,) = tr.close_all()
    assert sa.eap_failure == 6 and sa.outcome == "failed" and "EAP-Failure" in sa.outcome_detail


def test_the_capture_ends_with_its_last_frame_of_any_kind(tmp_path) -> None:
    """Quiet after an SA's last message is silence only while the capture still runs: a datagram
    that is not IKE, 9 s after the answer, shows it did."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    def udp(payload: bytes, ts: float, from_i: bool, port: int = 500):
        src, dst = (I_ADDR, R_ADDR) if from_i else (R_ADDR, I_ADDR)
        pkt = Ether() / IP(src=src, dst=dst) / UDP(sport=port, dport=port) / payload
        pkt.time = 1000.0 + ts
        return pkt

    ike = [udp(sa_init_req(), 0.0, True), udp(sa_init_resp(), 0.01, False)]
    wrpcap(str(tmp_path / "cut.pcap"), ike)
    wrpcap(str(tmp_path / "on.pcap"), ike + [udp(b"not IKE", 9.0, True, port=9)])
    (cut,) = api.track(api.decode_file(tmp_path / "cut.pcap"))
    assert cut.outcome == "incomplete"
    decoded = api.decode_file(tmp_path / "on.pcap")
    (sa,) = api.track(decoded)
    assert sa.outcome == "failed" and sa.closed_at is not None and sa.closed_at[0] == decoded.last_ts == 1009.0
    (result,) = api.analyze([tmp_path / "on.pcap"]).results
    assert result.sa.outcome == "failed"
