"""Frame builders for the network-layer tests.

Every builder returns a Frame as a capture would deliver it, so the tests
exercise the same path as a file: link header, IP, transport, payload.
"""

from __future__ import annotations

import struct

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from ikescope.model import Frame

MACS = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
INITIATOR = "192.0.2.1"
RESPONDER = "198.51.100.2"
MARKER = b"\x00\x00\x00\x00"


def ike(length: int = 60, version: int = 0x20, exchange: int = 34, spi: bytes = b"\x11" * 8) -> bytes:
    """A header-shaped IKE message whose length field matches its size."""
    head = spi + bytes(8) + struct.pack(">BBBBII", 33, version, exchange, 0x08, 0, length)
    return head + bytes(i % 256 for i in range(length - len(head)))


def frame(
    pkt: Packet | bytes, linktype: int = 1, index: int = 1, ts: float = 100.0, wirelen: int | None = None
) -> Frame:
    data = bytes(pkt)
    return Frame(index, ts, linktype, data, len(data) if wirelen is None else wirelen)


def udp4(payload: bytes, sport: int = 500, dport: int = 500, src: str = INITIATOR, dst: str = RESPONDER) -> Packet:
    return Ether(**MACS) / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / payload


def udp6(payload: bytes, sport: int = 500, dport: int = 500) -> Packet:
    return Ether(**MACS) / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=sport, dport=dport) / payload


def tcp4(payload: bytes, seq: int, flags: str = "PA", sport: int = 40000, dport: int = 4500, src: str = INITIATOR,
         dst: str = RESPONDER) -> Packet:
    return Ether(**MACS) / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, seq=seq, flags=flags) / payload


def rfc8229(message: bytes) -> bytes:
    """One IKE message in RFC 8229 framing: length (counting itself), marker, message."""
    return struct.pack(">H", 2 + 4 + len(message)) + MARKER + message
