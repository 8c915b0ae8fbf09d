"""Classic pcap files as a list of records, for mutating frames without breaking the file around them.

The capture reader in ``ikescope.capture`` is the thing under test, so the
fuzzer keeps its own small reader: it only has to understand the files it
writes and the seeds, and it gives up (None) on anything else. ``to_pcapng``
writes the same records as pcapng, where an interface's timestamp resolution
and offset can put a frame at any time at all.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
FILE_HEADER_LEN = 24
RECORD_HEADER_LEN = 16


@dataclass(slots=True)
class Record:
    """One pcap record: timestamp fields as stored, captured bytes, original length."""

    sec: int
    frac: int
    data: bytes
    wirelen: int


@dataclass(slots=True)
class Pcap:
    """A parsed classic pcap: the file header kept verbatim (magic, link type, snap length)."""

    header: bytes
    records: list[Record] = field(default_factory=list)

    @property
    def order(self) -> str:
        return _MAGICS[self.header[:4]]

    @property
    def linktype(self) -> int:
        return struct.unpack_from(self.order + "I", self.header, 20)[0] & 0xFFFF

    def to_bytes(self) -> bytes:
        rec = struct.Struct(self.order + "IIII")
        out = [self.header]
        for r in self.records:
            out.append(rec.pack(r.sec & 0xFFFFFFFF, r.frac & 0xFFFFFFFF, len(r.data), r.wirelen & 0xFFFFFFFF))
            out.append(r.data)
        return b"".join(out)


def parse(data: bytes) -> Pcap | None:
    """The records of a well-formed classic pcap; None for pcapng, gzip, or a damaged file."""
    order = _MAGICS.get(data[:4])
    if order is None or len(data) < FILE_HEADER_LEN:
        return None
    cap = Pcap(data[:FILE_HEADER_LEN])
    rec = struct.Struct(order + "IIII")
    pos = FILE_HEADER_LEN
    while pos < len(data):
        if pos + RECORD_HEADER_LEN > len(data):
            return None
        sec, frac, caplen, wirelen = rec.unpack_from(data, pos)
        pos += RECORD_HEADER_LEN
        if pos + caplen > len(data):
            return None
        cap.records.append(Record(sec, frac, data[pos:pos + caplen], wirelen))
        pos += caplen
    return cap


def new(linktype: int, snaplen: int = 262144) -> Pcap:
    """An empty little-endian microsecond pcap."""
    return Pcap(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))


def _block(btype: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def to_pcapng(cap: Pcap, tsresol: int | None = None, tsoffset: int | None = None) -> bytes:
    """The records as one pcapng section with one interface; each record's timestamp becomes
    sec * 10^6 + frac units of ``tsresol`` (if_tsresol, RFC draft encoding; None: microseconds)."""
    options = b""
    if tsresol is not None:
        options += _option(9, bytes([tsresol & 0xFF]))
    if tsoffset is not None:
        options += _option(14, struct.pack("<q", tsoffset))
    if options:
        options += _option(0, b"")
    out = [_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           _block(1, struct.pack("<HHI", cap.linktype, 0, 0) + options)]
    for r in cap.records:
        ts = (r.sec * 1_000_000 + r.frac) & 0xFFFFFFFFFFFFFFFF
        out.append(_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(r.data), r.wirelen & 0xFFFFFFFF)
                          + r.data + b"\0" * (-len(r.data) % 4)))
    return b"".join(out)
