"""IP fragment reassembly: order, loss, timeout, overlap, bounds, IPv6."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
from scapy.layers.l2 import Ether

from ikescope.model import Datagram, NetEvent, Severity
from ikescope.net import Demux, datagrams
from net.packets import INITIATOR, MACS, MARKER, RESPONDER, frame, ike

BIG = ike(length=3000)


def v4_fragments(payload: bytes = MARKER + BIG, sport: int = 4500, dport: int = 4500, size: int = 1200,
                 ident: int = 77) -> list[bytes]:
    pkt = IP(src=INITIATOR, dst=RESPONDER, id=ident) / UDP(sport=sport, dport=dport) / payload
    return [bytes(Ether(**MACS) / f) for f in fragment(pkt, fragsize=size)]


def v6_fragments(payload: bytes = BIG, size: int = 1280) -> list[bytes]:
    pkt = (
        IPv6(src="2001:db8::1", dst="2001:db8::2")
        / IPv6ExtHdrFragment(id=99)
        / UDP(sport=500, dport=500)
        / payload
    )
    return [bytes(Ether(**MACS) / f) for f in fragment6(pkt, size)]


def feed_all(demux: Demux, raw: list[bytes], indexes: list[int] | None = None, ts: float = 10.0) -> list:
    indexes = indexes or list(range(1, len(raw) + 1))
    return [e for i, data in zip(indexes, raw) for e in demux.feed(frame(data, index=i, ts=ts + i / 100))]


def test_in_order():
    frags = v4_fragments()
    assert len(frags) == 3
    demux = Demux()
    (d,) = feed_all(demux, frags)
    assert isinstance(d, Datagram)
    assert d.frames == (1, 2, 3) and d.frame == 3
    assert (d.encap, d.payload, d.truncated) == ("non-esp", BIG, False)
    assert demux.stats.fragments == 3 and demux.stats.reassembled == 1
    assert demux.flush() == []


def test_reversed():
    demux = Demux()
    (d,) = feed_all(demux, list(reversed(v4_fragments())), [4, 5, 6])
    assert d.payload == BIG and d.frames == (4, 5, 6)


def test_duplicate_fragment_is_ignored():
    frags = v4_fragments()
    (d,) = feed_all(Demux(), [frags[0], frags[0], frags[1], frags[2]])
    assert d.frames == (1, 3, 4)
    assert d.payload == BIG


def test_missing_fragment_reported_at_flush():
    frags = v4_fragments()
    demux = Demux()
    assert feed_all(demux, [frags[0], frags[2]], [1, 3]) == []
    (event,) = demux.flush()
    assert isinstance(event, NetEvent) and event.kind == "problem"
    assert event.problem.code == "net.fragments_incomplete"
    assert event.problem.severity is Severity.ERROR
    assert "1, 3" in event.problem.detail
    assert (event.frame, event.src, event.dst) == (3, INITIATOR, RESPONDER)


def test_missing_first_fragment_is_a_warning():
    frags = v4_fragments()
    demux = Demux()
    feed_all(demux, frags[1:])
    (event,) = demux.flush()
    assert event.problem.code == "net.fragments_incomplete"
    assert event.problem.severity is Severity.WARNING


def test_unfinished_fragments_of_other_traffic_are_not_reported():
    demux = Demux()
    feed_all(demux, v4_fragments(payload=bytes(3000), sport=5353, dport=53)[:2])
    assert demux.flush() == []


def test_complete_fragments_of_other_traffic_are_dropped():
    demux = Demux()
    assert feed_all(demux, v4_fragments(payload=bytes(3000), sport=5353, dport=53)) == []
    assert demux.stats.reassembled == 1 and demux.stats.non_ike == 1


def test_timeout_uses_capture_time():
    frags = v4_fragments()
    demux = Demux(fragment_timeout=30.0)
    assert demux.feed(frame(frags[0], index=1, ts=100.0)) == []
    assert demux.feed(frame(frags[1], index=2, ts=129.0)) == []
    later = bytes(Ether(**MACS) / IP(src=INITIATOR, dst=RESPONDER) / UDP(sport=53, dport=53))
    (event,) = demux.feed(frame(later, index=3, ts=130.5))
    assert event.problem.code == "net.fragment_timeout"
    assert event.frame == 2
    # The late fragment now starts a new datagram instead of completing the old one.
    assert demux.feed(frame(frags[2], index=4, ts=131.0)) == []


def test_overlap_with_different_content():
    frags = v4_fragments()
    forged = bytearray(frags[1])
    forged[-1] ^= 0xFF
    demux = Demux()
    events = feed_all(demux, [frags[0], frags[1], bytes(forged)])
    assert [e.problem.code for e in events] == ["net.fragments_overlap"]
    assert "repeat" in events[0].problem.detail
    assert feed_all(demux, [frags[2]], [4]) == []  # the datagram was dropped


def test_overlap_at_other_offset():
    pkt = IP(src=INITIATOR, dst=RESPONDER, id=5) / UDP(sport=500, dport=500) / BIG
    first = fragment(pkt, fragsize=1200)
    shifted = fragment(pkt, fragsize=800)
    events = feed_all(Demux(), [bytes(Ether(**MACS) / first[0]), bytes(Ether(**MACS) / shifted[1])])
    assert [e.problem.code for e in events] == ["net.fragments_overlap"]
    assert "bytes 800-1600 overlap bytes 0-1200" in events[0].problem.detail


def test_inconsistent_last_fragments():
    frags = v4_fragments()
    last = IP(frags[2][14:])
    body = bytes(last.payload)
    shorter = IP(src=INITIATOR, dst=RESPONDER, id=last.id, frag=last.frag, proto=17) / body[:-8]
    events = feed_all(Demux(), [frags[2], bytes(Ether(**MACS) / shorter)])
    assert [e.problem.code for e in events] == ["net.fragments_inconsistent"]
    assert "two last fragments" in events[0].problem.detail


def test_fragment_past_the_end():
    frags = v4_fragments()
    last = IP(frags[2][14:])
    beyond = IP(src=INITIATOR, dst=RESPONDER, id=last.id, frag=last.frag + 200, flags="MF", proto=17) / bytes(8)
    events = feed_all(Demux(), [frags[2], bytes(Ether(**MACS) / beyond)])
    assert [e.problem.code for e in events] == ["net.fragments_inconsistent"]


def test_pending_datagrams_are_bounded():
    demux = Demux(max_fragments=4)
    events = []
    for ident in range(10):
        events += feed_all(demux, v4_fragments(ident=ident)[:1], [ident + 1])
    assert [e.problem.code for e in events] == ["net.fragments_evicted"] * 6
    flushed = demux.flush()
    assert [e.problem.code for e in flushed] == ["net.fragments_incomplete"] * 4 + ["ikescope.limit_reached"]
    assert flushed[-1].limit == ("ip_fragments", 4) and flushed[-1].problem.length == 6


def test_snaplen_cut_fragment_gives_truncated_datagram():
    frags = v4_fragments()
    demux = Demux()
    events = demux.feed(frame(frags[0], index=1))
    events += demux.feed(frame(frags[1][:200], index=2, wirelen=len(frags[1])))
    events += demux.feed(frame(frags[2], index=3))
    (d,) = events
    assert d.truncated and d.frames == (1, 2, 3)
    assert BIG.startswith(d.payload) and 1000 < len(d.payload) < len(BIG)


def test_ipv6_fragments():
    frags = v6_fragments()
    assert len(frags) >= 3
    demux = Demux()
    (d,) = feed_all(demux, list(reversed(frags)))
    assert (d.src, d.encap, d.payload) == ("2001:db8::1", "plain", BIG)
    assert d.frames == tuple(range(1, len(frags) + 1))


def test_ipv6_missing_fragment():
    frags = v6_fragments()
    events = list(datagrams(frame(f, index=i + 1) for i, f in enumerate(frags[:-1])))
    assert [e.problem.code for e in events] == ["net.fragments_incomplete"]
    assert events[0].src == "2001:db8::1"


@pytest.mark.parametrize("v6", [False, True])
def test_each_fragment_counted(v6):
    frags = v6_fragments() if v6 else v4_fragments()
    demux = Demux()
    feed_all(demux, frags)
    assert demux.stats.fragments == len(frags)
    assert demux.stats.frames == len(frags)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(min_value=28, max_value=5000),
    fragsize=st.sampled_from([8, 64, 512, 1400]),
    order=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(min_value=0, max_value=50), max_size=3),
    v6=st.booleans(),
)
def test_any_order_and_repetition_gives_the_same_datagram(size, fragsize, order, repeats, v6):
    message = ike(length=size)
    frags = v6_fragments(message, size=fragsize + 48) if v6 else v4_fragments(message, 500, 500, fragsize)
    assume(len(frags) > 1)  # a repeated whole datagram is a second message, not a duplicate
    frags += [frags[r % len(frags)] for r in repeats]
    order.shuffle(frags)
    events = feed_all(Demux(), frags)
    assert [e.payload for e in events] == [message]


def test_every_fragment_seen_twice_as_on_the_any_interface():
    frags = v4_fragments()
    doubled = [f for f in frags for _ in range(2)]
    demux = Demux()
    (d,) = feed_all(demux, doubled)
    assert d.payload == BIG and d.frames == (1, 3, 5)
    assert demux.flush() == []


def test_same_ip_id_with_new_content_is_a_new_datagram():
    first = v4_fragments(payload=MARKER + ike(length=3000, spi=b"\x01" * 8))
    second = v4_fragments(payload=MARKER + ike(length=3000, spi=b"\x02" * 8))
    events = feed_all(Demux(), first + second)
    assert [e.payload[:1] for e in events] == [b"\x01", b"\x02"]
