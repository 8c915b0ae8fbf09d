"""Rule 2 of the demultiplexer: no input makes feed or flush raise."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop
from scapy.layers.l2 import Ether

from ikescope.model import Datagram, Frame, NetEvent
from ikescope.net import Demux
from net.packets import MACS, MARKER, frame, ike, rfc8229, tcp4, udp4, udp6

LINKTYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999]

# Real headers followed by random bytes reach the deep paths (fragments, TCP
# streams, IPv6 options) far more often than random bytes alone.
PREFIXES = [
    b"",
    bytes(udp4(b""))[:-8],  # Ethernet + IPv4, UDP header to come
    bytes(Ether(**MACS) / IP(flags="MF", proto=17, len=0)),  # first fragment, UDP to come
    bytes(Ether(**MACS) / IP(frag=100, proto=17, len=0)),  # last fragment
    bytes(udp4(MARKER + ike(), sport=4500, dport=4500))[:42],
    bytes(udp6(b""))[:-8],
    bytes(Ether(**MACS) / IPv6(plen=0) / IPv6ExtHdrFragment(m=1)),
    bytes(Ether(**MACS) / IPv6(plen=0) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(offset=10, nh=17)),
    bytes(tcp4(b"", seq=1))[:-20],
    bytes(tcp4(b"IKETCP" + rfc8229(ike()), seq=1))[:60],
]


@pytest.mark.parametrize("linktype", LINKTYPES)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(PREFIXES),
    tails=st.lists(st.binary(max_size=200), min_size=1, max_size=6),
    cut=st.integers(min_value=0, max_value=400),
    ts=st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
def test_feed_and_flush_never_raise(linktype, prefix, tails, cut, ts):
    demux = Demux(max_fragments=4, max_tcp_streams=4, fragment_timeout=1.0)
    for i, tail in enumerate(tails):
        data = prefix + tail
        events = demux.feed(Frame(i + 1, ts + i, linktype, data[: len(data) - cut % (len(data) + 1)], len(data)))
        assert all(isinstance(e, (Datagram, NetEvent)) for e in events)
    assert all(isinstance(e, NetEvent) for e in demux.flush())
    assert demux.stats.frames == len(tails)


@settings(max_examples=200)
@given(payload=st.binary(max_size=120), sport=st.sampled_from([500, 4500, 1234]), dport=st.sampled_from([500, 4500]))
def test_any_udp_payload_on_ike_ports_is_classified(payload, sport, dport):
    demux = Demux()
    events = demux.feed(frame(udp4(payload, sport=sport, dport=dport)))
    stats = demux.stats
    assert stats.ike + stats.esp_in_udp + stats.keepalives + stats.non_ike + stats.problems == 1
    assert len(events) == 1 - stats.non_ike
