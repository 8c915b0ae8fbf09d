"""Bounds-checked reads over one IKE message.

Every read either returns what was asked for or raises ``Short``; the payload
walkers in ``decode`` are the only place that catches it and turns it into a
Problem, so a body parser can read straight ahead without testing lengths
before each field.
"""

from __future__ import annotations

import struct


class Short(Exception):
    """A read went past the end of the region being parsed (never leaves ``wire``)."""

    def __init__(self, offset: int, wanted: int, available: int) -> None:
        super().__init__(offset, wanted, available)
        self.offset = offset
        self.wanted = wanted
        self.available = available


class Cursor:
    """Reads big-endian fields from ``data[pos:end]``; offsets stay absolute."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int, end: int) -> None:
        self.data = data
        self.pos = pos
        self.end = end

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def _need(self, n: int) -> int:
        p = self.pos
        if p + n > self.end:
            raise Short(p, n, self.end - p)
        self.pos = p + n
        return p

    def u8(self) -> int:
        p = self._need(1)
        return self.data[p]

    def u16(self) -> int:
        p = self._need(2)
        return (self.data[p] << 8) | self.data[p + 1]

    def u32(self) -> int:
        p = self._need(4)
        return int.from_bytes(self.data[p : p + 4], "big")

    def unpack(self, fmt: struct.Struct) -> tuple:
        """Several fixed fields at once: one bounds check instead of one per field."""
        p = self._need(fmt.size)
        return fmt.unpack_from(self.data, p)

    def take(self, n: int) -> bytes:
        p = self._need(n)
        return self.data[p : p + n]

    def rest(self) -> bytes:
        p = self.pos
        self.pos = self.end
        return self.data[p : self.end]

    def sub(self, n: int) -> "Cursor":
        """A cursor over the next ``n`` bytes; this one moves past them."""
        p = self._need(n)
        return Cursor(self.data, p, p + n)
