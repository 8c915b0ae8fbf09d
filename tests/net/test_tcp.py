"""IKE over TCP (RFC 8229): prefix, framing, reassembly, loss and truncation."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from ikescope.model import Datagram, NetEvent
from ikescope.net import Demux
from ikescope.net.tcp import MAX_SEGMENTS, StreamTracker
from net.packets import INITIATOR, RESPONDER, frame, ike, rfc8229, tcp4

C_ISN = 1000
S_ISN = 900_000
M1 = ike(length=80)
M2 = ike(length=300, spi=b"\x22" * 8)
M3 = ike(length=44, spi=b"\x33" * 8)
ESP = struct.pack(">H", 2 + 40) + b"\x0a\x0b\x0c\x0d" + bytes(36)


class Conn:
    """Drives one TCP connection through a Demux, numbering frames as it goes."""

    def __init__(self, demux: Demux | None = None, dport: int = 4500) -> None:
        self.demux = demux or Demux()
        self.dport = dport
        self.index = 0
        self.cseq = C_ISN + 1
        self.sseq = S_ISN + 1

    def send(self, data: bytes, client: bool = True, seq: int | None = None, flags: str = "PA",
             captured: int | None = None) -> list:
        self.index += 1
        if client:
            pkt = tcp4(data, seq=self.cseq if seq is None else seq, flags=flags, dport=self.dport)
            if seq is None:
                self.cseq += len(data)
        else:
            pkt = tcp4(data, seq=self.sseq if seq is None else seq, flags=flags, sport=self.dport, dport=40000,
                       src=RESPONDER, dst=INITIATOR)
            if seq is None:
                self.sseq += len(data)
        raw = bytes(pkt)
        cut = raw if captured is None else raw[: len(raw) - len(data) + captured]
        return self.demux.feed(frame(cut, index=self.index, ts=float(self.index), wirelen=len(raw)))

    def handshake(self) -> None:
        assert self.send(b"", seq=C_ISN, flags="S") == []
        assert self.send(b"", client=False, seq=S_ISN, flags="SA") == []
        assert self.send(b"", flags="A") == []


def ike_events(events: list) -> list[Datagram]:
    assert all(isinstance(e, Datagram) for e in events), events
    return events


def test_prefix_then_message_in_one_segment():
    conn = Conn()
    conn.handshake()
    (d,) = ike_events(conn.send(b"IKETCP" + rfc8229(M1)))
    assert (d.transport, d.encap, d.payload, d.frames) == ("tcp", "tcp", M1, (4,))
    assert (d.src, d.dst, d.sport, d.dport) == (INITIATOR, RESPONDER, 40000, 4500)
    (reply,) = ike_events(conn.send(rfc8229(M2), client=False))
    assert (reply.src, reply.payload) == (RESPONDER, M2)
    assert conn.demux.flush() == []


def test_message_split_across_segments():
    conn = Conn()
    conn.handshake()
    framed = b"IKETCP" + rfc8229(M2)
    assert conn.send(framed[:10]) == []
    assert conn.send(framed[10:100]) == []
    (d,) = ike_events(conn.send(framed[100:]))
    assert d.payload == M2 and d.frames == (4, 5, 6) and d.ts == 6.0


def test_prefix_alone_is_not_part_of_the_message():
    conn = Conn()
    conn.handshake()
    assert conn.send(b"IKET") == []
    assert conn.send(b"CP") == []
    (d,) = ike_events(conn.send(rfc8229(M1)))
    assert d.frames == (6,)


def test_several_messages_in_one_segment_and_esp():
    conn = Conn()
    conn.handshake()
    events = conn.send(b"IKETCP" + rfc8229(M1) + ESP + rfc8229(M3))
    assert [type(e).__name__ for e in events] == ["Datagram", "NetEvent", "Datagram"]
    assert [events[0].payload, events[2].payload] == [M1, M3]
    assert events[1].kind == "esp" and events[1].spi == 0x0A0B0C0D
    assert conn.demux.stats.esp_in_tcp == 1 and conn.demux.stats.ike == 2


def test_retransmission_is_not_delivered_twice():
    conn = Conn()
    conn.handshake()
    framed = rfc8229(M1)
    (d,) = conn.send(framed)
    assert conn.send(framed, seq=C_ISN + 1) == []
    assert conn.demux.stats.ike == 1


def test_partial_retransmission_overlapping_new_bytes():
    conn = Conn()
    conn.handshake()
    framed = rfc8229(M1) + rfc8229(M3)
    first = len(rfc8229(M1)) + 10
    assert len(conn.send(framed[:first])) == 1
    (d,) = conn.send(framed[first - 20 :], seq=C_ISN + 1 + first - 20)
    assert d.payload == M3


def test_out_of_order_segments():
    conn = Conn()
    conn.handshake()
    framed = rfc8229(M2)
    assert conn.send(framed[100:], seq=C_ISN + 1 + 100) == []
    (d,) = conn.send(framed[:100], seq=C_ISN + 1)
    assert d.payload == M2 and d.frames == (4, 5)


def test_stream_picked_up_without_handshake():
    conn = Conn()
    (d,) = conn.send(rfc8229(M1))
    assert d.payload == M1


def test_other_port_followed_after_iketcp_prefix():
    conn = Conn(dport=8443)
    conn.handshake()
    (d,) = conn.send(b"IKETCP" + rfc8229(M1))
    assert (d.dport, d.payload) == (8443, M1)
    (reply,) = conn.send(rfc8229(M2), client=False)
    assert reply.payload == M2


def test_other_port_without_prefix_is_ignored():
    conn = Conn(dport=443)
    conn.handshake()
    assert conn.send(rfc8229(M1)) == []
    assert conn.demux.stats.tcp_segments == 0


def test_configured_tcp_port():
    conn = Conn(Demux(tcp_ports=[10000]), dport=10000)
    (d,) = conn.send(rfc8229(M1))
    assert d.payload == M1


def test_impossible_length_stops_following_that_direction():
    conn = Conn()
    conn.handshake()
    (event,) = conn.send(b"\x00\x01garbage")
    assert isinstance(event, NetEvent) and event.problem.code == "net.tcp_framing"
    assert conn.send(rfc8229(M1)) == []
    (reply,) = conn.send(rfc8229(M2), client=False)
    assert reply.payload == M2


def test_unfinished_message_reported_at_flush():
    conn = Conn()
    conn.handshake()
    assert conn.send(rfc8229(M2)[:50]) == []
    (event,) = conn.demux.flush()
    assert event.problem.code == "net.tcp_stream_incomplete"
    assert event.frame == 4


def test_unfinished_message_reported_at_fin():
    conn = Conn()
    conn.handshake()
    assert conn.send(rfc8229(M2)[:50]) == []
    (event,) = conn.send(b"", flags="FA")
    assert event.problem.code == "net.tcp_stream_incomplete"
    assert conn.demux.flush() == []


def test_snaplen_cut_segment_gives_truncated_message_and_framing_survives():
    conn = Conn()
    conn.handshake()
    (d,) = conn.send(rfc8229(M2), captured=100)
    assert d.truncated and d.payload == M2[:94]
    (after,) = conn.send(rfc8229(M1))
    assert after.payload == M1 and not after.truncated
    assert conn.demux.stats.truncated == 1


def test_lost_segment_gives_up_after_a_bound():
    conn = Conn()
    conn.handshake()
    gap = C_ISN + 1 + 1000
    events = []
    for i in range(70):
        events += conn.send(b"x" * 10, seq=gap + i * 10)
    assert [e.problem.code for e in events] == ["net.tcp_gap"]


def test_smallest_stream_bound_still_follows_one_connection():
    conn = Conn(Demux(max_tcp_streams=1))
    (d,) = conn.send(rfc8229(M1))
    assert d.payload == M1


def test_streams_are_bounded():
    demux = Demux(max_tcp_streams=4)
    events = []
    for port in range(5):
        pkt = tcp4(rfc8229(M2)[:20], seq=1, sport=30000 + port)
        events += demux.feed(frame(pkt, index=port + 1))
    assert {e.problem.code for e in events} == {"net.tcp_stream_incomplete"}
    assert len(events) == 3  # each new connection evicts an older one with bytes waiting
    limit = demux.flush()[-1]
    assert limit.problem.code == "ikescope.limit_reached" and limit.limit == ("tcp_streams", 4)
    assert limit.problem.length == 6 and limit.frame == 3  # both directions of three connections


def test_a_message_trickling_in_byte_by_byte_keeps_a_bounded_list_of_its_segments():
    conn = Conn()
    conn.handshake()
    data = rfc8229(M2)
    events = [e for byte in range(len(data)) for e in conn.send(data[byte:byte + 1])]
    (d,) = ike_events(events)
    assert d.payload == M2 and len(data) > MAX_SEGMENTS
    assert len(d.frames) == MAX_SEGMENTS and d.frames[0] == 4 and d.frame == conn.index


def test_waiting_bytes_are_bounded_too():
    tracker = StreamTracker(max_early_segments=100, max_early_bytes=1000)
    key = (b"\x01" * 4, b"\x02" * 4, 40000, 4500)
    tracker.start(key)
    out = []
    for i in range(5):
        out += tracker.segment(key, 1_000 + i * 400, 0x18, b"y" * 300, 300, i + 1, float(i))
    assert [item.problem.code for item in out] == ["net.tcp_gap"]
    assert tracker.drain() == []


def test_length_field_lost_to_snaplen_stops_the_direction():
    conn = Conn()
    conn.handshake()
    framed = rfc8229(M1)
    d, event = conn.send(framed + rfc8229(M3), captured=len(framed) + 1)
    assert d.payload == M1
    assert event.problem.code == "net.tcp_framing" and "snap length" in event.problem.detail
    assert conn.send(rfc8229(M2)) == []


def test_ipv6_stream():
    from scapy.layers.inet import TCP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether

    from net.packets import MACS

    pkt = (
        Ether(**MACS)
        / IPv6(src="2001:db8::1", dst="2001:db8::2")
        / TCP(sport=40000, dport=4500, seq=5, flags="PA")
        / (b"IKETCP" + rfc8229(M1))
    )
    (d,) = Demux().feed(frame(pkt))
    assert (d.src, d.transport, d.payload) == ("2001:db8::1", "tcp", M1)


@settings(max_examples=150)
@given(
    lengths=st.lists(st.integers(min_value=28, max_value=700), min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=1, max_value=4000), max_size=12),
    order=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(min_value=0, max_value=20), max_size=4),
)
def test_any_segmentation_order_and_repetition_gives_the_same_messages(lengths, cuts, order, repeats):
    messages = [ike(length=n, spi=bytes([i + 1]) * 8) for i, n in enumerate(lengths)]
    stream = b"IKETCP" + b"".join(rfc8229(m) for m in messages)
    bounds = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    segments = [(bounds[i], stream[bounds[i] : bounds[i + 1]]) for i in range(len(bounds) - 1)]
    segments += [segments[r % len(segments)] for r in repeats]
    order.shuffle(segments)
    conn = Conn()
    conn.handshake()
    events = []
    for offset, chunk in segments:
        events += conn.send(chunk, seq=C_ISN + 1 + offset)
    assert [e.payload for e in events] == messages
    assert all(e.frames and e.frame == max(e.frames) for e in events)
    assert conn.demux.flush() == []
