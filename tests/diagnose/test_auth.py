"""ike.auth_failed and ike.user_auth_failed from hand-built exchanges and from the lab's
wrong-key and wrong-password captures."""

from __future__ import annotations

import struct

from helpers import REPO, header, message, payload, proposal, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.rules import SA_RULES, auth
from ikescope.model import Datagram
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

I_ADDR, R_ADDR = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8
CODE = "ike.auth_failed"


def dg(raw: bytes, frame: int, ts: float, from_i: bool = True) -> Datagram:
    src, dst = (I_ADDR, R_ADDR) if from_i else (R_ADDR, I_ADDR)
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=500, dport=500, transport="udp",
                    encap="plain", payload=raw)


def v2_init(frame: int) -> list[Datagram]:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 32), (40, b"\x02" * 32)]
    return [dg(message(items, ispi=SPI_I, exchange=34, flags=0x08), frame, 0.0),
            dg(message(items, ispi=SPI_I, rspi=SPI_R, exchange=34, flags=0x20), frame + 1, 0.01, False)]


def sk(exchange: int, msgid: int, flags: int, inner: int, frame: int, ts: float, from_i: bool,
       body: bytes = b"\x00" * 48) -> Datagram:
    raw = header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=exchange, flags=flags, msgid=msgid,
                 body=payload(inner, body))
    return dg(raw, frame, ts, from_i)


def v2_notify(ntype: int) -> tuple[int, bytes]:
    return (41, struct.pack("!BBH", 0, 0, ntype))


def v1(frame: int, ts: float, from_i: bool, exchange: int = 2, enc: bool = False, msgid: int = 0,
       items: list | None = None, body: bytes | None = None) -> Datagram:
    rspi = b"\0" * 8 if frame == 1 else SPI_R
    if enc:
        raw = header(ispi=SPI_I, rspi=rspi, np=8, version=0x10, exchange=exchange, flags=1, msgid=msgid,
                     body=body or bytes([frame]) * 32)
    else:
        raw = message(items or [(13, bytes([frame]) * 16)], ispi=SPI_I, rspi=rspi, version=0x10,
                      exchange=exchange, flags=0, msgid=msgid)
    return dg(raw, frame, ts, from_i)


def v1_notify(ntype: int) -> tuple[int, bytes]:
    return (11, struct.pack("!IBBH", 1, 1, 0, ntype))


def main_mode_to_4() -> list[Datagram]:
    return [v1(1, 0.0, True), v1(2, 0.01, False), v1(3, 0.02, True), v1(4, 0.03, False)]


def findings(seq: list[Datagram]) -> list:
    tr = Tracker()
    for d in seq:
        tr.feed(d, decode_message(d.payload))
    diag = Diagnoser(sa_rules=auth.SA_RULES)
    return [f for sa in tr.close_all() for f in diag.sa_closed(sa) if f.code == CODE]


def test_registered() -> None:
    assert auth.auth_failed in SA_RULES


def test_v2_readable_authentication_failed_is_likely_with_the_identity_as_alternative() -> None:
    """The notify is readable, but a refused identity sends the same bytes as a wrong key."""
    seq = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True),
                        dg(message([v2_notify(24)], ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x20, msgid=1),
                           4, 0.03, False)]
    (f,) = findings(seq)
    assert f.confidence.value == "likely" and f.frames == (3, 4) and f.root_cause
    assert [a.code for a in f.alternatives] == ["ike.id_mismatch"]
    assert f.confidence_reason.startswith("the AUTHENTICATION_FAILED notify is readable")
    assert f.details["refused_by"] == "responder" and "AUTHENTICATION_FAILED" in f.summary


def test_v2_encrypted_notify_first_that_ends_the_sa_is_likely() -> None:
    seq = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True), sk(35, 1, 0x20, 41, 4, 0.03, False)]
    (f,) = findings(seq)
    assert f.confidence.value == "likely" and f.frames == (3, 4)
    assert "save-keys" in f.confidence_reason and f.exchange == 1


def test_v2_notify_first_but_sa_goes_on_is_not_an_auth_failure() -> None:
    seq = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True), sk(35, 1, 0x20, 41, 4, 0.03, False),
                        sk(36, 2, 0x08, 33, 5, 1.0, True), sk(36, 2, 0x20, 33, 6, 1.01, False)]
    assert findings(seq) == []


def test_v2_initiator_rejects_the_responder() -> None:
    seq = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True), sk(35, 1, 0x20, 36, 4, 0.03, False),
                        sk(37, 2, 0x08, 41, 5, 0.04, True)]
    (f,) = findings(seq)
    assert f.confidence.value == "likely" and f.details["refused_by"] == "initiator" and f.frames == (4, 5)
    # A delete long after a working SA is nothing of the kind.
    ok = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True), sk(35, 1, 0x20, 36, 4, 0.03, False),
                       sk(37, 2, 0x08, 41, 5, 60.0, True)]
    assert findings(ok) == []


def test_v1_main_mode_message_5_retransmitted_to_a_live_responder() -> None:
    mm5 = v1(5, 0.04, True, enc=True)
    copies = [Datagram(frames=(6 + i,), ts=1.0 + i, src=I_ADDR, dst=R_ADDR, sport=500, dport=500, transport="udp",
                       encap="plain", payload=mm5.payload) for i in range(3)]
    (f,) = findings(main_mode_to_4() + [mm5] + copies)
    assert f.confidence.value == "likely" and f.details["retransmissions"] == 3
    assert f.frames == (4, 5, 6, 7, 8) and "pre-shared keys differ" in f.summary


def test_v1_message_5_answered_by_encrypted_informationals() -> None:
    seq = main_mode_to_4() + [v1(5, 0.04, True, enc=True), v1(6, 0.05, False, exchange=5, enc=True, msgid=77)]
    (f,) = findings(seq)
    assert f.details["informationals"] == 1 and f.frames == (4, 5, 6)


def test_v1_message_5_at_capture_end_says_nothing() -> None:
    assert findings(main_mode_to_4() + [v1(5, 0.04, True, enc=True)]) == []
    # Message 6 came back: authentication worked.
    assert findings(main_mode_to_4() + [v1(5, 0.04, True, enc=True), v1(6, 0.05, False, enc=True),
                                        v1(7, 1.0, True, enc=True), v1(8, 2.0, True, enc=True)]) == []


def test_v1_readable_invalid_hash_is_certain() -> None:
    seq = main_mode_to_4() + [v1(5, 0.04, True, enc=True),
                              v1(6, 0.05, False, exchange=5, msgid=9, items=[v1_notify(23)])]
    (f,) = findings(seq)
    assert f.confidence.value == "certain" and f.details["name"] == "INVALID-HASH-INFORMATION"
    seq[-1] = v1(6, 0.05, False, exchange=5, msgid=9, items=[v1_notify(16)])
    (f,) = findings(seq)
    assert f.confidence.value == "likely" and f.details["notify"] == 16


def test_v1_aggressive_mode_refused_after_message_3() -> None:
    am = [v1(1, 0.0, True, exchange=4), v1(2, 0.01, False, exchange=4), v1(3, 0.02, True, exchange=4, enc=True),
          v1(4, 0.03, False, exchange=5, msgid=5, enc=True)]
    (f,) = findings(am)
    assert f.confidence.value == "likely" and f.frames == (2, 3, 4) and "message 3" in f.summary
    # The initiator refusing message 2 instead of sending message 3.
    (f,) = findings(am[:2] + [v1(3, 0.02, True, exchange=5, msgid=5, enc=True)])
    assert "message 2" in f.summary and f.frames == (2, 3)


def test_v1_aggressive_refused_at_once_is_not_authentication() -> None:
    """An answer to message 1 comes before any proof was checked: that is a policy refusal."""
    seq = [v1(1, 0.0, True, exchange=4), v1(2, 0.01, False, exchange=5, msgid=3, items=[v1_notify(24)])]
    assert findings(seq) == []


def lab(name: str) -> list:
    report = api.analyze([REPO / "pcaps" / name])
    return [f for r in report.results for f in r.findings if f.code == CODE]


def test_lab_ikev2_wrong_psk() -> None:
    (f,) = lab("ikev2-psk-mismatch.pcap")
    assert f.root_cause and f.confidence.value == "likely"


def test_lab_ikev1_wrong_psk() -> None:
    (f,) = lab("ikev1-psk-mismatch.pcap")
    assert f.root_cause and f.details["informationals"] >= 1


def keyed(name: str, code: str) -> list:
    tables = sorted((REPO / "pcaps").glob(name.replace(".pcap", ".ikev*_decryption_table")))
    report = api.analyze([REPO / "pcaps" / name], api.Settings(keys=load_key_files(tables)))
    return [f for r in report.results for f in r.findings if f.code == code]


def test_lab_keys_read_the_ikev2_refusal() -> None:
    """The same rule, no change: decrypted notifies are simply readable (and as ambiguous)."""
    (f,) = keyed("ikev2-psk-mismatch.pcap", CODE)
    assert f.confidence.value == "likely" and f.root_cause and f.details["refused_by"] == "responder"
    assert "(decrypted)" in f.confidence_reason and f.alternatives


def test_lab_keys_show_ikev1_payload_malformed() -> None:
    (f,) = keyed("ikev1-psk-mismatch.pcap", CODE)
    assert f.details["name"] == "PAYLOAD-MALFORMED" and f.root_cause


USER = "ike.user_auth_failed"


def user_findings(seq: list[Datagram], end: float) -> tuple[object, list]:
    """The SA closed at capture time ``end`` and every finding on it."""
    tr = Tracker()
    for d in seq:
        tr.feed(d, decode_message(d.payload))
    (sa,) = tr.close_all(end)
    return sa, Diagnoser().sa_closed(sa)


def eap_rounds(final: bool) -> list[Datagram]:
    """IKE_AUTH with EAP: the responder's identity and an EAP request, two EAP round trips, and
    with ``final`` the initiator's AUTH and the responder's."""
    seq = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True), sk(35, 1, 0x20, 36, 4, 0.03, False),
                        sk(35, 2, 0x08, 48, 5, 0.04, True), sk(35, 2, 0x20, 48, 6, 0.05, False),
                        sk(35, 3, 0x08, 48, 7, 0.06, True), sk(35, 3, 0x20, 48, 8, 0.07, False)]
    if final:
        seq += [sk(35, 4, 0x08, 39, 9, 0.08, True), sk(35, 4, 0x20, 39, 10, 0.09, False)]
    return seq


def test_eap_that_ends_on_the_responders_eap_message_refused_the_user() -> None:
    sa, fs = user_findings(eap_rounds(final=False), end=6.0)
    assert sa.outcome == "failed" and "EAP" in sa.outcome_detail
    (f,) = [f for f in fs if f.code == USER]
    assert f.root_cause and f.confidence.value == "likely" and f.frames == (7, 8)
    assert f.details == {"ike_auth_rounds": 3} and not [f for f in fs if f.code == CODE]


def test_eap_followed_by_the_final_auth_is_a_success() -> None:
    sa, fs = user_findings(eap_rounds(final=True), end=6.0)
    assert sa.outcome == "established" and not [f for f in fs if f.severity.value == "error"]


def test_eap_cut_by_the_end_of_the_capture_claims_nothing() -> None:
    sa, fs = user_findings(eap_rounds(final=False), end=0.5)
    assert sa.outcome == "incomplete" and not [f for f in fs if f.code == USER]


def main_mode_up() -> list[Datagram]:
    return main_mode_to_4() + [v1(5, 0.04, True, enc=True), v1(6, 0.05, False, enc=True)]


def xauth(with_ack: bool = True) -> list[Datagram]:
    """The gateway (responder) asks for credentials and sets the status; the client answers both."""
    seq = [v1(7, 0.06, False, exchange=6, enc=True, msgid=11), v1(8, 0.07, True, exchange=6, enc=True, msgid=11),
           v1(9, 0.08, False, exchange=6, enc=True, msgid=12)]
    return seq + ([v1(10, 0.09, True, exchange=6, enc=True, msgid=12)] if with_ack else [])


def test_xauth_then_silence_refused_the_user() -> None:
    sa, fs = user_findings(main_mode_up() + xauth(), end=8.0)
    assert sa.outcome == "failed"
    (f,) = [f for f in fs if f.code == USER]
    assert f.confidence.value == "likely" and f.details == {"xauth_messages": 4, "deleted": False}
    assert "responder asked for XAuth" in f.summary and f.root_cause
    assert [f.severity.value for f in fs if f.code == "ike.xauth_cfg"] == ["info"]


def test_xauth_then_a_delete_refused_the_user_at_once() -> None:
    """libreswan's client deletes the SA on XAUTH-STATUS FAIL without acknowledging it."""
    seq = main_mode_up() + xauth(with_ack=False) + [v1(10, 0.09, True, exchange=5, enc=True, msgid=13)]
    sa, fs = user_findings(seq, end=0.1)
    (f,) = [f for f in fs if f.code == USER]
    assert f.details["deleted"] is True and f.frames[-1] == 10


def test_xauth_then_quick_mode_let_the_user_in() -> None:
    seq = main_mode_up() + xauth() + [v1(11, 0.1, True, exchange=32, enc=True, msgid=21),
                                      v1(12, 0.11, False, exchange=32, enc=True, msgid=21)]
    sa, fs = user_findings(seq, end=8.0)
    assert sa.outcome == "established" and not [f for f in fs if f.code == USER]


def test_lab_wrong_user_passwords() -> None:
    """strongSwan's client falls silent after XAUTH-STATUS FAIL, libreswan's deletes the SA, and
    an IKEv2 client refused by EAP-Failure says AUTHENTICATION_FAILED in an INFORMATIONAL."""
    for name, deleted in (("ikev1-xauth-failed.pcap", False), ("ikev1-libreswan-xauth-failed.pcap", True)):
        (f,) = [f for f in lab_all(name) if f.root_cause]
        assert f.code == USER and f.confidence.value == "likely" and f.details["deleted"] is deleted, name
        (k,) = keyed(name, USER)
        assert k.confidence.value == "certain" and k.details == {"xauth_status": 0}, name
    (f,) = [f for f in lab_all("ikev2-eap-md5-failed.pcap") if f.root_cause]
    assert f.code == USER and f.confidence.value == "likely" and f.details["ike_auth_rounds"] == 3
    (k,) = keyed("ikev2-eap-md5-failed.pcap", USER)
    assert k.confidence.value == "certain" and k.details["eap_failure"] is True
    # The initiator's AUTHENTICATION_FAILED, readable with the keys, is about EAP, not the responder.
    assert keyed("ikev2-eap-md5-failed.pcap", CODE) == []


def test_lab_eap_success_is_no_failure() -> None:
    assert not [f for f in lab_all("ikev2-eap-md5-success.pcap") if f.severity.value == "error"]


def lab_all(name: str) -> list:
    return [f for r in api.analyze([REPO / "pcaps" / name]).results for f in r.findings]
