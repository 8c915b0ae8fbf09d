"""Classic pcap files as a list of records, for mutating frames without breaking the file around them.

The capture reader in ``ikescope.capture`` is the thing under test, so the
fuzzer keeps its own small reader: it only has to understand the files it
writes and the seeds, and it gives up (None) on anything else.
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
