"""Liveness checks, deletes and rekeys after an SA is up."""

from __future__ import annotations

import struct
from pathlib import Path

import dpkt

from helpers import REPO, datagram, header, message, payload, proposal, run_rules, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.rules import lifecycle
from ikescope.model import Datagram

A, B = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R, ZERO = b"\x11" * 8, b"\x22" * 8, b"\0" * 8


def dg(raw: bytes, frame: int, ts: float, from_a: bool = True) -> Datagram:
    return datagram(raw, frame, ts, from_a, a=A, b=B)


def run(seq: list[Datagram]) -> list:
    return run_rules(seq, lifecycle.SA_RULES)


def sk(exchange: int, msgid: int, flags: int, inner: int, fill: int = 0) -> bytes:
    return header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=exchange, flags=flags, msgid=msgid,
                  body=payload(inner, bytes([fill]) * 48))


def established() -> list[Datagram]:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    init = message([(33, sa), (40, b"\x02" * 32)], ispi=SPI_I, exchange=34, flags=0x08)
    resp = message([(33, sa), (40, b"\x04" * 32)], ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20)
    return [dg(init, 1, 0.0), dg(resp, 2, 0.01, False), dg(sk(35, 1, 0x08, 35), 3, 0.02),
            dg(sk(35, 1, 0x20, 36), 4, 0.03, False)]


def codes(fs: list) -> list[str]:
    return [f.code for f in fs]


def test_ikev2_checks_answered_then_silence() -> None:
    dpd = sk(37, 3, 0x08, 0)
    fs = run(established() + [dg(sk(37, 2, 0x08, 0), 5, 10.0), dg(sk(37, 2, 0x20, 0), 6, 10.01, False),
                              dg(dpd, 7, 20.0), dg(dpd, 8, 22.0), dg(dpd, 9, 26.0)])
    (f,) = fs
    assert f.code == "ike.dpd_unanswered" and f.severity.value == "error"
    assert f.frames == (5, 7, 8, 9) and f.details["answered_before"] == 1 and "3 time(s) over 6.0 s" in f.summary


def test_one_check_cut_off_by_the_capture_is_not_reported() -> None:
    assert run(established() + [dg(sk(37, 2, 0x08, 0), 5, 10.0)]) == []


def test_a_lost_check_followed_by_answers_is_not_a_dead_peer() -> None:
    dpd = sk(37, 2, 0x08, 0)
    fs = run(established() + [dg(dpd, 5, 10.0), dg(dpd, 6, 12.0), dg(sk(37, 2, 0x20, 0), 7, 12.01, False),
                              dg(sk(37, 3, 0x08, 0), 8, 20.0), dg(sk(37, 3, 0x20, 0), 9, 20.01, False)])
    assert fs == []


def test_silence_after_an_earlier_lost_check_counts_from_the_last_answer() -> None:
    lost, final = sk(37, 2, 0x08, 0), sk(37, 4, 0x08, 0)
    fs = run(established() + [dg(lost, 5, 10.0), dg(lost, 6, 12.0), dg(sk(37, 3, 0x08, 0), 7, 20.0),
                              dg(sk(37, 3, 0x20, 0), 8, 20.01, False), dg(final, 9, 30.0), dg(final, 10, 32.0)])
    (f,) = fs
    assert f.code == "ike.dpd_unanswered" and f.frames == (7, 9, 10) and f.details["answered_before"] == 1


def v1_info(frame: int, ts: float, body: list[tuple[int, bytes]], from_a: bool = True, msgid: int = 7,
            encrypted: bool = False) -> Datagram:
    if encrypted:
        raw = header(ispi=SPI_I, rspi=SPI_R, np=8, version=0x10, exchange=5, flags=1, msgid=msgid,
                     body=bytes([frame]) * 48)
    else:
        raw = message(body, ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=5, flags=0, msgid=msgid)
    return dg(raw, frame, ts, from_a)


def r_u_there(seq: int) -> tuple[int, bytes]:
    return (11, struct.pack("!IBBH", 1, 1, 16, 36136) + SPI_I + SPI_R + struct.pack("!I", seq))


def test_ikev1_r_u_there_without_ack() -> None:
    fs = run([v1_info(1, 0.0, [r_u_there(1)], msgid=1), v1_info(2, 10.0, [r_u_there(2)], msgid=2)])
    (f,) = fs
    assert f.code == "ike.dpd_unanswered" and f.confidence.value == "certain" and f.frames == (1, 2)


def test_ikev1_encrypted_informationals_from_one_side() -> None:
    seq = [v1_info(1, 0.0, [], msgid=1, encrypted=True), v1_info(2, 0.01, [], False, msgid=2, encrypted=True)]
    seq += [v1_info(n, n * 10.0, [], msgid=n, encrypted=True) for n in range(3, 7)]
    (f,) = run(seq)
    assert f.code == "ike.dpd_unanswered" and f.confidence.value == "likely" and f.frames == (3, 4, 5, 6)
    assert "every 10-10 s" in f.summary


def test_delete_never_acknowledged() -> None:
    delete = sk(37, 2, 0x08, 42)
    fs = run(established() + [dg(delete, 5, 10.0), dg(delete, 6, 12.0)])
    assert codes(fs) == ["ike.delete_unacknowledged", "ike.sa_deleted"] and fs[0].frames == (5, 6)
    assert fs[1].frames == (5,)  # deleted all the same, with no acknowledgement to show


def test_simultaneous_rekeys() -> None:
    fs = run(established() + [dg(sk(36, 2, 0x08, 41), 5, 100.0), dg(sk(36, 0, 0x00, 41, fill=1), 6, 100.002, False),
                              dg(sk(36, 2, 0x20, 33), 7, 100.01, False), dg(sk(36, 0, 0x28, 33, fill=1), 8, 100.011)])
    (f,) = fs
    assert f.code == "ike.rekey_collision" and f.frames == (5, 6) and "CHILD SA rekeys 0.002 s apart" in f.summary


def test_rekeys_one_after_the_other_do_not_collide() -> None:
    fs = run(established() + [dg(sk(36, 2, 0x08, 41), 5, 100.0), dg(sk(36, 2, 0x20, 33), 6, 100.01, False),
                              dg(sk(36, 0, 0x00, 41, fill=1), 7, 200.0), dg(sk(36, 0, 0x28, 33, fill=1), 8, 200.01)])
    assert fs == []


def test_deleted_by_the_responder() -> None:
    fs = run(established() + [dg(sk(37, 0, 0x00, 42), 5, 30.0, False), dg(sk(37, 0, 0x28, 0), 6, 30.01)])
    (f,) = fs
    assert f.code == "ike.sa_deleted" and f.details["by"] == "responder" and f.frames == (5, 6)
    assert "30 s after it was established" in f.summary


def test_ikev1_readable_delete() -> None:
    delete = (12, struct.pack("!IBBH", 1, 1, 16, 1) + SPI_I + SPI_R)
    (f,) = run([v1_info(1, 0.0, [delete], from_a=False)])
    assert f.code == "ike.sa_deleted" and f.confidence.value == "certain" and f.details["by"] == "initiator"


def findings(name: str) -> list:
    return [f for r in api.analyze([REPO / "pcaps" / name]).results for f in r.findings]


def test_lab_dead_peer() -> None:
    fs = findings("ikev2-dpd.pcap")
    assert fs[0].code == "ike.dpd_unanswered" and fs[0].root_cause
    assert fs[0].frames == (9, 13, 15, 17, 19) and fs[0].details["answered_before"] == 2


def test_lab_delete_to_a_dead_peer() -> None:
    (f,) = [f for f in findings("ikev2-delete-unanswered.pcap") if f.code == "ike.delete_unacknowledged"]
    assert f.frames == (7, 9, 11, 13) and "4 time(s)" in f.summary and f.root_cause


def test_lab_delete_and_rekey() -> None:
    (f,) = [f for f in findings("ikev2-delete.pcap") if f.code == "ike.sa_deleted"]
    assert f.details == {"by": "initiator", "child_deletes": 1} and f.frames == (9, 10)
    # The new IKE SA's last exchange deletes a CHILD SA (its answer carries the peer's Delete): it stays up.
    (old,) = [f for f in findings("ikev2-rekey.pcap") if f.code == "ike.sa_deleted"]
    assert "IKE SA is rekeyed" in old.summary and old.sa == 3
    new = api.analyze([REPO / "pcaps" / "ikev2-rekey.pcap"]).results[1].sa
    assert (new.outcome, new.outcome_detail) == ("established", "created by a rekey of SA 3")
    assert not [f for f in findings("ikev1-dpd.pcap") if f.code == "ike.dpd_unanswered"]


def test_lab_ikev1_dpd_decrypted_acks_and_acks_taken_away(tmp_path: Path) -> None:
    pcap = REPO / "pcaps" / "ikev1-dpd.pcap"
    settings = api.Settings(keys=load_key_files([pcap.with_suffix(".ikev1_decryption_table")]))

    def dpd(path: Path) -> list:
        return [f for r in api.analyze([path], settings).results for f in r.findings if f.code == "ike.dpd_unanswered"]
    assert dpd(pcap) == []
    cut = tmp_path / "no-acks.pcap"
    with open(pcap, "rb") as fi, open(cut, "wb") as fo:
        reader = dpkt.pcap.Reader(fi)
        writer = dpkt.pcap.Writer(fo, linktype=reader.datalink())
        for n, (ts, buf) in enumerate(reader, 1):
            if n not in (13, 15):  # bob's R-U-THERE-ACKs
                writer.writepkt(buf, ts)
    (f,) = dpd(cut)
    assert f.confidence.value == "certain" and f.details == {"checker": "initiator", "transmissions": 2}
