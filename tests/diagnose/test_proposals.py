"""Proposal and DH rules on hand-built negotiations and on real captures."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from helpers import REPO, attr_tlv, attr_tv, header, message, need_corpus, proposal, v1_transform, v2_transform
from ikescope import api
from ikescope.diagnose import expect
from ikescope.diagnose.context import DiagnoseSettings
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.suite import best_mismatch, diff, suites
from ikescope.model import Datagram
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message
from ikescope.wire.message import Proposal, Transform, Attribute

A, B = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R, ZERO = b"\x11" * 8, b"\x22" * 8, b"\0" * 8


def dg(raw: bytes, frame: int, ts: float, from_a: bool = True) -> Datagram:
    src, dst = (A, B) if from_a else (B, A)
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=500, dport=500, transport="udp",
                    encap="plain", payload=raw)


def findings(seq: list[Datagram], settings: DiagnoseSettings | None = None) -> list:
    tr, diag = Tracker(), Diagnoser(settings)
    out = []
    for d in seq:
        for sa in tr.feed(d, decode_message(d.payload)):
            out.extend(diag.sa_closed(sa))
    for sa in tr.close_all():
        out.extend(diag.sa_closed(sa))
    return out


def v2_offer(groups: tuple[int, ...] = (14,), ke: int = 14, ispi: bytes = SPI_I, encr: int = 12,
             keylen: int = 256, extra: list | None = None) -> bytes:
    ts = [v2_transform(1, encr, attr_tv(14, keylen)), v2_transform(2, 5), v2_transform(3, 12)]
    ts += [v2_transform(4, g) for g in groups]
    ts[-1] = ts[-1][:0] + b"\x00" + ts[-1][1:]  # last transform
    items = list(extra or []) + [(33, proposal(1, 1, ts)), (34, struct.pack("!HH", ke, 0) + b"\x01" * 64),
                                 (40, b"\x02" * 32)]
    return message(items, ispi=ispi, exchange=34, flags=0x08)


def v2_notify_resp(ntype: int, data: bytes = b"", ispi: bytes = SPI_I) -> bytes:
    return message([(41, struct.pack("!BBH", 0, 0, ntype) + data)], ispi=ispi, exchange=34, flags=0x20)


def codes(fs: list) -> list[str]:
    return [f.code for f in fs]


def test_no_proposal_chosen_is_the_root_cause() -> None:
    fs = findings([dg(v2_offer(), 1, 0.0), dg(v2_notify_resp(14), 2, 0.01, False)])
    assert codes(fs)[0] == "ike.proposal_mismatch" and fs[0].root_cause
    assert fs[0].frames == (1, 2) and fs[0].confidence.value == "likely"
    assert "no configuration for this initiator" in fs[0].alternatives[0].cause
    assert fs[0].details["offered"][0]["encryption"] == ["aes-cbc-256"]


def test_diff_against_the_other_sides_own_offer_names_the_attribute() -> None:
    # B first initiates to A offering aes128 (refused), then A initiates to B offering aes256 (refused).
    other = v2_offer(ispi=b"\x33" * 8, keylen=128)
    seq = [Datagram(frames=(1,), ts=0.0, src=B, dst=A, sport=500, dport=500, transport="udp", encap="plain",
                    payload=other),
           Datagram(frames=(2,), ts=0.01, src=A, dst=B, sport=500, dport=500, transport="udp", encap="plain",
                    payload=v2_notify_resp(14, ispi=b"\x33" * 8)),
           dg(v2_offer(), 3, 700.0), dg(v2_notify_resp(14), 4, 700.01, False)]
    fs = [f for f in findings(seq) if f.sa == 3]
    (f,) = [f for f in fs if f.code == "ike.proposal_mismatch"]
    assert f.details["differing"] == ["encryption"]
    row = next(r for r in f.details["diff"] if r["attribute"] == "encryption")
    assert row == {"attribute": "encryption", "a": ["aes-cbc-256"], "b": ["aes-cbc-128"], "match": False}
    assert "frame 1" in f.details["diff_against"]


def test_dh_only_difference_with_expected_config_is_dh_group_mismatch() -> None:
    settings = DiagnoseSettings(expect_ike=expect.parse("aes256-sha256-ecp256", "ike"))
    fs = findings([dg(v2_offer(), 1, 0.0), dg(v2_notify_resp(14), 2, 0.01, False)], settings)
    assert codes(fs)[0] == "ike.dh_group_mismatch" and fs[0].details["differing"] == ["dh"]


def test_invalid_ke_fixed_by_retry_is_info() -> None:
    seq = [dg(v2_offer(groups=(14, 19), ke=14), 1, 0.0), dg(v2_notify_resp(17, b"\x00\x13"), 2, 0.01, False),
           dg(v2_offer(groups=(14, 19), ke=19), 3, 0.02),
           dg(message([(40, b"\x09" * 32)], ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20), 4, 0.03, False)]
    fs = findings(seq)
    f = next(f for f in fs if f.code == "ike.invalid_ke_retry")
    assert f.severity.value == "info" and f.details["wanted_group"] == "ecp256" and f.frames == (1, 2, 3)
    assert "ike.dh_group_mismatch" not in codes(fs)


def test_invalid_ke_for_a_group_never_offered_is_an_error() -> None:
    fs = findings([dg(v2_offer(groups=(14,), ke=14), 1, 0.0), dg(v2_notify_resp(17, b"\x00\x13"), 2, 0.01, False)])
    assert codes(fs)[0] == "ike.dh_group_mismatch" and "not among the groups" in fs[0].summary


def test_responder_choice_not_offered() -> None:
    chosen = proposal(1, 1, [v2_transform(1, 3), v2_transform(2, 2), v2_transform(3, 2), v2_transform(4, 2, last=True)])
    resp = message([(33, chosen), (34, struct.pack("!HH", 2, 0) + b"\x05" * 128), (40, b"\x06" * 32)],
                   ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20)
    fs = findings([dg(v2_offer(), 1, 0.0), dg(resp, 2, 0.01, False)])
    assert "ike.choice_not_offered" in codes(fs)


def test_expected_ike_mismatch_on_success() -> None:
    settings = DiagnoseSettings(expect_ike=expect.parse("aes128-sha1-modp1024", "ike"))
    chosen = proposal(1, 1, [v2_transform(1, 12, attr_tv(14, 256)), v2_transform(2, 5), v2_transform(3, 12),
                             v2_transform(4, 14, last=True)])
    resp = message([(33, chosen), (40, b"\x06" * 32)], ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20)
    fs = findings([dg(v2_offer(), 1, 0.0), dg(resp, 2, 0.01, False)], settings)
    f = next(f for f in fs if f.code == "ike.expected_proposal_mismatch")
    assert set(f.details["differing"]) >= {"encryption", "dh"}


def v1_qm_with_pfs(group: int | None) -> bytes:
    attrs = attr_tv(1, 1) + attr_tlv(2, struct.pack("!I", 3600)) + attr_tv(4, 1) + attr_tv(5, 2) + attr_tv(6, 128)
    if group is not None:
        attrs += attr_tv(3, group)
    sa = struct.pack("!II", 1, 1) + proposal(1, 3, [v1_transform(1, 12, attrs, last=True)], spi=b"\x0a" * 4)
    return header(ispi=SPI_I, rspi=SPI_R, np=1, version=0x10, exchange=32, flags=0, msgid=7,
                  body=struct.pack("!BBH", 0, 0, 4 + len(sa)) + sa)


def test_v1_child_refusal_in_clear_with_pfs_difference() -> None:
    settings = DiagnoseSettings(expect_esp=expect.parse("aes128-sha1", "esp"))
    note = header(ispi=SPI_I, rspi=SPI_R, np=11, version=0x10, exchange=5, flags=0, msgid=9,
                  body=struct.pack("!BBHIBBH", 0, 0, 12, 1, 3, 0, 14))
    fs = findings([dg(v1_qm_with_pfs(14), 1, 0.0), dg(note, 2, 0.01, False)], settings)
    # A clear IKEv1 Informational is taken as phase 1; the quick mode itself was in clear here.
    assert "ike.proposal_mismatch" in codes(fs)
    qm_resp = header(ispi=SPI_I, rspi=SPI_R, np=11, version=0x10, exchange=32, flags=0, msgid=7,
                     body=struct.pack("!BBHIBBH", 0, 0, 12, 1, 3, 0, 14))
    fs = findings([dg(v1_qm_with_pfs(14), 1, 0.0), dg(qm_resp, 2, 0.01, False)], settings)
    f = next(f for f in fs if f.code in ("ike.pfs_mismatch", "ike.child_proposal_mismatch"))
    assert f.code == "ike.pfs_mismatch" and f.details["differing"] == ["dh"]


# --- suites and expected proposals --------------------------------------------------------------

def test_v1_suite_reads_phase1_attributes() -> None:
    t = Transform(1, 0, 1, (Attribute(1, 7), Attribute(14, 256), Attribute(2, 4), Attribute(4, 14),
                            Attribute(3, 1), Attribute(11, 1), Attribute(12, struct.pack("!I", 28800))))
    (s,) = suites(1, [Proposal(1, 1, b"", (t,))])
    assert s.get("encryption") == {"aes-cbc-256"} and s.get("integrity") == {"sha2-256"}
    assert s.get("dh") == {"modp2048"} and s.get("lifetime") == {"28800s"}


def test_expect_parse_and_diff() -> None:
    (e,) = expect.parse("aes256gcm16-prfsha384-ecp384!", "ike")
    assert e.get("encryption") == {"aes-gcm-16-256"} and e.get("prf") == {"sha2-384"} and e.get("dh") == {"ecp384"}
    (p,) = expect.parse("aes128-sha256-modp2048", "ike")
    assert p.get("prf") == {"sha2-256"}
    assert best_mismatch([e], [p]) == ["encryption", "prf", "dh"]
    assert any(not r["match"] for r in diff([e], [p]))
    with pytest.raises(expect.ProposalSyntaxError):
        expect.parse("aes256-sha999", "ike")


# --- real captures -------------------------------------------------------------------------------

def analyze(path: Path) -> dict:
    return api.analyze([path]).to_dict()


def test_corpus_invalid_ke_restart_with_new_spis() -> None:
    doc = analyze(need_corpus() / "ndpi" / "ipsec_isakmp_esp.pcap")
    retries = [f for f in doc["findings"] if f["code"] == "ike.invalid_ke_retry"]
    assert len(retries) == 3 and all(f["severity"] == "info" for f in retries)
    assert not [f for f in doc["findings"] if f["code"] == "ike.dh_group_mismatch"]


def test_lab_ike_proposal_mismatch() -> None:
    doc = analyze(REPO / "pcaps" / "ikev2-ike-proposal-mismatch.pcap")
    (sa,) = doc["sas"]
    assert sa["outcome"] == "failed" and sa["root_cause"]["code"] == "ike.proposal_mismatch"


def test_expected_esp_against_the_decrypted_child_proposal() -> None:
    from ikescope.crypto.keys import load_key_files

    cap = REPO / "pcaps" / "ikev2-psk-success.pcap"
    keys = load_key_files([REPO / "pcaps" / "ikev2-psk-success.ikev2_decryption_table"])
    ok = api.analyze([cap], api.Settings(keys=keys, diagnose=DiagnoseSettings(
        expect_esp=expect.parse("aes128-sha256", "esp")))).findings()
    assert not [f for f in ok if f.code == "ike.expected_proposal_mismatch"]
    bad = api.analyze([cap], api.Settings(keys=keys, diagnose=DiagnoseSettings(
        expect_esp=expect.parse("aes256gcm16", "esp")))).findings()
    (f,) = [f for f in bad if f.code == "ike.expected_proposal_mismatch"]
    assert f.details["differing"] == ["encryption"] and "--expect-esp" in f.details["diff_against"]


def test_diff_against_what_the_responder_accepted_earlier() -> None:
    chosen = proposal(1, 1, [v2_transform(1, 12, attr_tv(14, 128)), v2_transform(2, 5), v2_transform(3, 12),
                             v2_transform(4, 14, last=True)])
    accepted = message([(33, chosen), (34, struct.pack("!HH", 14, 0) + b"\x05" * 64), (40, b"\x06" * 32)],
                       ispi=b"\x44" * 8, rspi=SPI_R, exchange=34, flags=0x20)
    seq = [dg(v2_offer(ispi=b"\x44" * 8, keylen=128), 1, 0.0), dg(accepted, 2, 0.01, False),
           dg(message([(46, b"\x00" * 32)], ispi=b"\x44" * 8, rspi=SPI_R, exchange=35, flags=0x08, msgid=1), 3,
              0.02),
           dg(header(ispi=b"\x44" * 8, rspi=SPI_R, np=46, exchange=35, flags=0x20, msgid=1,
                     body=struct.pack("!BBH", 36, 0, 36) + b"\x00" * 32), 4, 0.03, False),
           dg(v2_offer(), 5, 900.0), dg(v2_notify_resp(14), 6, 900.01, False)]
    (f,) = [f for f in findings(seq) if f.code == "ike.proposal_mismatch"]
    assert f.details["differing"] == ["encryption"] and "accepted in frame 2" in f.details["diff_against"]
