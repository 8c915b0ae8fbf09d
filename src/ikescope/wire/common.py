"""Structures IKEv1 and IKEv2 share: data attributes and the substructure walk.

Both versions nest proposals and transforms the same way (a small generic
header with a "more follows" byte and a length), so one walker serves both and
reports the same problem codes for the same faults.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from ..model import Problem, Severity
from .cursor import Cursor, Short
from .message import Attribute, Proposal, Transform

T = TypeVar("T")

AF_TV = 0x8000  # attribute format bit: type/value (RFC 2408 3.3, RFC 7296 3.3.5)

_ATTRIBUTE_HEAD = struct.Struct(">HH")  # type (with the AF bit), value or length
_ITEM_HEAD = struct.Struct(">BBH")  # more-follows, reserved, length


def check_fixed_size(code: str, what: str, sizes: dict[int, int], kind: int, data: bytes, offset: int,
                     problems: list[Problem], severity: Severity = Severity.ERROR) -> None:
    """Report data whose size its type fixes (an address ID, INVALID_KE's group) but that has another.

    The payload keeps its bytes as they are: the type is still worth knowing,
    only the content cannot be read as what the type promises.
    """
    want = sizes.get(kind)
    if want is not None and len(data) != want:
        problems.append(Problem(code, f"{what} type {kind} at offset {offset} carries {len(data)} bytes, "
                                f"the type needs {want}", offset=offset, length=len(data), severity=severity))


def parse_attributes(cur: Cursor, problems: list[Problem], tlv_only: bool = False) -> tuple[Attribute, ...]:
    """Data attributes up to the end of ``cur``; a cut attribute becomes a problem.

    ``tlv_only``: IKEv2 configuration attributes (RFC 7296 3.15.1) are always
    type/length/value and their top bit is reserved, not the AF format bit.
    """
    out: list[Attribute] = []
    while cur.remaining > 0:
        start = cur.pos
        try:
            raw_type, value = cur.unpack(_ATTRIBUTE_HEAD)
            if tlv_only and raw_type & AF_TV:
                problems.append(Problem("ike.reserved_nonzero", f"configuration attribute at offset {start} sets "
                                        "its reserved bit", offset=start, length=1, severity=Severity.WARNING))
            if raw_type & AF_TV and not tlv_only:
                out.append(Attribute(raw_type & 0x7FFF, value))
            else:
                out.append(Attribute(raw_type & 0x7FFF, cur.take(value)))
        except Short as s:
            problems.append(
                Problem(
                    "ike.attribute_overrun",
                    f"attribute at offset {start} needs {s.wanted} more bytes, {s.available} left",
                    offset=start,
                    length=cur.end - start,
                )
            )
            cur.pos = cur.end
    return tuple(out)


def note_leftover(cur: Cursor, after: str, problems: list[Problem]) -> None:
    """Bytes a payload's length covers but its content does not use (a warning: nothing is lost)."""
    if cur.remaining:
        problems.append(Problem("ike.payload_extra_bytes", f"{cur.remaining} bytes after {after}",
                                offset=cur.pos, length=cur.remaining, severity=Severity.WARNING))
        cur.pos = cur.end


def walk_substructures(
    cur: Cursor,
    more_value: int,
    what: str,
    fixed: int,
    parse_one: Callable[[Cursor, int, list[Problem]], T],
    problems: list[Problem],
    expected: int | None = None,
    expected_at: int | None = None,
) -> tuple[T, ...]:
    """Walk proposals (``more_value`` 2) or transforms (3) inside their parent.

    Each item starts with: more-follows (1), reserved (1), length (2). The walk
    stops at the item whose more-follows byte is 0, or at the parent's end.
    ``parse_one`` gets a cursor over the item after those 4 bytes and the
    item's own offset. ``expected`` is the count the parent announced, in the byte
    at ``expected_at``.
    """
    items: list[T] = []
    while True:
        start = cur.pos
        if cur.remaining == 0:
            problems.append(
                Problem("ike.substructure_missing", f"{what} expected at offset {start}, the payload ends", offset=start)
            )
            break
        if cur.remaining < 4:
            problems.append(
                Problem(
                    "ike.substructure_overrun",
                    f"{what} header at offset {start} needs 4 bytes, {cur.remaining} left",
                    offset=start,
                    length=cur.remaining,
                )
            )
            cur.pos = cur.end
            break
        more, reserved, length = cur.unpack(_ITEM_HEAD)
        if reserved:
            problems.append(
                Problem("ike.reserved_nonzero", f"{what} reserved byte is {reserved:#04x}", offset=start + 1,
                        length=1, severity=Severity.WARNING)
            )
        if more not in (0, more_value):
            problems.append(
                Problem("ike.substructure_bad",
                        f"{what} at offset {start} has next-payload {more}, expected {more_value} or 0",
                        offset=start, length=1)
            )
        if length < fixed:
            problems.append(
                Problem("ike.substructure_length_short",
                        f"{what} at offset {start} has length {length}, less than its {fixed}-byte fixed part",
                        offset=start + 2, length=2)
            )
            cur.pos = cur.end
            break
        if start + length > cur.end:
            problems.append(
                Problem("ike.substructure_overrun",
                        f"{what} at offset {start} has length {length} but only {cur.end - start} bytes remain",
                        offset=start, length=cur.end - start)
            )
            length = cur.end - start
        body = Cursor(cur.data, start + 4, start + length)
        cur.pos = start + length
        try:
            items.append(parse_one(body, start, problems))
        except Short as s:
            problems.append(
                Problem("ike.substructure_overrun",
                        f"{what} at offset {start} is cut: field at offset {s.offset} needs {s.wanted} bytes, "
                        f"{s.available} left", offset=s.offset, length=s.available)
            )
        if more == 0 or cur.remaining == 0:
            if more != 0 and cur.remaining == 0:
                problems.append(
                    Problem("ike.substructure_missing",
                            f"{what} at offset {start} says another follows, but the payload ends",
                            offset=start, length=1)
                )
            break
    if cur.remaining > 0:
        problems.append(
            Problem("ike.payload_extra_bytes", f"{cur.remaining} bytes after the last {what}",
                    offset=cur.pos, length=cur.remaining, severity=Severity.WARNING)
        )
        cur.pos = cur.end
    if expected is not None and expected != len(items):
        problems.append(
            Problem(f"ike.{what}_count_mismatch",
                    f"{expected} {what}s announced, {len(items)} found", offset=expected_at,
                    length=None if expected_at is None else 1)
        )
    return tuple(items)


def parse_proposal(cur: Cursor, start: int, problems: list[Problem],
                   transform: Callable[[Cursor, int, list[Problem]], Transform]) -> Proposal:
    """A proposal substructure; the two versions differ only in their transforms
    (RFC 2408 3.5, RFC 7296 3.3.1)."""
    number = cur.u8()
    protocol = cur.u8()
    spi_size = cur.u8()
    count = cur.u8()
    spi = cur.take(spi_size)
    transforms = walk_substructures(cur, 3, "transform", 8, transform, problems, expected=count,
                                     expected_at=start + 7)
    return Proposal(number=number, protocol=protocol, spi=spi, transforms=transforms)


def proposals_of(cur: Cursor, problems: list[Problem],
                 proposal: Callable[[Cursor, int, list[Problem]], Proposal]) -> tuple[Proposal, ...]:
    """The proposals of an SA payload, from ``cur`` to its end.

    Gateways send the same few proposal lists again and again (a flood repeats one
    for every request), so a list that parses without a problem is remembered by its
    bytes; one with problems is parsed where it stands, so each problem keeps its offset.
    """
    body = cur.data[cur.pos:cur.end]
    known = _clean_proposals(body, proposal)
    if known is not None:
        cur.pos = cur.end
        return known
    return walk_substructures(cur, 2, "proposal", 8, proposal, problems)


@lru_cache(maxsize=1024)
def _clean_proposals(body: bytes, proposal: Callable[[Cursor, int, list[Problem]], Proposal]
                     ) -> tuple[Proposal, ...] | None:
    problems: list[Problem] = []
    try:
        out = walk_substructures(Cursor(body, 0, len(body)), 2, "proposal", 8, proposal, problems)
    except Short:
        return None
    return None if problems else out
