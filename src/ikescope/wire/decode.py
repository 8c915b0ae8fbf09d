"""The decoder's one entry point: any bytes in, a ``Decoded`` out, never an exception.

Rules:
1. Everything the message says is kept, up to the first fault that makes the
   rest unreadable; the fault is a Problem with its byte offset.
2. A fault inside one payload's body spoils that payload only (it becomes an
   ``UnknownPayload`` holding its bytes); the chain goes on, because the
   generic header still says where the next payload starts.
3. A fault in the chain itself (a length that overruns the message or is too
   small to move forward) ends the walk: nothing after it can be located.
4. An exception other than ``Short`` escaping a body parser is a bug; it is
   still caught here and reported as ``ike.decoder_error`` so one bad packet
   cannot stop an analysis of millions.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Problem, Severity
from . import ikev1, ikev2
from .cursor import Cursor, Short
from .message import Decoded, EncryptedPayload, Header, IkeMessage, Payload, UnknownPayload

HEADER_LEN = 28

_ENCRYPTED_V2 = (ikev2.SK, ikev2.SKF)


def parse_header(data: bytes) -> Header | None:
    """The ISAKMP header, or None when fewer than 28 bytes are there."""
    if len(data) < HEADER_LEN:
        return None
    version = data[17]
    return Header(
        ispi=bytes(data[0:8]),
        rspi=bytes(data[8:16]),
        next_payload=data[16],
        major=version >> 4,
        minor=version & 0x0F,
        exchange=data[18],
        flags=data[19],
        message_id=int.from_bytes(data[20:24], "big"),
        length=int.from_bytes(data[24:28], "big"),
    )


def decode_message(data: bytes) -> Decoded:
    """Decode one IKE message (IKEv1 or IKEv2) starting at the ISAKMP header."""
    data = bytes(data)
    header = parse_header(data)
    if header is None:
        return Decoded(None, (Problem("ike.too_short",
                                      f"{len(data)} bytes, fewer than the 28-byte ISAKMP header",
                                      offset=0, length=len(data)),))
    problems: list[Problem] = []
    end = _message_end(header, len(data), problems)
    if header.major not in (1, 2):
        problems.append(Problem("ike.unknown_version",
                                f"major version {header.major}.{header.minor} is neither IKEv1 nor IKEv2; "
                                "payloads not decoded", offset=17, length=1))
        return Decoded(IkeMessage(header, ()), tuple(problems))
    _check_header(header, problems)
    if header.encrypted_v1:
        return Decoded(IkeMessage(header, (), encrypted_v1=data[HEADER_LEN:end]), tuple(problems))
    try:
        payloads = _walk_chain(data, header.major == 2, header.next_payload, HEADER_LEN, end, problems)
    except Exception as exc:  # noqa: BLE001 - rule 4 above
        problems.append(Problem("ike.decoder_error", f"internal decoder error: {type(exc).__name__}: {exc}"))
        payloads = ()
    return Decoded(IkeMessage(header, payloads), tuple(problems))


def _message_end(header: Header, available: int, problems: list[Problem]) -> int:
    """Where the payload chain must stop, reconciling the length field with the bytes at hand."""
    if header.length < HEADER_LEN:
        problems.append(Problem("ike.header_length_short",
                                f"header length field is {header.length}, less than the 28-byte header",
                                offset=24, length=4))
        return available
    if header.length > available:
        problems.append(Problem("ike.truncated",
                                f"header says {header.length} bytes, only {available} are present",
                                offset=available, length=header.length - available))
        return available
    if header.length < available:
        problems.append(Problem("ike.extra_bytes",
                                f"{available - header.length} bytes after the {header.length} the header announces",
                                offset=header.length, length=available - header.length,
                                severity=Severity.WARNING))
    return header.length


def _check_header(header: Header, problems: list[Problem]) -> None:
    if header.ispi == b"\0" * 8:
        problems.append(Problem("ike.zero_initiator_spi", "the initiator SPI (cookie) is zero",
                                offset=0, length=8))
    if header.major == 2:
        if header.flags & ~0x38 & 0xFF:
            problems.append(Problem("ike.reserved_nonzero",
                                    f"IKEv2 flags {header.flags:#04x} set reserved bits", offset=19, length=1,
                                    severity=Severity.WARNING))
    elif header.flags & ~0x07 & 0xFF:
        problems.append(Problem("ike.reserved_nonzero",
                                f"IKEv1 flags {header.flags:#04x} set undefined bits", offset=19, length=1,
                                severity=Severity.WARNING))


def decode_chain(data: bytes, version: int, first: int) -> tuple[tuple[Payload, ...], tuple[Problem, ...]]:
    """A bare payload chain, as found inside decrypted SK/IKEv1 content.

    Offsets are counted from the start of ``data`` (the plaintext), and the same
    rules as for a whole message apply; like ``decode_message`` it never raises.
    """
    problems: list[Problem] = []
    try:
        payloads = _walk_chain(bytes(data), version == 2, first, 0, len(data), problems)
    except Exception as exc:  # noqa: BLE001 - rule 4 above
        problems.append(Problem("ike.decoder_error", f"internal decoder error: {type(exc).__name__}: {exc}"))
        payloads = ()
    return payloads, tuple(problems)


def _walk_chain(data: bytes, v2: bool, first: int, start: int, end: int,
                problems: list[Problem]) -> tuple[Payload, ...]:
    parsers = ikev2.PARSERS if v2 else ikev1.PARSERS
    payloads: list[Payload] = []
    nxt = first
    pos = start
    while nxt != 0:
        if pos >= end:
            problems.append(Problem("ike.chain_unterminated",
                                    f"next payload {nxt} announced at the end of the message", offset=pos))
            break
        if pos + 4 > end:
            problems.append(Problem("ike.payload_truncated",
                                    f"payload header at offset {pos} needs 4 bytes, {end - pos} left",
                                    offset=pos, length=end - pos))
            break
        ptype = nxt
        nxt = data[pos]
        flags = data[pos + 1]
        plen = (data[pos + 2] << 8) | data[pos + 3]
        critical = v2 and bool(flags & 0x80)
        reserved = flags & 0x7F if v2 else flags
        if reserved:
            problems.append(Problem("ike.reserved_nonzero", f"payload at offset {pos} has reserved bits "
                                    f"{reserved:#04x}", offset=pos + 1, length=1, severity=Severity.WARNING))
        if plen < 4:
            problems.append(Problem("ike.payload_length_short",
                                    f"payload type {ptype} at offset {pos} has length {plen}, the walk cannot go on",
                                    offset=pos + 2, length=2))
            break
        overrun = pos + plen > end
        if overrun:
            problems.append(Problem("ike.payload_overrun",
                                    f"payload type {ptype} at offset {pos} has length {plen} but only "
                                    f"{end - pos} bytes remain", offset=pos, length=end - pos))
            plen = end - pos
        base = Payload(ptype, pos, plen, critical)
        payloads.append(_body(data, base, parsers, v2, problems))
        if v2 and ptype in _ENCRYPTED_V2:
            if isinstance(payloads[-1], EncryptedPayload):
                payloads[-1] = replace(payloads[-1], inner_next=nxt)
            if pos + plen < end:
                problems.append(Problem("ike.payload_after_encrypted",
                                        f"{end - pos - plen} bytes follow the encrypted payload, which must be last",
                                        offset=pos + plen, length=end - pos - plen))
            return tuple(payloads)
        pos += plen
        if overrun:
            break
    else:
        if pos < end:
            problems.append(Problem("ike.payload_extra_bytes",
                                    f"{end - pos} bytes after the last payload", offset=pos, length=end - pos,
                                    severity=Severity.WARNING))
    return tuple(payloads)


def _body(data: bytes, base: Payload, parsers: dict, v2: bool, problems: list[Problem]) -> Payload:
    ptype, pos, plen = base.type, base.offset, base.length
    entry = parsers.get(ptype)
    raw = data[pos + 4 : pos + plen]
    if entry is None:
        if v2 and base.critical:
            problems.append(Problem("ike.unknown_critical_payload",
                                    f"unknown payload type {ptype} at offset {pos} is marked critical; "
                                    "a receiver must reject the message (RFC 7296 2.5)", offset=pos, length=plen))
        else:
            problems.append(Problem("ike.unknown_payload", f"payload type {ptype} at offset {pos} is not known",
                                    offset=pos, length=plen,
                                    severity=Severity.INFO if v2 else Severity.WARNING))
        return UnknownPayload(ptype, pos, plen, base.critical, data=raw)
    minimum, parse = entry
    if plen - 4 < minimum:
        problems.append(Problem("ike.payload_length_short",
                                f"payload type {ptype} at offset {pos} has length {plen}, "
                                f"less than its {minimum + 4}-byte fixed part", offset=pos + 2, length=2))
        return UnknownPayload(ptype, pos, plen, base.critical, data=raw)
    cur = Cursor(data, pos + 4, pos + plen)
    try:
        return parse(base, cur, problems)
    except Short as s:
        problems.append(Problem("ike.payload_body_short",
                                f"payload type {ptype} at offset {pos} is cut: field at offset {s.offset} needs "
                                f"{s.wanted} bytes, {s.available} left", offset=s.offset, length=s.available))
        return UnknownPayload(ptype, pos, plen, base.critical, data=raw)
