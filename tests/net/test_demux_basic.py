"""The common paths: link types, IPv4/IPv6, UDP 500 and 4500, other ports."""

from __future__ import annotations

import struct

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_RR
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import CookedLinux, Dot1AD, Dot1Q, Ether

from ikescope.model import Datagram, NetEvent
from ikescope.net import Demux, datagrams
from net.packets import INITIATOR, MACS, MARKER, RESPONDER, frame, ike, udp4, udp6

MSG = ike()


def only_datagram(events: list) -> Datagram:
    assert len(events) == 1, events
    (d,) = events
    assert isinstance(d, Datagram)
    return d


def test_udp500_plain():
    d = only_datagram(Demux().feed(frame(udp4(MSG), index=7, ts=12.5)))
    assert d.frames == (7,) and d.ts == 12.5
    assert (d.src, d.dst, d.sport, d.dport) == (INITIATOR, RESPONDER, 500, 500)
    assert (d.transport, d.encap, d.payload, d.truncated) == ("udp", "plain", MSG, False)


def test_ethernet_padding_is_not_payload():
    short = ike(length=28)
    pkt = bytes(udp4(short))
    padded = pkt + b"\xee" * 30
    assert only_datagram(Demux().feed(frame(padded))).payload == short


@pytest.mark.parametrize(
    "tags",
    [
        [Dot1Q(vlan=10)],
        [Dot1AD(vlan=100), Dot1Q(vlan=10)],
        [Dot1Q(vlan=100), Dot1Q(vlan=10)],
    ],
    ids=["802.1Q", "802.1ad+802.1Q", "QinQ-8100"],
)
def test_vlan_tags(tags):
    pkt = Ether(**MACS)
    for tag in tags:
        pkt = pkt / tag
    pkt = pkt / IP(src=INITIATOR, dst=RESPONDER) / UDP(sport=500, dport=500) / MSG
    assert only_datagram(Demux().feed(frame(pkt))).payload == MSG


def test_qinq_9100_tag():
    inner = bytes(Dot1Q(vlan=10) / IP(src=INITIATOR, dst=RESPONDER) / UDP(sport=500, dport=500) / MSG)
    data = bytes.fromhex("020000000002020000000001") + b"\x91\x00" + b"\x00\x64" + b"\x81\x00" + inner
    assert only_datagram(Demux().feed(frame(data))).payload == MSG


def test_linux_sll():
    pkt = CookedLinux(pkttype=0, lladdrtype=1, proto=0x0800) / IP(src=INITIATOR, dst=RESPONDER) / UDP() / MSG
    pkt[UDP].sport = pkt[UDP].dport = 500
    assert only_datagram(Demux().feed(frame(pkt, linktype=113))).payload == MSG


def test_linux_sll2():
    ip_part = bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=500, dport=500) / MSG)
    sll2 = b"\x86\xdd" + bytes(2) + struct.pack(">I", 2) + b"\x00\x01" + b"\x00" + b"\x06" + bytes(8)
    d = only_datagram(Demux().feed(frame(sll2 + ip_part, linktype=276)))
    assert (d.src, d.payload) == ("2001:db8::1", MSG)


@pytest.mark.parametrize("linktype", [101, 12, 14, 228, 229])
@pytest.mark.parametrize("v6", [False, True])
def test_raw_ip_version_nibble_decides(linktype, v6):
    pkt = udp6(MSG) if v6 else udp4(MSG)
    d = only_datagram(Demux().feed(frame(bytes(pkt)[14:], linktype=linktype)))
    assert d.src == ("2001:db8::1" if v6 else INITIATOR)


@pytest.mark.parametrize(
    "linktype, family", [(0, struct.pack("<I", 2)), (0, struct.pack("<I", 30)), (108, struct.pack(">I", 24))]
)
def test_null_and_loop(linktype, family):
    ip6 = family != struct.pack("<I", 2)
    pkt = bytes(udp6(MSG) if ip6 else udp4(MSG))[14:]
    assert only_datagram(Demux().feed(frame(family + pkt, linktype=linktype))).payload == MSG


def test_ipv6_with_extension_headers():
    from scapy.layers.inet6 import IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting

    pkt = (
        Ether(**MACS)
        / IPv6(src="2001:db8::1", dst="2001:db8::2")
        / IPv6ExtHdrHopByHop()
        / IPv6ExtHdrRouting()
        / IPv6ExtHdrDestOpt()
        / UDP(sport=500, dport=500)
        / MSG
    )
    d = only_datagram(Demux().feed(frame(pkt)))
    assert (d.dst, d.payload) == ("2001:db8::2", MSG)


def test_natt_marker_is_stripped():
    d = only_datagram(Demux().feed(frame(udp4(MARKER + MSG, sport=4500, dport=4500))))
    assert (d.encap, d.payload, d.sport) == ("non-esp", MSG, 4500)


def test_natt_either_port():
    d = only_datagram(Demux().feed(frame(udp4(MARKER + MSG, sport=33000, dport=4500))))
    assert d.encap == "non-esp"


def test_natt_keepalive():
    demux = Demux()
    (event,) = demux.feed(frame(udp4(b"\xff", sport=4500, dport=4500), index=3))
    assert isinstance(event, NetEvent) and event.kind == "keepalive" and event.frame == 3
    assert (event.src, event.dport) == (INITIATOR, 4500)
    assert demux.stats.keepalives == 1


def test_natt_esp_is_counted_not_parsed():
    demux = Demux()
    (event,) = demux.feed(frame(udp4(b"\x01\x02\x03\x04" + bytes(60), sport=4500, dport=4500)))
    assert isinstance(event, NetEvent) and event.kind == "esp"
    assert demux.stats.esp_in_udp == 1 and demux.stats.ike == 0


def test_esp_events_can_be_only_counted():
    demux = Demux(esp_events=False)
    assert demux.feed(frame(udp4(b"\x01\x02\x03\x04" + bytes(60), sport=4500, dport=4500))) == []
    assert demux.stats.esp_in_udp == 1


@pytest.mark.parametrize("v6", [False, True])
def test_non_ike_traffic_is_dropped_and_counted(v6):
    others = [
        Ether(**MACS) / IP(src=INITIATOR, dst=RESPONDER) / ICMP(),
        Ether(**MACS) / IP(src=INITIATOR, dst=RESPONDER) / TCP(sport=40000, dport=443) / b"GET /",
        Ether(**MACS) / IP(src=INITIATOR, dst=RESPONDER) / UDP(sport=5353, dport=53) / bytes(40),
        Ether(**MACS, type=0x0806) / bytes(28),
        udp6(bytes(40), sport=53, dport=53),
    ]
    demux = Demux()
    events = [e for i, p in enumerate(others) for e in demux.feed(frame(p, index=i + 1))]
    assert events == []
    assert demux.stats.frames == len(others) == demux.stats.non_ike


def test_plain_esp_is_counted_and_reported_once_a_flow_a_second():
    demux = Demux()
    esp = [Ether(**MACS) / IP(src=INITIATOR, dst=RESPONDER, proto=50) / (b"\xca\xfe\x00\x01" + bytes(36)),
           Ether(**MACS) / IP(src=RESPONDER, dst=INITIATOR, proto=50) / (b"\xbe\xef\x00\x02" + bytes(36))]
    times = [0.0, 0.2, 0.4, 1.5]
    events = [e for t in times for i, p in enumerate(esp) for e in demux.feed(frame(p, ts=t, index=1))]
    assert demux.stats.esp == 8 and demux.stats.non_ike == 0
    assert [(e.src, e.spi, e.ts) for e in events] == [
        (INITIATOR, 0xCAFE0001, 0.0), (RESPONDER, 0xBEEF0002, 0.0),
        (INITIATOR, 0xCAFE0001, 1.5), (RESPONDER, 0xBEEF0002, 1.5)]
    quiet = Demux(esp_events=False)
    assert [quiet.feed(frame(p, index=1)) for p in esp] == [[], []] and quiet.stats.esp == 2


def test_ike_on_other_port_when_clearly_ike():
    d = only_datagram(Demux().feed(frame(udp4(MSG, sport=1500, dport=1501))))
    assert (d.encap, d.payload) == ("plain", MSG)


def test_ike_with_marker_on_other_port():
    d = only_datagram(Demux().feed(frame(udp4(MARKER + MSG, sport=4501, dport=4501))))
    assert (d.encap, d.payload) == ("non-esp", MSG)


@pytest.mark.parametrize(
    "payload",
    [
        ike()[:24] + struct.pack(">I", 61) + ike()[28:],  # length field disagrees
        ike(version=0x30),
        ike(exchange=99),
        ike(version=0x10, exchange=35),  # an IKEv2 exchange under an IKEv1 version
        ike(spi=bytes(8)),
        ike(length=28)[:27],  # shorter than a header
    ],
    ids=["length", "version", "exchange", "v1-exchange", "zero-spi", "short"],
)
def test_other_port_rejects_lookalikes(payload):
    demux = Demux()
    assert demux.feed(frame(udp4(payload, sport=1500, dport=1501))) == []
    assert demux.stats.non_ike == 1


def test_unknown_linktype_reported_once_per_type():
    demux = Demux()
    events = [e for i in range(5) for e in demux.feed(frame(bytes(40), linktype=147, index=i + 1))]
    events += demux.feed(frame(bytes(40), linktype=148, index=6))
    assert [(e.kind, e.problem.code, e.frame) for e in events] == [
        ("problem", "net.unknown_linktype", 1),
        ("problem", "net.unknown_linktype", 6),
    ]
    assert demux.stats.unknown_linktype == 6


def test_datagrams_generator_feeds_and_flushes():
    frames = [frame(udp4(MSG), index=1), frame(udp4(b"\xff", sport=4500, dport=4500), index=2)]
    demux = Demux()
    out = list(datagrams(frames, demux))
    assert [type(e).__name__ for e in out] == ["Datagram", "NetEvent"]
    assert demux.stats.frames == 2


def test_snaplen_cut_message_is_still_emitted():
    full = bytes(udp4(ike(length=400)))
    d = only_datagram(Demux().feed(frame(full[:14 + 20 + 8 + 100], wirelen=len(full))))
    assert d.truncated
    assert d.payload == ike(length=400)[:100]


def test_snaplen_cut_natt_message_keeps_marker_offset():
    full = bytes(udp4(MARKER + ike(length=400), sport=4500, dport=4500))
    d = only_datagram(Demux().feed(frame(full[:14 + 20 + 8 + 100], wirelen=len(full))))
    assert d.truncated and d.encap == "non-esp"
    assert d.payload == ike(length=400)[:96]


def test_snaplen_too_short_to_tell_natt_content():
    full = bytes(udp4(MARKER + MSG, sport=4500, dport=4500))
    demux = Demux()
    (event,) = demux.feed(frame(full[:14 + 20 + 8 + 2], wirelen=len(full)))
    assert event.problem.code == "net.snaplen_short"


def test_zero_ip_total_length_from_offload():
    pkt = udp4(MSG)
    pkt[IP].len = 0
    data = bytes(pkt)
    assert data[16:18] == b"\x00\x00"
    assert only_datagram(Demux().feed(frame(data))).payload == MSG


def test_stats_read_as_a_mapping():
    demux = Demux()
    demux.feed(frame(udp4(MSG)))
    demux.feed(frame(udp4(b"\xff", sport=4500, dport=4500)))
    counts = dict(demux.stats)
    assert counts["frames"] == 2 and counts["ike"] == 1 and counts["keepalives"] == 1
    assert demux.stats["ike"] == demux.stats.ike
    assert set(counts) >= {"frames", "ike", "esp_in_udp", "keepalives", "non_ike", "fragments", "problems"}
    with pytest.raises(KeyError):
        demux.stats["nonexistent"]


def test_ipv4_options_are_skipped():
    pkt = Ether(**MACS) / IP(src=INITIATOR, dst=RESPONDER, options=[IPOption_RR()]) / UDP(sport=500, dport=500) / MSG
    assert bytes(pkt)[14] & 0x0F > 5
    assert only_datagram(Demux().feed(frame(pkt))).payload == MSG
