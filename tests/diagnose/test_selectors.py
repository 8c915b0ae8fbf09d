"""ike.ts_mismatch, ike.id_mismatch, ike.ts_narrowed and ike.child_sa_rejected, by hand and on lab captures."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import replace

from helpers import REPO, header, message, payload, proposal, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.rules import SA_RULES, selectors
from ikescope.model import Datagram, Severity
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

I_ADDR, R_ADDR = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8


def dg(raw: bytes, frame: int, ts: float, from_i: bool = True) -> Datagram:
    src, dst = (I_ADDR, R_ADDR) if from_i else (R_ADDR, I_ADDR)
    return Datagram(frames=(frame,), ts=ts, src=src, dst=dst, sport=500, dport=500, transport="udp",
                    encap="plain", payload=raw)


def v2_init(frame: int, ispi: bytes = SPI_I, from_i: bool = True) -> list[Datagram]:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 32), (40, b"\x02" * 32)]
    return [dg(message(items, ispi=ispi, exchange=34, flags=0x08), frame, frame * 0.01, from_i),
            dg(message(items, ispi=ispi, rspi=SPI_R, exchange=34, flags=0x20), frame + 1, frame * 0.01 + 0.005,
               not from_i)]


def sk(exchange: int, msgid: int, flags: int, inner: int, frame: int, ts: float, from_i: bool,
       size: int = 48, ispi: bytes = SPI_I) -> Datagram:
    raw = header(ispi=ispi, rspi=SPI_R, np=46, exchange=exchange, flags=flags, msgid=msgid,
                 body=payload(inner, b"\x00" * size))
    return dg(raw, frame, ts, from_i)


def ts_body(*nets: str) -> bytes:
    out = b""
    for n in nets:
        net = ipaddress.ip_network(n)
        out += struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + net.network_address.packed + net.broadcast_address.packed
    return struct.pack("!B3x", len(nets)) + out


def clear_auth(frame: int, ts: float, response: bool, items: list) -> Datagram:
    return dg(message(items, ispi=SPI_I, rspi=SPI_R, exchange=35, flags=0x20 if response else 0x08, msgid=1),
              frame, ts, not response)


def v1(frame: int, ts: float, from_i: bool, exchange: int = 2, enc: bool = False, msgid: int = 0,
       items: list | None = None) -> Datagram:
    rspi = b"\0" * 8 if frame == 1 else SPI_R
    if enc:
        raw = header(ispi=SPI_I, rspi=rspi, np=8, version=0x10, exchange=exchange, flags=1, msgid=msgid,
                     body=bytes([frame]) * 32)
    else:
        raw = message(items or [(13, bytes([frame]) * 16)], ispi=SPI_I, rspi=rspi, version=0x10,
                      exchange=exchange, flags=0, msgid=msgid)
    return dg(raw, frame, ts, from_i)


def v1_notify(ntype: int) -> tuple[int, bytes]:
    return (11, struct.pack("!IBBH", 1, 1, 0, ntype))


def main_mode() -> list[Datagram]:
    return [v1(1, 0.0, True), v1(2, 0.01, False), v1(3, 0.02, True), v1(4, 0.03, False),
            v1(5, 0.04, True, enc=True), v1(6, 0.05, False, enc=True)]


def findings(seq: list[Datagram], code: str) -> list:
    tr = Tracker()
    for d in seq:
        tr.feed(d, decode_message(d.payload))
    diag = Diagnoser(sa_rules=selectors.SA_RULES)
    return [f for sa in tr.close_all() for f in diag.sa_closed(sa) if f.code == code]


def test_registered() -> None:
    assert set(selectors.SA_RULES) <= set(SA_RULES)


def test_readable_ts_unacceptable_and_one_sided_tunnel() -> None:
    request = clear_auth(3, 0.02, False, [(35, struct.pack("!B3x", 1) + bytes(4)),
                                          (44, ts_body("198.51.100.0/25")), (45, ts_body("10.0.0.0/24"))])
    refusal = clear_auth(4, 0.03, True, [(36, struct.pack("!B3x", 1) + bytes(4)),
                                         (41, struct.pack("!BBH", 0, 0, 38))])
    # The other peer started the same tunnel earlier and it came up.
    other = v2_init(1, ispi=b"\x33" * 8, from_i=False) + [
        sk(35, 1, 0x08, 35, 3, 0.02, False, ispi=b"\x33" * 8), sk(35, 1, 0x20, 36, 4, 0.03, True, ispi=b"\x33" * 8)]
    ours = [replace(d, frames=(d.frame + 10,), ts=d.ts + 100) for d in v2_init(1) + [request, refusal]]
    (f,) = findings(other + ours, "ike.ts_mismatch")
    assert f.confidence.value == "certain" and f.frames == (13, 14)
    assert f.details["requested_TSi"] == ["198.51.100.0/25"] and f.details["works_from_other_side"] == 1
    assert "came up when the other peer initiated" in f.summary


def test_readable_invalid_id_information_in_quick_mode_and_phase_1() -> None:
    seq = main_mode() + [v1(7, 0.06, True, exchange=32, enc=True, msgid=5),
                         v1(8, 0.07, False, exchange=5, msgid=6, items=[v1_notify(18)])]
    (f,) = findings(seq, "ike.id_mismatch")
    assert f.confidence.value == "certain" and f.details["phase"] == 2 and f.frames == (7, 8)
    ident = (5, struct.pack("!BBH", 2, 0, 0) + b"gw.example")  # ID_FQDN
    seq = [v1(1, 0.0, True), v1(2, 0.01, False), v1(3, 0.02, True, exchange=4, items=[ident]),
           v1(4, 0.03, False, exchange=5, msgid=6, items=[v1_notify(18)])]
    (f,) = findings(seq, "ike.id_mismatch")
    assert f.details["phase"] == 1 and f.details["identity"] == "gw.example" and f.frames == (3, 4)


def test_v2_identity_asked_for_is_not_the_one_the_responder_uses() -> None:
    def fqdn(ptype: int, name: str) -> tuple[int, bytes]:
        return (ptype, struct.pack("!B3x", 3) + name.encode())
    other = b"\x33" * 8
    # Earlier, the other peer started a negotiation and showed its identity (readable here, as with keys).
    earlier = [dg(message([fqdn(35, "bob@example.org"), fqdn(36, "alice@example.org")], ispi=other, rspi=SPI_R,
                          exchange=35, flags=0x08, msgid=1), 1, 0.0, False)]
    request = clear_auth(3, 10.02, False, [fqdn(35, "alice@example.org"), fqdn(36, "carol@example.org")])
    refusal = clear_auth(4, 10.03, True, [(41, struct.pack("!BBH", 0, 0, 24))])
    (f,) = findings(earlier + [request, refusal], "ike.id_mismatch")
    assert f.details == {"requested": "carol@example.org", "known": "bob@example.org"} and f.frames == (1, 3, 4)
    assert f.confidence.value == "likely"
    assert findings([request, refusal], "ike.id_mismatch") == []


def test_narrowed_selectors_in_clear() -> None:
    request = clear_auth(3, 0.02, False, [(44, ts_body("10.1.0.0/16")), (45, ts_body("10.2.0.0/16"))])
    response = clear_auth(4, 0.03, True, [(44, ts_body("10.1.0.0/24")), (45, ts_body("10.2.0.0/16"))])
    (f,) = findings(v2_init(1) + [request, response], "ike.ts_narrowed")
    assert f.severity is Severity.WARNING and f.details["narrowed"] == ["TSi"]
    assert f.details["granted_TSi"] == ["10.1.0.0/24"] and "10.1.0.0/16" in f.summary
    # A client asking for an address (CP) is narrowed to the one it gets: by design.
    client = clear_auth(3, 0.02, False, [(47, struct.pack("!B3x", 1)), (44, ts_body("0.0.0.0/0")),
                                         (45, ts_body("10.2.0.0/16"))])
    given = clear_auth(4, 0.03, True, [(47, struct.pack("!B3x", 2)), (44, ts_body("10.9.0.7/32")),
                                       (45, ts_body("10.2.0.0/16"))])
    assert findings(v2_init(1) + [client, given], "ike.ts_narrowed") == []
    same = clear_auth(4, 0.03, True, [(44, ts_body("10.1.0.0/16")), (45, ts_body("10.2.0.0/16"))])
    assert findings(v2_init(1) + [request, same], "ike.ts_narrowed") == []


def test_ike_auth_response_too_short_for_a_child_sa() -> None:
    seq = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True, size=160), sk(35, 1, 0x20, 36, 4, 0.03, False, size=60)]
    (f,) = findings(seq, "ike.child_sa_rejected")
    assert f.confidence.value == "likely" and f.details["too_short"] and f.frames == (3, 4)
    assert "decrypt to tell which" in f.summary
    roomy = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True, size=160),
                          sk(35, 1, 0x20, 36, 4, 0.03, False, size=160)]
    assert findings(roomy, "ike.child_sa_rejected") == []
    childless = v2_init(1) + [sk(35, 1, 0x08, 35, 3, 0.02, True, size=60),
                              sk(35, 1, 0x20, 36, 4, 0.03, False, size=60)]
    assert findings(childless, "ike.child_sa_rejected") == []


def test_initiator_deletes_the_new_ike_sa_at_once() -> None:
    auth = [sk(35, 1, 0x08, 35, 3, 0.02, True, size=160), sk(35, 1, 0x20, 36, 4, 0.03, False, size=160)]
    ike_delete = [sk(37, 2, 0x08, 42, 5, 0.04, True), sk(37, 2, 0x20, 0, 6, 0.05, False)]
    (f,) = findings(v2_init(1) + auth + ike_delete, "ike.child_sa_rejected")
    assert f.details["ike_sa_deleted_frame"] == 5 and not f.details["too_short"] and f.frames == (3, 4, 5)
    # A CHILD SA deleted first (the answer carries the peer's Delete) is an ordinary teardown.
    child_delete = [sk(37, 2, 0x08, 42, 5, 0.04, True), sk(37, 2, 0x20, 42, 6, 0.05, False)]
    assert findings(v2_init(1) + auth + child_delete, "ike.child_sa_rejected") == []


def test_create_child_sa_answered_by_a_notify() -> None:
    auth = [sk(35, 1, 0x08, 35, 3, 0.02, True, size=160), sk(35, 1, 0x20, 36, 4, 0.03, False, size=160)]
    new_child = [sk(36, 2, 0x08, 33, 5, 1.0, True), sk(36, 2, 0x20, 41, 6, 1.01, False)]
    (f,) = findings(v2_init(1) + auth + new_child, "ike.child_sa_rejected")
    assert f.severity is Severity.ERROR and not f.details["rekey"] and f.frames == (5, 6)
    # A CHILD SA rekey (the request opens with N(REKEY_SA)) refused the same way is ike.rekey_refused's.
    rekey = [sk(36, 2, 0x08, 41, 5, 1.0, True), sk(36, 2, 0x20, 41, 6, 1.01, False)]
    assert findings(v2_init(1) + auth + rekey, "ike.child_sa_rejected") == []


def test_quick_mode_answered_by_an_encrypted_informational() -> None:
    seq = main_mode() + [v1(7, 0.06, True, exchange=32, enc=True, msgid=5),
                         v1(8, 0.07, False, exchange=5, enc=True, msgid=6)]
    (f,) = findings(seq, "ike.child_sa_rejected")
    assert f.confidence.value == "likely" and f.frames == (7, 8) and "INVALID-ID-INFORMATION" in f.summary
    ok = main_mode() + [v1(7, 0.06, True, exchange=32, enc=True, msgid=5),
                        v1(8, 0.07, False, exchange=32, enc=True, msgid=5)]
    assert findings(ok, "ike.child_sa_rejected") == []


def lab(name: str, code: str) -> list:
    report = api.analyze([REPO / "pcaps" / name])
    return [f for r in report.results for f in r.findings if f.code == code]


def test_lab_ikev2_ts_mismatch_without_keys() -> None:
    (f,) = lab("ikev2-ts-mismatch.pcap", "ike.child_sa_rejected")
    assert f.root_cause and f.details["too_short"]


def test_lab_ikev1_quick_mode_refusals_without_keys() -> None:
    for name in ("ikev1-id-mismatch.pcap", "ikev1-qm-proposal-mismatch.pcap"):
        (f,) = lab(name, "ike.child_sa_rejected")
        assert f.root_cause, name


def test_lab_successes_have_no_selector_findings() -> None:
    for name in ("ikev2-psk-success.pcap", "ikev2-delete.pcap", "ikev2-rekey.pcap", "ikev1-main-psk-success.pcap"):
        report = api.analyze([REPO / "pcaps" / name])
        assert report.results, name
        codes = {e.code for e in selectors.ENTRIES}
        assert [f.code for r in report.results for f in r.findings if f.code in codes] == [], name


def keyed(name: str, code: str) -> list:
    path = REPO / "pcaps" / name
    tables = sorted((REPO / "pcaps").glob(name.replace(".pcap", ".ikev*_decryption_table")))
    report = api.analyze([path], api.Settings(keys=load_key_files(tables)))
    return [f for r in report.results for f in r.findings if f.code == code]


def test_lab_keys_name_the_refusal() -> None:
    (f,) = keyed("ikev2-ts-mismatch.pcap", "ike.ts_mismatch")
    assert f.root_cause and f.confidence.value == "certain"
    assert keyed("ikev2-ts-mismatch.pcap", "ike.child_sa_rejected") == []
    (f,) = keyed("ikev1-id-mismatch.pcap", "ike.id_mismatch")
    assert f.root_cause and f.details["phase"] == 2


def test_lab_keys_show_narrowed_selectors() -> None:
    (f,) = keyed("ikev2-ts-narrowed.pcap", "ike.ts_narrowed")
    assert f.severity is Severity.WARNING and f.details["narrowed"]
