"""Silence, copies, orphan responses and loops, by hand and on real captures."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import REPO, header, message, need_corpus, payload, proposal, v1_transform, v2_transform
from ikescope import api
from ikescope.diagnose.context import RuleContext
from ikescope.diagnose.rules import audit, certs, fragments, lifecycle, nat, retransmit
from ikescope.model import Datagram
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

A, B = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R, ZERO = b"\x11" * 8, b"\x22" * 8, b"\0" * 8


def dg(raw: bytes, frame: int, ts: float, from_a: bool = True, frames: tuple[int, ...] = ()) -> Datagram:
    src, dst = (A, B) if from_a else (B, A)
    return Datagram(frames=frames or (frame,), ts=ts, src=src, dst=dst, sport=500, dport=500, transport="udp",
                    encap="plain", payload=raw)


def sas(seq: list[Datagram]) -> list:
    tr = Tracker()
    out = []
    for d in seq:
        out.extend(tr.feed(d, decode_message(d.payload)))
    return out + tr.close_all()


def run(seq: list[Datagram]) -> list:
    """Every finding of this module, SA by SA, with the shared context filled as the engine does."""
    ctx = RuleContext()
    out = []
    for sa in sas(seq):
        for rule in retransmit.SA_RULES:
            out.extend(rule(sa, ctx))
        ctx.remember(sa)
    return out


def by_code(fs: list, code: str) -> list:
    return [f for f in fs if f.code == code]


def sa_init(ispi: bytes = SPI_I) -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    return message([(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 64), (40, b"\x02" * 32)],
                   ispi=ispi, exchange=34, flags=0x08)


def sa_init_resp(ispi: bytes = SPI_I) -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    return message([(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x03" * 64), (40, b"\x04" * 32)],
                   ispi=ispi, rspi=SPI_R, exchange=34, flags=0x20)


def sk(exchange: int, msgid: int, flags: int, inner: int, size: int = 48, ispi: bytes = SPI_I) -> bytes:
    return header(ispi=ispi, rspi=SPI_R, np=46, exchange=exchange, flags=flags, msgid=msgid,
                  body=payload(inner, b"\x00" * size))


def mm1() -> bytes:
    t = v1_transform(1, 1, b"".join(struct.pack("!HH", 0x8000 | a, v) for a, v in ((1, 7), (2, 2), (3, 1), (4, 14))),
                     last=True)
    return message([(1, struct.pack("!II", 1, 1) + proposal(1, 1, [t]))], ispi=SPI_I, version=0x10, exchange=2,
                   flags=0)


def mm2() -> bytes:
    t = v1_transform(1, 1, b"".join(struct.pack("!HH", 0x8000 | a, v) for a, v in ((1, 7), (2, 2), (3, 1), (4, 14))),
                     last=True)
    return message([(1, struct.pack("!II", 1, 1) + proposal(1, 1, [t]))], ispi=SPI_I, rspi=SPI_R, version=0x10,
                   exchange=2, flags=0)


def test_silent_responder_is_the_root_cause_with_its_backoff() -> None:
    req = sa_init()
    fs = run([dg(req, 1, 0.0), dg(req, 2, 1.0), dg(req, 3, 3.0), dg(req, 4, 7.0)])
    (nr,) = by_code(fs, "ike.no_response")
    assert nr.severity.value == "error" and not nr.supporting and nr.frames == (1, 2, 3, 4)
    assert "4 times over 7.0 s" in nr.summary and "sent nothing in this or any earlier SA" in nr.summary
    assert nr.details["peer_alive"] is False and nr.confidence.value == "likely"
    (rt,) = by_code(fs, "ike.retransmission")
    assert rt.supporting and rt.severity.value == "warning"
    assert rt.details["exchanges"][0]["intervals"][0]["seconds"] == [1.0, 2.0, 4.0]
    assert "exponential backoff (x2.0)" in rt.summary


def test_selective_silence_when_the_peer_answered_before() -> None:
    auth = sk(35, 1, 0x08, 35)
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
              dg(auth, 3, 0.02), dg(auth, 4, 2.0), dg(auth, 5, 4.0)])
    (nr,) = by_code(fs, "ike.no_response")
    assert nr.details["peer_alive"] is True and "IKE_AUTH" in nr.summary and "alive" in nr.summary
    assert nr.exchange == 1


def test_silence_once_the_peers_move_to_udp_4500() -> None:
    auth = sk(35, 1, 0x08, 35)
    on_4500 = [Datagram(frames=(n,), ts=t, src=A, dst=B, sport=4500, dport=4500, transport="udp", encap="non-esp",
                        payload=auth) for n, t in ((3, 0.02), (4, 2.0), (5, 4.0))]
    (nr,) = by_code(run([dg(sa_init(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False), *on_4500]), "ike.no_response")
    assert nr.details["udp_4500_silent"] and "UDP 4500 is likely blocked" in nr.summary


def test_silence_is_selective_when_the_peer_answered_another_sa() -> None:
    req = sa_init(ispi=b"\x55" * 8)
    seq = [dg(sa_init(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
           dg(req, 3, 700.0), dg(req, 4, 702.0), dg(req, 5, 706.0)]
    (nr,) = by_code(run(seq), "ike.no_response")
    assert "in SA 1" in nr.summary and nr.details["peer_alive"] is True


def test_rekey_never_answered_on_an_established_sa() -> None:
    rekey = sk(36, 2, 0x08, 33)
    up = [dg(sa_init(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False), dg(sk(35, 1, 0x08, 35), 3, 0.02),
          dg(sk(35, 1, 0x20, 36), 4, 0.03, False)]
    fs = run(up + [dg(rekey, 5, 100.0), dg(rekey, 6, 102.0), dg(rekey, 7, 106.0)])
    (nr,) = by_code(fs, "ike.no_response")
    assert "CREATE_CHILD_SA" in nr.summary and nr.frames == (5, 6, 7) and nr.details["peer_alive"] is True
    dpd = sk(37, 2, 0x08, 0)
    assert not by_code(run(up + [dg(dpd, 5, 100.0), dg(dpd, 6, 102.0)]), "ike.no_response")


def test_large_unanswered_request_lowers_confidence_and_names_fragments() -> None:
    auth = sk(35, 1, 0x08, 35, size=3000)
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False),
              dg(auth, 5, 0.1, frames=(3, 4, 5)), dg(auth, 8, 2.1, frames=(6, 7, 8))])
    (nr,) = by_code(fs, "ike.no_response")
    assert nr.confidence.value == "possible" and "3 IP fragments" in nr.summary


def test_answered_retransmission_is_only_information() -> None:
    req = sa_init()
    fs = run([dg(req, 1, 0.0), dg(req, 2, 1.0), dg(sa_init_resp(), 3, 1.01, False)])
    assert not by_code(fs, "ike.no_response")
    (rt,) = by_code(fs, "ike.retransmission")
    assert rt.severity.value == "info" and "IKE_SA_INIT 1x" in rt.summary


def test_one_request_at_the_end_of_the_capture_is_not_silence() -> None:
    assert run([dg(sa_init(), 1, 0.0)]) == []


def test_repeated_response_says_answers_did_not_get_through() -> None:
    auth, resp = sk(35, 1, 0x08, 35), sk(35, 1, 0x20, 36)
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init_resp(), 2, 0.01, False), dg(auth, 3, 0.02),
              dg(resp, 4, 0.03, False), dg(auth, 5, 1.0), dg(resp, 6, 1.01, False)])
    (rt,) = by_code(fs, "ike.retransmission")
    assert "1 repeated response(s)" in rt.summary and rt.severity.value == "info"


def v1_main(n: int, enc: bool = False) -> bytes:
    """Main mode message ``n`` with stand-in content (encrypted from message 5 on)."""
    return header(ispi=SPI_I, rspi=ZERO if n == 1 else SPI_R, np=0 if enc else 13, version=0x10, exchange=2,
                  flags=1 if enc else 0, body=bytes([n]) * 32 if enc else payload(0, bytes([n]) * 16))


def test_ikev1_main_mode_message_5_never_answered() -> None:
    mm5 = v1_main(5, enc=True)
    seq = [dg(v1_main(1), 1, 0.0), dg(v1_main(2), 2, 0.01, False), dg(v1_main(3), 3, 0.02),
           dg(v1_main(4), 4, 0.03, False), dg(mm5, 5, 0.04), dg(mm5, 6, 2.0), dg(mm5, 7, 6.0)]
    (nr,) = by_code(run(seq), "ike.no_response")
    assert "main mode message 5" in nr.summary and nr.frames == (5, 6, 7) and nr.details["peer_alive"] is True


def test_ikev1_refusal_in_an_informational_is_not_silence() -> None:
    refusal = message([(11, struct.pack("!IBBH", 1, 1, 0, 14))], ispi=SPI_I, rspi=SPI_R, version=0x10,
                      exchange=5, flags=0, msgid=3)
    fs = run([dg(mm1(), 1, 0.0), dg(refusal, 2, 0.01, False), dg(mm1(), 3, 2.0), dg(refusal, 4, 2.01, False)])
    assert not by_code(fs, "ike.no_response")


def test_message_one_again_after_the_answer_is_a_duplicate() -> None:
    first = mm1()
    fs = run([dg(first, 1, 0.0), dg(mm2(), 2, 0.01, False), dg(first, 3, 1.0), dg(first, 4, 3.0)])
    (dup,) = by_code(fs, "ike.duplicate_request")
    assert dup.supporting and dup.frames == (1, 3, 4) and dup.confidence.value == "certain"
    assert "Duplicate requests with the same cookie" in [r.text for r in retransmit.DUPLICATE_REQUEST.vendor_refs][0]


def test_second_negotiation_while_the_first_is_in_progress() -> None:
    other = message([(1, mm1()[28:])], ispi=b"\x66" * 8, version=0x10, exchange=2, flags=0)
    fs = run([dg(mm1(), 1, 0.0), dg(mm1(), 3, 4.0), dg(other, 2, 2.0)])
    (dup,) = by_code(fs, "ike.duplicate_request")
    assert dup.sa == 2 and "while SA 1" in dup.summary and dup.frames == (1, 2)


def test_responses_without_requests() -> None:
    late = run([dg(sk(35, 1, 0x20, 36), 1, 0.0, False), dg(sk(37, 2, 0x08, 0), 2, 5.0),
                dg(sk(37, 2, 0x20, 0), 3, 5.01, False)])
    (f,) = by_code(late, "ike.response_without_request")
    assert "started late" in f.summary and f.severity.value == "info" and f.frames == (1,)
    one_way = run([dg(sk(37, 2, 0x20, 0), 1, 0.0, False), dg(sk(37, 3, 0x08, 0), 2, 5.0),
                   dg(sk(37, 4, 0x20, 0), 3, 10.0, False)])
    (f,) = by_code(one_way, "ike.response_without_request")
    assert "one direction" in f.summary and f.severity.value == "warning" and f.frames == (1, 3)


def test_many_fresh_sas_in_a_row_are_one_loop_finding() -> None:
    seq = []
    for n in range(8):
        spi = bytes([0x30 + n]) * 8
        seq += [dg(sa_init(ispi=spi), 4 * n + 1, n * 2.0), dg(sa_init_resp(ispi=spi), 4 * n + 2, n * 2.0 + 0.01, False),
                dg(sk(35, 1, 0x08, 35, ispi=spi), 4 * n + 3, n * 2.0 + 0.02),
                dg(sk(35, 1, 0x20, 36, ispi=spi), 4 * n + 4, n * 2.0 + 0.03, False)]
    (loop,) = by_code(run(seq), "ike.negotiation_loop")
    assert loop.sa == 17 and loop.details["sas"] == [1, 5, 9, 13, 17] and "5 of them came up" in loop.summary


def test_sas_far_apart_are_no_loop() -> None:
    seq = []
    for n in range(6):
        spi = bytes([0x30 + n]) * 8
        seq += [dg(sa_init(ispi=spi), 2 * n + 1, n * 100.0), dg(sa_init_resp(ispi=spi), 2 * n + 2, n * 100.0 + 0.1,
                                                                False)]
    assert not by_code(run(seq), "ike.negotiation_loop")


def test_many_tunnels_negotiated_at_once_are_no_loop() -> None:
    """Eight gateways' tunnels started together, as after a reboot: each starts before the one
    before it has finished, so they are eight negotiations, not one tunnel again and again."""
    seq = []
    for n in range(8):
        spi = bytes([0x30 + n]) * 8
        t = n * 0.002
        seq += [dg(sa_init(ispi=spi), 4 * n + 1, t), dg(sa_init_resp(ispi=spi), 4 * n + 2, t + 0.01, False),
                dg(sk(35, 1, 0x08, 35, ispi=spi), 4 * n + 3, t + 0.02),
                dg(sk(35, 1, 0x20, 36, ispi=spi), 4 * n + 4, t + 0.03, False)]
    assert not by_code(run(sorted(seq, key=lambda d: d.ts)), "ike.negotiation_loop")


def auth_with_identity(spi: bytes, me: bytes, response: bool) -> bytes:
    return message([(36 if response else 35, struct.pack("!B3x", 2) + me)], ispi=spi, rspi=SPI_R, exchange=35,
                   flags=0x20 if response else 0x08, msgid=1)


def test_one_after_another_but_for_different_identities_is_no_loop() -> None:
    """Readable identities (here in clear, as with keys) tell the tunnels apart even in sequence."""
    def seq(same: bool) -> list[Datagram]:
        out = []
        for n in range(6):
            spi = bytes([0x30 + n]) * 8
            who = b"alice.example.org" if same else b"alice-%d.example.org" % n
            out += [dg(sa_init(ispi=spi), 4 * n + 1, n * 2.0),
                    dg(sa_init_resp(ispi=spi), 4 * n + 2, n * 2.0 + 0.01, False),
                    dg(auth_with_identity(spi, who, False), 4 * n + 3, n * 2.0 + 0.02),
                    dg(auth_with_identity(spi, b"bob.example.org", True), 4 * n + 4, n * 2.0 + 0.03, False)]
        return out
    assert not by_code(run(seq(same=False)), "ike.negotiation_loop")
    (loop,) = by_code(run(seq(same=True)), "ike.negotiation_loop")
    assert loop.details["same_tunnel"] is True and "one tunnel" in loop.confidence_reason


def test_ikev2_copies_within_milliseconds_are_duplicates_not_retransmissions() -> None:
    init, auth = sa_init(), sk(35, 1, 0x08, 35)
    fs = run([dg(init, 1, 0.0), dg(init, 2, 0.00002), dg(sa_init_resp(), 3, 0.01, False),
              dg(auth, 4, 0.02), dg(auth, 5, 0.02002), dg(sk(35, 1, 0x20, 36), 6, 0.03, False)])
    (dup,) = by_code(fs, "ike.duplicate_request")
    assert dup.details["pattern"] == "fast" and dup.details["copies"] == 2 and dup.frames == (1, 2, 4, 5)
    assert dup.severity.value == "info" and dup.supporting and "the SA came up" in dup.summary
    assert not by_code(fs, "ike.retransmission")


def test_every_request_again_after_its_answer_at_one_interval_is_a_duplicating_sender() -> None:
    init, auth = sa_init(), sk(35, 1, 0x08, 35)
    copies = [dg(init, 1, 0.0), dg(sa_init_resp(), 2, 0.002, False), dg(init, 3, 0.5), dg(sa_init_resp(), 4, 0.501,
                                                                                          False),
              dg(auth, 5, 0.502), dg(sk(35, 1, 0x20, 36), 6, 0.505, False), dg(auth, 7, 1.004),
              dg(sk(35, 1, 0x20, 36), 8, 1.005, False)]
    fs = run(copies)
    (dup,) = by_code(fs, "ike.duplicate_request")
    assert dup.details["pattern"] == "after_answer" and dup.frames == (1, 3, 5, 7)
    assert not by_code(fs, "ike.retransmission")  # the repeated answers answer the duplicates
    # One copy after an answer is a lost answer and a timer: a retransmission.
    fs = run(copies[:4] + [dg(auth, 5, 0.502), dg(sk(35, 1, 0x20, 36), 6, 0.505, False)])
    assert not by_code(fs, "ike.duplicate_request") and by_code(fs, "ike.retransmission")


def test_odd_records_give_findings_about_their_two_frames() -> None:
    """A lone response, a lone request and a lone IKEv1 message 2, each sent twice by the same peer."""
    expected = {sk(37, 9, 0x20, 0): ["ike.response_without_request", "ike.retransmission"],
                sk(35, 1, 0x08, 35): ["ike.no_response", "ike.retransmission"],
                mm2(): ["ike.no_response", "ike.retransmission"]}
    for raw, codes in expected.items():
        fs = run([dg(raw, 1, 0.0, False), dg(raw, 2, 10.0, False)])
        assert sorted(f.code for f in fs) == codes, raw.hex()
        assert all(f.evidence and f.summary and set(f.frames) <= {1, 2} for f in fs), raw.hex()


ODD = {
    "init": sa_init, "resp": sa_init_resp, "mm1": mm1, "mm2": mm2,
    "auth_i": lambda: sk(35, 1, 0x08, 35), "auth_r": lambda: sk(35, 1, 0x20, 41),
    "big_auth": lambda: sk(35, 1, 0x08, 35, size=3000), "dpd": lambda: sk(37, 2, 0x08, 0),
    "delete": lambda: sk(37, 3, 0x00, 42), "create_i": lambda: sk(36, 4, 0x08, 33),
    "create_r": lambda: sk(36, 0, 0x00, 41), "skf": lambda: header(
        ispi=SPI_I, rspi=SPI_R, np=53, exchange=35, flags=0x08, msgid=1,
        body=payload(35, struct.pack("!HH", 2, 3) + b"\0" * 32)),
    "v1_info": lambda: header(ispi=SPI_I, rspi=SPI_R, np=8, version=0x10, exchange=5, flags=1, msgid=7,
                              body=b"\1" * 40),
    "v1_tx": lambda: header(ispi=SPI_I, rspi=SPI_R, np=8, version=0x10, exchange=6, flags=1, msgid=9,
                            body=b"\2" * 40),
}


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(ODD)), st.booleans(), st.floats(0, 900),
                          st.integers(1, 3)), max_size=20))
def test_every_rule_of_these_modules_survives_any_sequence(steps: list) -> None:
    seq = [Datagram(frames=tuple(range(10 * i + 1, 10 * i + 1 + n)), ts=ts, src=A if fi else B, dst=B if fi else A,
                    sport=500, dport=500, transport="udp", encap="plain", payload=ODD[k]())
           for i, (k, fi, ts, n) in enumerate(steps)]
    ctx = RuleContext()
    for sa in sas(seq):
        for module in (retransmit, fragments, nat, certs, lifecycle, audit):
            for rule in module.SA_RULES:
                for f in rule(sa, ctx):
                    assert f.evidence and f.summary and f.confidence_reason
        ctx.remember(sa)


# --- real captures ------------------------------------------------------------------------------

def analyze(path: str) -> list:
    report = api.analyze([path])
    return [f for r in report.results for f in r.findings]


def test_lab_udp_4500_blocked() -> None:
    fs = analyze(str(REPO / "pcaps" / "ikev2-udp4500-blocked.pcap"))
    assert fs[0].code == "ike.no_response" and fs[0].root_cause and fs[0].details["udp_4500_silent"]
    assert fs[0].frames == (5, 6, 7, 8)


def test_lab_responder_down() -> None:
    fs = analyze(str(REPO / "pcaps" / "ikev2-responder-down.pcap"))
    # The ICMP port-unreachable answers explain the silence, so they are the root cause.
    assert fs[0].code == "ike.peer_unreachable" and fs[0].root_cause
    (nr,) = by_code(fs, "ike.no_response")
    assert not nr.root_cause and nr.frames == (3, 5, 7, 9) and nr.details["peer_alive"] is False
    assert any(f.code == "ike.retransmission" and not f.root_cause for f in fs)


def test_windows_client_fragmented_ike_auth() -> None:
    fs = analyze(str(need_corpus() / "zeek-spicy-ipsec" / "ipsec_client.pcap"))
    (nr,) = by_code(fs, "ike.no_response")
    assert nr.frames == (5, 8, 11) and "3 IP fragments" in nr.summary and nr.details["peer_alive"] is True


def test_wireshark_rapid_reestablishment_loop() -> None:
    fs = analyze(str(need_corpus() / "wireshark-wiki" / "ipsec.cap"))
    loops = by_code(fs, "ike.negotiation_loop")
    assert [f.sa for f in loops] == [60, 233]  # SAs are named by their first frame
    assert loops[0].frames == (39, 47, 51, 56, 60)


def test_lab_duplicated_messages() -> None:
    (libreswan,) = by_code(analyze(str(REPO / "pcaps" / "ikev2-duplicate-messages.pcap")), "ike.duplicate_request")
    assert libreswan.details["pattern"] == "after_answer" and libreswan.details["copies"] == 2
    # (capture, copies, [exchanges whose copy was answered again, exchanges with a copy]): a copy that
    # arrives while the first is being worked on is dropped, by strongSwan as by libreswan.
    for name, copies, again in (("ikev2-path-duplicates.pcap", 2, [0, 2]),
                                ("ikev2-path-duplicates-libreswan.pcap", 2, [0, 2]),
                                ("ikev1-path-duplicates.pcap", 8, [1, 2])):
        fs = analyze(str(REPO / "pcaps" / name))
        (dup,) = by_code(fs, "ike.duplicate_request")
        assert dup.details["pattern"] == "fast" and dup.details["copies"] == copies
        assert dup.details["exchanges_answered_again"] == again
        assert max(dup.details["intervals"]) < 0.01 and dup.severity.value == "info"
        assert not by_code(fs, "ike.retransmission") and not [f for f in fs if f.severity.value == "error"]


def lab_keys(name: str) -> api.Settings:
    from ikescope.crypto.keys import load_key_files
    return api.Settings(keys=load_key_files([REPO / "pcaps" / f"{name}.ikev2_decryption_table"]))


def test_lab_twenty_tunnels_are_no_loop_and_the_failed_one_is_named() -> None:
    for name in ("ikev2-twenty-tunnels", "ikev2-twenty-tunnels-one-fails"):
        for how in (api.Settings(), lab_keys(name)):
            report = api.analyze([REPO / "pcaps" / f"{name}.pcap"], how)
            assert len(report.results) == 20
            assert not [f for r in report.results for f in r.findings if f.code == "ike.negotiation_loop"]
    report = api.analyze([REPO / "pcaps" / "ikev2-twenty-tunnels-one-fails.pcap"],
                         lab_keys("ikev2-twenty-tunnels-one-fails"))
    (failed,) = [r for r in report.results if r.findings and r.findings[0].severity.value == "error"]
    assert failed.findings[0].code == "ike.ts_mismatch"
    assert ("alice-07@example.org" in (i[3] for i in failed.sa.identities)
            and "198.51.100.24/30" in failed.findings[0].summary)


def test_lab_reauthentication_every_two_seconds_is_a_loop() -> None:
    path = str(REPO / "pcaps" / "ikev2-reauth-loop.pcap")
    (loop,) = by_code(analyze(path), "ike.negotiation_loop")
    assert loop.root_cause and len(loop.details["sas"]) == 5 and loop.details["same_tunnel"] is False
    keyed = [f for r in api.analyze([path], lab_keys("ikev2-reauth-loop")).results for f in r.findings]
    (loop,) = by_code(keyed, "ike.negotiation_loop")
    assert loop.details["same_tunnel"] is True


def test_ikev1_message_number_is_not_guessed_when_the_capture_starts_mid_exchange() -> None:
    from helpers import header, payload
    from ikescope.model import Datagram
    from ikescope.track.tracker import Tracker
    from ikescope.wire.decode import decode_message
    from ikescope.diagnose.engine import Diagnoser

    mm2 = header(ispi=b"\x11" * 8, rspi=b"\x22" * 8, np=13, version=0x10, exchange=2, flags=0,
                 body=payload(0, b"\x05" * 16))
    tr, diag = Tracker(), Diagnoser()
    for n, ts in ((1, 0.0), (2, 5.0), (3, 15.0)):
        d = Datagram(frames=(n,), ts=ts, src="192.0.2.2", dst="192.0.2.1", sport=500, dport=500,
                     transport="udp", encap="plain", payload=mm2)
        tr.feed(d, decode_message(mm2))
    (sa,) = tr.close_all()
    (f,) = [f for f in diag.sa_closed(sa) if f.code == "ike.no_response"]
    assert not sa.initiator_known and f.details["exchange"] == "a main mode message"
