"""ICMP unreachable errors quoting IKE: from the wire through the tracker to the finding."""

from __future__ import annotations

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import ICMPv6DestUnreach, IPv6
from scapy.layers.l2 import Ether

from helpers import REPO, header
from ikescope import api
from ikescope.model import Frame
from ikescope.net import Demux
from ikescope.report.model import SaResult

A, B = "192.0.2.1", "192.0.2.2"
MACS = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
IKE = header(np=0, exchange=34, flags=0x08)


def frames(v6: bool = False, answered: bool = False) -> list[Frame]:
    if v6:
        a, b = "2001:db8::1", "2001:db8::2"
        req = Ether(**MACS) / IPv6(src=a, dst=b) / UDP(sport=500, dport=500) / IKE
        err = Ether(**MACS) / IPv6(src=b, dst=a) / ICMPv6DestUnreach(code=4) / bytes(req)[14:]
    else:
        req = Ether(**MACS) / IP(src=A, dst=B) / UDP(sport=500, dport=500) / IKE
        err = Ether(**MACS) / IP(src=B, dst=A) / ICMP(type=3, code=3) / bytes(req)[14:]
    out = []
    for i in range(3):
        out.append(Frame(2 * i + 1, float(i), 1, bytes(req), len(req)))
        out.append(Frame(2 * i + 2, i + 0.001, 1, bytes(err), len(err)))
    return out


def test_demux_reports_icmp_quoting_ike() -> None:
    for v6 in (False, True):
        d = Demux()
        events = [e for f in frames(v6) for e in d.feed(f)]
        icmp = [e for e in events if getattr(e, "kind", "") == "icmp_unreachable"]
        assert len(icmp) == 3 and d.stats.icmp_unreachable == 3
        assert "port unreachable" in icmp[0].problem.detail and icmp[0].dport == 500


def test_icmp_quoting_other_traffic_is_not_ike() -> None:
    req = Ether(**MACS) / IP(src=A, dst=B) / UDP(sport=5353, dport=53) / b"x"
    err = Ether(**MACS) / IP(src=B, dst=A) / ICMP(type=3, code=3) / bytes(req)[14:]
    d = Demux()
    assert d.feed(Frame(1, 0.0, 1, bytes(err), len(err))) == [] and d.stats.icmp_unreachable == 0


def test_peer_unreachable_is_the_root_cause() -> None:
    results = [r for r in api.analyze_frames(frames()) if isinstance(r, SaResult)]
    (res,) = results
    top = res.findings[0]
    assert top.code == "ike.peer_unreachable" and top.root_cause and top.confidence.value == "certain"
    assert top.frames[:2] == (1, 2) and "port unreachable" in top.summary


def test_lab_responder_down() -> None:
    doc = api.analyze([REPO / "pcaps" / "ikev2-responder-down.pcap"]).to_dict()
    (sa,) = doc["sas"]
    assert sa["root_cause"]["code"] == "ike.peer_unreachable"
    codes = {f["code"] for f in doc["findings"]}
    assert "ike.no_response" in codes
