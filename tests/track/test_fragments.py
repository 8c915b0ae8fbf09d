"""IKEv1 fragments joined into the message they carry, and sets that never complete."""

from __future__ import annotations

import struct

from helpers import header, message, need_corpus, payload
from ikescope import api
from ikescope.model import Datagram
from ikescope.track.fragments import V1Defragmenter
from ikescope.wire.decode import decode_message

SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8
WHOLE = message([(4, b"\x33" * 300), (10, b"\x44" * 32)], ispi=SPI_I, rspi=SPI_R, version=0x10, exchange=2,
                flags=0)


def fragments(data: bytes, size: int = 130, fid: int = 7) -> list[bytes]:
    parts = [data[i:i + size] for i in range(0, len(data), size)]
    return [header(ispi=SPI_I, rspi=SPI_R, np=132, version=0x10, exchange=2, flags=0,
                   body=payload(0, struct.pack("!HBB", fid, n, 1 if n == len(parts) else 0) + part))
            for n, part in enumerate(parts, 1)]


def dg(raw: bytes, frame: int, ts: float = 0.0) -> Datagram:
    return Datagram(frames=(frame,), ts=ts, src="192.0.2.1", dst="192.0.2.2", sport=500, dport=500,
                    transport="udp", encap="plain", payload=raw)


def test_a_complete_set_becomes_the_original_message_in_any_order() -> None:
    pieces = fragments(WHOLE)
    assert len(pieces) == 3
    d = V1Defragmenter()
    results = [d.feed(dg(raw, n), decode_message(raw)) for n, raw in zip((5, 3, 4), (pieces[2], pieces[0], pieces[1]))]
    assert all(is_frag for is_frag, _ in results)
    (joined,) = [m for _, done in results for m in done]
    whole, decoded = joined
    assert whole.payload == WHOLE and whole.frames == (3, 4, 5) and decoded.problems == ()
    assert [p.type for p in decoded.message.payloads] == [4, 10]


def test_an_incomplete_set_hands_its_pieces_on() -> None:
    pieces = fragments(WHOLE)
    d = V1Defragmenter(timeout=10)
    assert d.feed(dg(pieces[0], 1, 0.0), decode_message(pieces[0])) == (True, [])
    assert d.feed(dg(pieces[2], 2, 0.1), decode_message(pieces[2])) == (True, [])
    other = message([(13, b"x" * 16)], ispi=b"\x99" * 8, version=0x10, exchange=2, flags=0)
    is_frag, given_up = d.feed(dg(other, 3, 60.0), decode_message(other))
    assert not is_frag and [g.frame for g, _ in given_up] == [1, 2]
    d.feed(dg(pieces[0], 4, 61.0), decode_message(pieces[0]))
    assert [g.frame for g, _ in d.flush()] == [4]


def test_sets_are_bounded() -> None:
    d = V1Defragmenter(max_sets=2)
    given_up = []
    for fid in range(5):
        raw = fragments(WHOLE, fid=fid)[0]
        given_up += d.feed(dg(raw, fid + 1, float(fid)), decode_message(raw))[1]
    assert [g.frame for g, _ in given_up] == [1, 2, 3]
    assert d.limit.count == 3 and d.limit.first_frame == 3
    (event,) = d.limit_events()
    assert event.limit == ("ikev1_fragment_sets", 2) and "3 sets were given up unfinished" in event.problem.detail


def test_the_bytes_held_are_bounded_too() -> None:
    d = V1Defragmenter(max_bytes=500)
    given_up = []
    for fid in range(5):
        raw = fragments(WHOLE, size=200, fid=fid)[0]  # the first of two pieces, a 236-byte message
        given_up += d.feed(dg(raw, fid + 1, float(fid)), decode_message(raw))[1]
        assert d._bytes <= 500
    assert [g.frame for g, _ in given_up] == [1, 2, 3] and d.limit.count == 3


def test_a_clock_that_goes_backwards_only_delays_the_timeout() -> None:
    d = V1Defragmenter(timeout=10)
    for frame, ts in ((1, 100.0), (2, 50.0)):
        raw = fragments(WHOLE, fid=frame)[0]
        d.feed(dg(raw, frame, ts), decode_message(raw))
    other = message([(13, b"x" * 16)], ispi=b"\x99" * 8, version=0x10, exchange=2, flags=0)
    # the set begun at 100 s goes at 111 s, and the one stamped 50 s, though older, only after it
    assert [g.frame for g, _ in d.feed(dg(other, 3, 111.0), decode_message(other))[1]] == [1, 2]


def test_public_capture_with_ikev1_fragments() -> None:
    sas = list(api.track(api.decode_file(need_corpus() / "wireshark-wiki" / "test1.pcap")))
    (sa,) = sas
    phase1 = sa.exchanges[0]
    assert [sa.messages[i].frames for i in phase1.messages] == [(19,), (20,), (21,), (22, 23), (24, 25, 26, 27, 28),
                                                                (29, 30, 31)]
    assert sa.outcome == "established"
    decoded = list(api.decode_file(need_corpus() / "wireshark-wiki" / "test1.pcap", fragments=True))
    assert [d.frames for d, _ in decoded if d.frame == 23] == [(23,), (22, 23)]


def test_unfinished_sets_reach_the_tracker_through_decode_file(tmp_path) -> None:
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    first = fragments(WHOLE)[0]
    pkt = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.1", dst="192.0.2.2") / \
        UDP(sport=500, dport=500) / first
    wrpcap(str(tmp_path / "one.pcap"), [pkt])
    (sa,) = api.track(api.decode_file(tmp_path / "one.pcap"))
    assert [m.frame for m in sa.messages] == [1] and sa.messages[0].fragment == (1, 0)
