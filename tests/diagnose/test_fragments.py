"""Lost IP fragments, incomplete IKE fragment sets and large unfragmented messages."""

from __future__ import annotations

import struct
from pathlib import Path

import dpkt

from helpers import REPO, datagram, header, message, need_corpus, payload, proposal, run_rules, v2_transform
from ikescope import api
from ikescope.diagnose.rules import fragments
from ikescope.model import Datagram, Frame
from ikescope.net import Demux

A, B = "192.0.2.1", "198.51.100.2"
SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8


def dg(raw: bytes, frame: int, ts: float, from_a: bool = True, frames: tuple[int, ...] = ()) -> Datagram:
    return datagram(raw, frame, ts, from_a, a=A, b=B, frames=frames)


def run(seq: list[Datagram]) -> list:
    return run_rules(seq, fragments.SA_RULES)


def sa_init(resp: bool = False, frag_support: bool = False) -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12), v2_transform(4, 19, last=True)])
    items = [(33, sa), (34, struct.pack("!HH", 19, 0) + b"\x01" * 64), (40, b"\x02" * 32)]
    if frag_support:
        items.append((41, struct.pack("!BBH", 0, 0, 16430)))
    return message(items, ispi=SPI_I, rspi=SPI_R if resp else b"\0" * 8, exchange=34, flags=0x20 if resp else 0x08)


def skf(number: int, total: int, flags: int = 0x08, msgid: int = 1) -> bytes:
    """An IKE_AUTH fragment (RFC 7383 2.5): Fragment Number and Total Fragments before the IV."""
    body = struct.pack("!HH", number, total) + bytes([number]) * 600
    return header(ispi=SPI_I, rspi=SPI_R, np=53, exchange=35, flags=flags, msgid=msgid, body=payload(35, body))


def big_auth() -> bytes:
    return header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=35, flags=0x08, msgid=1, body=payload(35, b"\0" * 3000))


def test_ikev2_fragment_set_with_a_gap() -> None:
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False),
              dg(skf(1, 3), 3, 0.02), dg(skf(3, 3), 4, 0.03), dg(skf(1, 3), 5, 2.0), dg(skf(3, 3), 6, 2.01)])
    (f,) = [f for f in fs if f.code == "ike.fragments_incomplete"]
    assert f.details["received"] == [1, 3] and f.details["total"] == 3 and "fragments 2 of 3" in f.summary
    assert f.severity.value == "error" and f.frames == (3, 4, 5, 6)


def test_a_storm_of_incomplete_messages_in_one_sa_is_three_findings_and_a_count() -> None:
    seq = [dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False)]
    seq += [dg(skf(1, 2, msgid=m), m + 2, 0.02 * m) for m in range(1, 51)]
    fs = [f for f in run(seq) if f.code == "ike.fragments_incomplete"]
    assert [f.details.get("message_id") for f in fs] == [1, 2, 3, None]
    assert fs[-1].details["more_messages"] == 47 and fs[-1].severity.value == "warning"
    assert fs[-1].summary == ("47 more IKE_AUTH messages of this SA were sent as IKE fragments and never completed "
                              "either (message IDs 4 to 50)")


def test_complete_or_answered_fragment_sets_are_fine() -> None:
    whole = [dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False),
             dg(skf(1, 2), 3, 0.02), dg(skf(2, 2), 4, 0.03)]
    assert run(whole) == []
    answered = whole[:3] + [dg(skf(1, 1, flags=0x20), 5, 0.05, False)]
    assert not [f for f in run(answered) if f.code == "ike.fragments_incomplete"]


def test_large_request_without_fragmentation_support() -> None:
    fs = run([dg(sa_init(frag_support=True), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False),
              dg(big_auth(), 5, 0.1, frames=(3, 4, 5)), dg(big_auth(), 8, 2.1, frames=(6, 7, 8)),
              dg(big_auth(), 11, 6.1, frames=(9, 10, 11))])
    (f,) = [f for f in fs if f.code == "ike.large_unfragmented"]
    assert f.confidence.value == "likely" and f.frames == (5, 8, 11)
    assert "only the initiator announced IKE fragmentation" in f.summary
    assert f.details["fragmentation"] == {"initiator": True, "responder": False}


def test_ikev1_main_mode_message_5_with_certificates_in_ip_fragments() -> None:
    def mm(n: int, body: bytes, from_a: bool, frame: int, ts: float, frames: tuple[int, ...] = ()) -> Datagram:
        raw = header(ispi=SPI_I, rspi=b"\0" * 8 if n == 1 else SPI_R, np=0 if n >= 5 else 13, version=0x10,
                     exchange=2, flags=1 if n >= 5 else 0, body=body if n >= 5 else payload(0, body))
        return dg(raw, frame, ts, from_a, frames)
    big = b"\x05" * 2400
    seq = [mm(1, b"\x01" * 16, True, 1, 0.0), mm(2, b"\x02" * 16, False, 2, 0.01), mm(3, b"\x03" * 16, True, 3, 0.02),
           mm(4, b"\x04" * 16, False, 4, 0.03), mm(5, big, True, 6, 0.04, (5, 6)), mm(5, big, True, 8, 3.0, (7, 8))]
    (f,) = [f for f in run(seq) if f.code == "ike.large_unfragmented"]
    assert f.frames == (6, 8) and "2 IP fragments" in f.summary and f.confidence.value == "likely"


def test_small_unanswered_request_is_not_about_size() -> None:
    small = header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=35, flags=0x08, msgid=1, body=payload(35, b"\0" * 300))
    fs = run([dg(sa_init(), 1, 0.0), dg(sa_init(resp=True), 2, 0.01, False), dg(small, 3, 0.1), dg(small, 4, 4.1)])
    assert fs == []


def ipv4_first_fragment(frame: int) -> Frame:
    """An Ethernet frame holding the first fragment of a UDP 500 datagram whose rest never comes."""
    udp = struct.pack("!HHHH", 500, 500, 2008, 0) + sa_init()[:28] + b"\0" * 1004
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, 0x2000, 64, 17, 0,
                     bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2])) + udp
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
    return Frame(index=frame, ts=10.0, linktype=1, data=eth, wirelen=len(eth))


def test_net_layer_incomplete_datagram_becomes_a_finding() -> None:
    dm = Demux()
    events = dm.feed(ipv4_first_fragment(7)) + dm.flush()
    fs = [f for ev in events if not isinstance(ev, Datagram) for f in fragments.fragments_lost(ev)]
    (f,) = fs
    assert f.code == "net.fragments_lost" and f.frames == (7,) and f.severity.value == "error"
    assert "192.0.2.1" in f.summary and f.confidence.value == "likely"


# --- real captures, and real captures with packets taken out -------------------------------------

def without(src: Path, dst: Path, drop: set[int]) -> Path:
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        reader = dpkt.pcap.Reader(fi)
        writer = dpkt.pcap.Writer(fo, linktype=reader.datalink())
        for n, (ts, buf) in enumerate(reader, 1):
            if n not in drop:
                writer.writepkt(buf, ts)
    return dst


def analyze(path: Path) -> tuple[list, list]:
    report = api.analyze([path])
    return [f for r in report.results for f in r.findings], [c.finding for c in report.capture_findings]


def test_windows_client_ike_auth_in_ip_fragments_is_the_root_cause() -> None:
    fs, _ = analyze(need_corpus() / "zeek-spicy-ipsec" / "ipsec_client.pcap")
    assert fs[0].code == "ike.large_unfragmented" and fs[0].root_cause
    assert fs[0].frames == (5, 8, 11) and "3468 bytes in 3 IP fragments" in fs[0].summary


def test_lab_router_dropping_ip_fragments() -> None:
    fs, _ = analyze(REPO / "pcaps" / "ikev2-ipfrag-dropped.pcap")
    assert fs[0].code == "ike.large_unfragmented" and fs[0].root_cause
    assert fs[0].frames == (6, 8, 10, 12) and fs[0].details["ip_fragments"] == 2


def test_lab_ip_fragment_lost(tmp_path: Path) -> None:
    pcap = without(REPO / "pcaps" / "ikev2-cert-ipfrag-success.pcap", tmp_path / "lost.pcap", {6, 7, 8})
    _, capture = analyze(pcap)
    (f,) = [f for f in capture if f.code == "net.fragments_lost"]
    assert f.frames == (5,) and "192.0.2.1" in f.summary


def test_lab_ike_fragment_lost(tmp_path: Path) -> None:
    pcap = without(REPO / "pcaps" / "ikev2-cert-ikefrag-success.pcap", tmp_path / "lost.pcap", {6, 7, 8})
    fs, _ = analyze(pcap)
    (f,) = [f for f in fs if f.code == "ike.fragments_incomplete"]
    assert f.frames == (5,) and f.details["received"] == [1] and f.details["total"] == 2


def test_lab_fragmented_successes_are_quiet() -> None:
    for name in ("ikev2-cert-ipfrag-success.pcap", "ikev2-cert-ikefrag-success.pcap"):
        fs, capture = analyze(REPO / "pcaps" / name)
        assert not [f for f in fs + capture if f.code in {e.code for e in fragments.ENTRIES}]
