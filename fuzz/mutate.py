"""Mutations: bytes for the decoder target, capture files for the pipeline target.

A mutation of a capture that lands in a pcap record header mostly ends the file
there, and one in an IP or UDP header mostly makes the packet something other
than IKE; either way the IKE code behind never sees the change. So a capture
is mutated as a list of frames: usually the IKE message inside one UDP
datagram, with the IP and UDP lengths fixed up afterwards; sometimes a whole
frame, the record timestamps, the order of frames, or the raw file bytes; and
now and then the capture is rewritten as pcapng with an interface whose
timestamp resolution and offset move every frame to an extreme time.

The byte-level step is pluggable: the test suite's short run uses
``ByteMutator`` (seeded, so every run tries the same inputs); the long
campaigns hand libFuzzer's own mutator in, which learns from the coverage.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from dataclasses import dataclass

from . import pcapio

# Values that sit on the edges of length and count checks.
_INTERESTING_8 = (0, 1, 3, 4, 7, 8, 0x10, 0x1F, 0x20, 0x21, 0x28, 0x2E, 0x35, 0x7F, 0x80, 0x81, 0xFE, 0xFF)
_INTERESTING_16 = (0, 1, 3, 4, 7, 8, 12, 28, 0x7F, 0x80, 0xFF, 0x100, 0x3FFF, 0x7FFF, 0x8000, 0xFFFF)
_INTERESTING_32 = (0, 1, 28, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF)
# pcap timestamps that stretch what a report does with time (year 9999, negative offsets)
_TIMES = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 253402300799, 253402300800)

# pcapng interface options that stretch time: if_tsresol (10^-n, or 2^-n with the top bit) and if_tsoffset
_TSRESOL = (None, 0, 3, 6, 9, 0x7F, 0x80, 0x80 | 20, 0xFF)
_TSOFFSET = (None, 0, -1, -(2 ** 31), 2 ** 40, -(2 ** 62), 2 ** 63 - 1)

ByteMutate = Callable[[bytes, int], bytes]  # (data, max_size) -> mutated data


class ByteMutator:
    """Seeded byte mutations in the style of AFL's havoc stage."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self, data: bytes, max_size: int) -> bytes:
        buf = bytearray(data)
        for _ in range(1 + self.rng.randrange(4)):
            self._one(buf)
        return bytes(buf[:max_size])

    def _one(self, buf: bytearray) -> None:
        rng = self.rng
        op = rng.randrange(9)
        if not buf:
            buf.extend(rng.randbytes(1 + rng.randrange(32)))
            return
        at = rng.randrange(len(buf))
        if op == 0:
            buf[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at] = rng.choice(_INTERESTING_8)
        elif op == 2:
            buf[at] = rng.randrange(256)
        elif op == 3 and at + 2 <= len(buf):
            buf[at:at + 2] = struct.pack("!H", rng.choice(_INTERESTING_16))
        elif op == 4 and at + 4 <= len(buf):
            buf[at:at + 4] = struct.pack("!I", rng.choice(_INTERESTING_32))
        elif op == 5:  # delete a run
            del buf[at:at + 1 + rng.randrange(min(64, len(buf) - at))]
        elif op == 6:  # duplicate a run in place
            run = buf[at:at + 1 + rng.randrange(64)]
            buf[at:at] = run
        elif op == 7:  # copy a run over another place
            src = rng.randrange(len(buf))
            run = buf[src:src + 1 + rng.randrange(32)]
            buf[at:at + len(run)] = run
        else:  # insert random bytes
            buf[at:at] = rng.randbytes(1 + rng.randrange(16))


@dataclass(slots=True)
class UdpFrame:
    """A link-layer frame split around its UDP payload, so the payload can change size."""

    head: bytes      # link, IP and UDP headers
    payload: bytes
    ip_at: int
    udp_at: int

    def rebuild(self, payload: bytes) -> bytes:
        """The frame with ``payload``, IP and UDP length fields matching (UDP checksum cleared)."""
        head = bytearray(self.head)
        udp_len = 8 + len(payload)
        if head[self.ip_at] >> 4 == 4:
            struct.pack_into("!H", head, self.ip_at + 2, min(0xFFFF, self.udp_at - self.ip_at + udp_len))
            struct.pack_into("!H", head, self.ip_at + 10, 0)
            struct.pack_into("!H", head, self.ip_at + 10, _ip_checksum(bytes(head[self.ip_at:self.udp_at])))
        else:
            struct.pack_into("!H", head, self.ip_at + 4, min(0xFFFF, udp_len))
        struct.pack_into("!HH", head, self.udp_at + 4, min(0xFFFF, udp_len), 0)
        return bytes(head) + payload


def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header[:len(header) // 2 * 2]))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ip_offset(linktype: int, frame: bytes) -> int | None:
    """Where the IP header starts, for the link types the seeds use."""
    if linktype == 1:  # Ethernet, with any number of 802.1Q / 802.1ad tags
        at, ethertype = 14, frame[12:14]
        while ethertype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= at + 4:
            ethertype, at = frame[at + 2:at + 4], at + 4
        return at if ethertype in (b"\x08\x00", b"\x86\xdd") else None
    return {113: 16, 276: 20, 0: 4, 108: 4, 101: 0, 12: 0, 14: 0, 228: 0, 229: 0}.get(linktype)


def udp_frame(linktype: int, frame: bytes) -> UdpFrame | None:
    """The frame split around its UDP payload; None unless it is an unfragmented UDP datagram."""
    ip = _ip_offset(linktype, frame)
    if ip is None or len(frame) < ip + 1:
        return None
    version = frame[ip] >> 4
    if version == 4 and len(frame) >= ip + 20:
        ihl = (frame[ip] & 0x0F) * 4
        if frame[ip + 9] != 17 or struct.unpack_from("!H", frame, ip + 6)[0] & 0x3FFF or ihl < 20:
            return None
        udp = ip + ihl
    elif version == 6 and len(frame) >= ip + 40:
        if frame[ip + 6] != 17:
            return None
        udp = ip + 40
    else:
        return None
    if len(frame) < udp + 8:
        return None
    start = udp + 8
    if frame[start:start + 4] == b"\0\0\0\0" and 4500 in struct.unpack_from("!HH", frame, udp):
        start += 4  # keep the non-ESP marker: without it the message is ESP
    return UdpFrame(frame[:start], frame[start:], ip, udp)


def mutate_capture(data: bytes, max_size: int, rng: random.Random, inner: ByteMutate) -> bytes:
    """One structure-aware mutation of a capture file (see the module docstring)."""
    cap = pcapio.parse(data)
    if cap is None or not cap.records or rng.random() < 0.05:
        return inner(data, max_size)
    if rng.random() < 0.03:
        out = pcapio.to_pcapng(cap, rng.choice(_TSRESOL), rng.choice(_TSOFFSET))
        return out if len(out) <= max_size else data[:max_size]
    records = cap.records
    i = rng.randrange(len(records))
    rec = records[i]
    roll = rng.random()
    if roll < 0.65:
        split = udp_frame(cap.linktype, rec.data)
        if split is not None:
            rec.data = split.rebuild(inner(split.payload, max(0, max_size - len(data) + len(split.payload))))
        else:
            rec.data = inner(rec.data, max(0, max_size - len(data) + len(rec.data)))
        rec.wirelen = len(rec.data)
    elif roll < 0.75:
        rec.data = inner(rec.data, max(0, max_size - len(data) + len(rec.data)))
        rec.wirelen = len(rec.data) if rng.random() < 0.8 else rng.choice(_INTERESTING_32)
    elif roll < 0.85:
        if rng.random() < 0.5:
            rec.sec = rng.choice(_TIMES) & 0xFFFFFFFF
        else:
            rec.sec = max(0, rec.sec + rng.choice((-3600, -30, -1, 1, 30, 600, 3600)))
        rec.frac = rng.choice((rec.frac, 0, 999_999, 0xFFFFFFFF))
    else:
        op = rng.randrange(4)
        if op == 0 and len(records) > 1:
            del records[i]
        elif op == 1:
            records.insert(rng.randrange(len(records) + 1), pcapio.Record(rec.sec, rec.frac, rec.data, rec.wirelen))
        elif op == 2:
            j = rng.randrange(len(records))
            records[i], records[j] = records[j], records[i]
        else:
            records.insert(rng.randrange(len(records) + 1), records.pop(i))
    out = cap.to_bytes()
    return out if len(out) <= max_size else data[:max_size]


def crossover(a: bytes, b: bytes, max_size: int, rng: random.Random) -> bytes:
    """Frames of two captures of one link type interleaved, or a's frames with one of b's."""
    ca, cb = pcapio.parse(a), pcapio.parse(b)
    if ca is None or cb is None or not cb.records or ca.linktype != cb.linktype:
        return a[:max_size]
    if rng.random() < 0.5:
        ca.records.insert(rng.randrange(len(ca.records) + 1), rng.choice(cb.records))
    else:
        merged = ca.records + cb.records
        merged.sort(key=lambda r: (r.sec, r.frac))
        ca.records = merged
    out = ca.to_bytes()
    return out if len(out) <= max_size else a[:max_size]
