"""ike.rekey_refused: CHILD SA rekeys refused, told by sizes without keys and by notifies with them;
PFS on one side only named as the first candidate. By hand and on the lab's captures."""

from __future__ import annotations

import struct

import pytest

from helpers import REPO, attr_tv, datagram, header, message, payload, proposal, run_rules, v1_transform, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.rules import SA_RULES, proposals, rekey, selectors

SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8
RULES = rekey.SA_RULES + selectors.SA_RULES + proposals.SA_RULES


def v2_init() -> list:
    """IKE_SA_INIT with aes-cbc, sha2-256 and ecp256: 16-byte IV and ICV, so an SK payload of
    ``size`` bytes leaves ``size - 33`` bytes for the payloads inside."""
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 64), (40, b"\x02" * 32)]
    return [datagram(message(items, ispi=SPI_I, exchange=34, flags=0x08), 1, 0.0),
            datagram(message(items, ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20), 2, 0.01, False)]


def sk(exchange: int, msgid: int, inner: int, size: int, frame: int, ts: float, from_i: bool = True,
       response: bool = False) -> object:
    flags = (0x08 if from_i else 0x00) | (0x20 if response else 0x00)
    raw = header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=exchange, flags=flags, msgid=msgid,
                 body=payload(inner, b"\x00" * size))
    return datagram(raw, frame, ts, from_i)


AUTH = [sk(35, 1, 35, 160, 3, 0.02), sk(35, 1, 36, 160, 4, 0.03, False, response=True)]
N, SA, D = 41, 33, 42


def rekey_exchange(msgid: int, request_size: int, answer_size: int, frame: int, ts: float, answer: int = N) -> list:
    """A CREATE_CHILD_SA from the initiator opening with N(REKEY_SA), and the responder's answer."""
    return [sk(36, msgid, N, request_size, frame, ts), sk(36, msgid, answer, answer_size, frame + 1, ts + 0.01,
                                                          False, response=True)]


def refused(seq: list) -> list:
    return [f for f in run_rules(seq, RULES) if f.code == "ike.rekey_refused"]


def test_registered() -> None:
    assert set(rekey.SA_RULES) <= set(SA_RULES)


def test_refused_rekey_with_a_ke_names_pfs_on_the_requester() -> None:
    fs = run_rules(v2_init() + AUTH + rekey_exchange(2, 400, 48, 5, 1.0), RULES)
    (f,) = [f for f in fs if f.code == "ike.rekey_refused"]
    assert (f.severity.value, f.confidence.value, f.frames) == ("error", "likely", (5, 6))
    assert f.details["request_carries_ke"] is True and f.details["pfs_mismatch"] == "requester"
    assert "PFS on the initiator only" in f.summary and "kept (no delete follows)" in f.summary
    assert "fewer than SA, Nonce, KE and traffic selectors need" in f.confidence_reason
    assert not [f for f in fs if f.code == "ike.child_sa_rejected"]  # one finding for one refusal


def test_refused_rekey_without_a_ke_names_a_responder_that_requires_pfs() -> None:
    (f,) = refused(v2_init() + AUTH + rekey_exchange(2, 150, 48, 5, 1.0))
    assert f.details["request_carries_ke"] is False and f.details["pfs_mismatch"] == "responder"
    assert "the responder requires PFS, the initiator offers none" in f.summary
    assert "no room for any KE payload" in f.confidence_reason


def test_an_answer_with_room_for_a_child_sa_is_no_refusal() -> None:
    assert refused(v2_init() + AUTH + rekey_exchange(2, 400, 300, 5, 1.0, answer=SA)) == []
    # A size that cannot be judged (no IKE_AUTH to compare with) still counts a Notify-first answer,
    # but then names no candidate in particular.
    (f,) = refused(v2_init() + rekey_exchange(2, 300, 48, 5, 1.0))
    assert f.details["pfs_mismatch"] is None and "decrypt to tell which" in f.summary


def test_retried_and_then_accepted_is_a_warning() -> None:
    seq = (v2_init() + AUTH + rekey_exchange(2, 400, 48, 5, 1.0) + rekey_exchange(3, 400, 48, 7, 11.0)
           + rekey_exchange(4, 400, 400, 9, 21.0, answer=SA))
    (f,) = refused(seq)
    assert f.details["refusals"] == 2 and f.details["recovered"] is True and f.severity.value == "warning"
    assert "a later rekey (frame 9) was accepted" in f.summary and f.frames == (5, 6, 7, 8, 9)


def test_a_delete_after_the_refusal_is_named() -> None:
    seq = v2_init() + AUTH + rekey_exchange(2, 400, 48, 5, 1.0) + [
        sk(37, 3, D, 48, 7, 3.0), sk(37, 3, D, 48, 8, 3.01, False, response=True)]
    (f,) = refused(seq)
    assert "a CHILD SA was deleted 2.0 s after the refusal (frame 7)" in f.summary and 7 in f.frames


def test_a_rekey_collision_is_left_to_the_collision_rule() -> None:
    theirs = [sk(36, 0, N, 400, 5, 1.0, from_i=False), sk(36, 0, N, 48, 8, 1.02, True, response=True)]
    ours = [sk(36, 2, N, 400, 6, 1.005), sk(36, 2, SA, 400, 7, 1.015, False, response=True)]
    assert refused(v2_init() + AUTH + theirs + ours) == []


def v1(frame: int, ts: float, from_i: bool, exchange: int, msgid: int, size: int, enc: bool = True) -> object:
    raw = header(ispi=SPI_I, rspi=SPI_R if frame > 1 else b"\0" * 8, np=8, version=0x10, exchange=exchange,
                 flags=1 if enc else 0, msgid=msgid, body=bytes([frame]) * size)
    return datagram(raw, frame, ts, from_i)


def main_mode() -> list:
    """Main mode whose chosen transform names modp2048 (group 14) and SHA-1."""
    attrs = b"".join(attr_tv(a, v) for a, v in ((1, 7), (2, 2), (3, 1), (4, 14)))
    sa = struct.pack("!II", 1, 1) + proposal(1, 1, [v1_transform(1, 1, attrs, last=True)])
    out = [datagram(message([(1, sa)], ispi=SPI_I, version=0x10, exchange=2, flags=0), 1, 0.0),
           datagram(message([(1, sa)], ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=2, flags=0), 2, 0.01, False)]
    return out + [v1(3, 0.02, True, 2, 0, 300, enc=False), v1(4, 0.03, False, 2, 0, 300, enc=False),
                  v1(5, 0.04, True, 2, 0, 64), v1(6, 0.05, False, 2, 0, 64)]


def quick(frame: int, ts: float, msgid: int, size: int, ok: bool) -> list:
    """Quick mode message 1 of ``size`` encrypted bytes, and either messages 2 and 3 or a refusal."""
    first = v1(frame, ts, True, 32, msgid, size)
    if ok:
        return [first, v1(frame + 1, ts + 0.01, False, 32, msgid, size), v1(frame + 2, ts + 0.02, True, 32, msgid, 48)]
    return [first, v1(frame + 1, ts + 0.01, False, 5, msgid + 1, 64)]


def test_ikev1_quick_mode_rekey_longer_by_a_ke_is_pfs_on_the_requester() -> None:
    seq = main_mode() + quick(7, 0.06, 5, 160, ok=True) + quick(10, 5.0, 9, 432, ok=False)
    fs = run_rules(seq, RULES)
    (f,) = [f for f in fs if f.code == "ike.rekey_refused"]
    assert f.frames == (10, 11) and f.details["request_carries_ke"] is True and f.details["pfs_mismatch"] == "requester"
    assert "272 bytes longer than the quick mode of frame 7" in f.confidence_reason
    assert not [f for f in fs if f.code == "ike.child_sa_rejected"]
    # The same sizes the other way round: the first quick mode had the KE, the rekey none.
    (g,) = refused(main_mode() + quick(7, 0.06, 5, 432, ok=True) + quick(10, 5.0, 9, 160, ok=False))
    assert g.details["request_carries_ke"] is False and g.details["pfs_mismatch"] == "responder"


def test_ikev1_first_quick_mode_refused_is_no_rekey_but_its_size_is_read() -> None:
    with_room = [f for f in run_rules(main_mode() + quick(7, 0.06, 5, 432, ok=False), RULES)]
    (f,) = [f for f in with_room if f.code == "ike.child_sa_rejected"]
    assert "long enough to carry a KE payload" in f.summary and not refused(main_mode() + quick(7, 0.06, 5, 432, False))
    (g,) = [f for f in run_rules(main_mode() + quick(7, 0.06, 5, 160, ok=False), RULES)
            if f.code == "ike.child_sa_rejected"]
    assert "carries no KE payload (it offers no PFS)" in g.summary and g.details["request_carries_ke"] is False


# --- the lab's captures ------------------------------------------------------------------------------

PCAPS = REPO / "pcaps"
# capture -> (the side without the other's PFS setting, refusals in the capture)
REFUSED = {
    "ikev2-rekey-pfs-initiator-only": ("requester", 2),
    "ikev2-rekey-pfs-responder-only": ("responder", 2),
    "ikev2-libreswan-rekey-pfs-mismatch": ("requester", 1),
    "ikev2-rekey-refused-by-libreswan": ("responder", 2),
    "ikev2-rekey-refused-child-expires": ("requester", 1),
    "ikev1-rekey-pfs-mismatch": ("requester", 1),
}
WORKING = ("ikev2-rekey", "ikev2-rekey-pfs", "ikev2-libreswan-rekey", "ikev1-rekey", "ikev1-rekey-pfs")


def analyze(name: str, keys: bool) -> list:
    tables = sorted(PCAPS.glob(f"{name}.ikev*_decryption_table")) if keys else []
    settings = api.Settings(keys=load_key_files(tables)) if tables else api.Settings()
    return [f for r in api.analyze([PCAPS / f"{name}.pcap"], settings).results for f in r.findings]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_lab_refused_rekeys_without_keys(name: str) -> None:
    side, count = REFUSED[name]
    fs = analyze(name, keys=False)
    (f,) = [f for f in fs if f.code == "ike.rekey_refused"]
    assert f.root_cause and f.confidence.value == "likely" and f.severity.value == "error"
    assert f.details["pfs_mismatch"] == side and f.details["refusals"] == count
    assert f.details["request_carries_ke"] is (side == "requester")
    assert not [g for g in fs if g.code in ("ike.child_sa_rejected", "ike.child_proposal_mismatch")]
    # PFS is the summary's first candidate; the other causes that leave the same packets follow it.
    assert [a.code for a in f.alternatives] == ["ike.child_proposal_mismatch", "ike.ts_mismatch", None]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_lab_refused_rekeys_with_keys(name: str) -> None:
    side, count = REFUSED[name]
    fs = analyze(name, keys=True)
    (f,) = [f for f in fs if f.code == "ike.rekey_refused"]
    assert f.root_cause and f.confidence.value == "certain" and f.details["notify"] in ("NO_PROPOSAL_CHOSEN",
                                                                                     "NO-PROPOSAL-CHOSEN")
    assert f.details["pfs_mismatch"] == side and f.details["refusals"] == count
    assert not [g for g in fs if g.code == "ike.child_proposal_mismatch"]
    assert f.alternatives == ()  # the notify and the proposals compared leave nothing else


@pytest.mark.parametrize("keys", [False, True])
def test_lab_what_became_of_the_old_child_sa(keys: bool) -> None:
    """Kept (and the rekey retried) or deleted without a replacement: the tunnel's fate is in the summary."""
    (kept,) = [f for f in analyze("ikev2-libreswan-rekey-pfs-mismatch", keys) if f.code == "ike.rekey_refused"]
    assert "the old CHILD SA was kept" in kept.summary and not kept.details["recovered"]
    (gone,) = [f for f in analyze("ikev2-rekey-refused-child-expires", keys) if f.code == "ike.rekey_refused"]
    assert "deleted" in gone.summary and "without a replacement" in gone.summary
    assert gone.frames[-1] > max(e.frame for e in gone.evidence[:2])  # the delete is evidence too


@pytest.mark.parametrize("name", WORKING)
@pytest.mark.parametrize("keys", [False, True])
def test_lab_accepted_rekeys_are_no_refusal(name: str, keys: bool) -> None:
    fs = analyze(name, keys)
    assert not [f for f in fs if f.code == "ike.rekey_refused" or f.severity.value == "error"]


def test_lab_new_child_sa_with_a_ke_names_pfs_first() -> None:
    (f,) = [f for f in analyze("ikev2-pfs-mismatch", keys=False) if f.code == "ike.child_sa_rejected"]
    assert f.details["request_carries_ke"] is True and "PFS on the initiator only is the first candidate" in f.summary
    (g,) = [f for f in analyze("ikev2-pfs-mismatch", keys=True) if f.code == "ike.child_proposal_mismatch"]
    assert "add PFS (modp2048) to the algorithms the responder accepted in IKE_AUTH" in g.summary


def test_lab_ikev1_quick_mode_sizes_with_and_without_pfs() -> None:
    (f,) = [f for f in analyze("ikev1-pfs-mismatch", keys=False) if f.code == "ike.child_sa_rejected"]
    assert "long enough to carry a KE payload" in f.summary
    (g,) = [f for f in analyze("ikev1-qm-proposal-mismatch", keys=False) if f.code == "ike.child_sa_rejected"]
    assert g.details["request_carries_ke"] is False
    (h,) = [f for f in analyze("ikev1-pfs-mismatch", keys=True) if f.code == "ike.child_proposal_mismatch"]
    assert h.details["pfs"].startswith("they ask for PFS (modp2048)")
