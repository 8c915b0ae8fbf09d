"""Builders for capture files in tests, written byte by byte.

Writing the formats by hand (rather than through a library's writer) lets a
test choose every field: nanosecond magic, big-endian order, a wire length
longer than the captured bytes, several interfaces, a cut in the middle.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "public"

# (seconds, fraction in the file's unit, data, wire length)
Record = tuple[int, int, bytes, int]


def corpus_file(relative: str) -> Path:
    """A file of the public corpus, or a skip (a failure in CI, where it must exist)."""
    path = CORPUS / relative
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is not present (the shared corpus sits beside the repository)")
    return path


def pcap(records: list[Record], linktype: int = 1, nano: bool = False, order: str = "<") -> bytes:
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)]
    for sec, frac, data, wirelen in records:
        out.append(struct.pack(order + "IIII", sec, frac, len(data), wirelen) + data)
    return b"".join(out)


def _block(btype: int, body: bytes, order: str = "<") -> bytes:
    body += bytes(-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def _option(code: int, value: bytes, order: str = "<") -> bytes:
    return struct.pack(order + "HH", code, len(value)) + value + bytes(-len(value) % 4)


def shb(order: str = "<") -> bytes:
    body = struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    return _block(0x0A0D0D0A, body, order)


def idb(linktype: int, tsresol: int | None = None, snaplen: int = 0, order: str = "<") -> bytes:
    body = struct.pack(order + "HHI", linktype, 0, snaplen)
    if tsresol is not None:
        body += _option(9, bytes([tsresol]), order) + _option(0, b"", order)
    return _block(1, body, order)


def epb(iface: int, ts: int, data: bytes, wirelen: int | None = None, order: str = "<") -> bytes:
    body = struct.pack(order + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data), wirelen or len(data))
    return _block(6, body + data + bytes(-len(data) % 4), order)


def spb(data: bytes, order: str = "<") -> bytes:
    return _block(3, struct.pack(order + "I", len(data)) + data, order)
