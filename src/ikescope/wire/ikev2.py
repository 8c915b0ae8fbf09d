"""IKEv2 payload bodies (RFC 7296 section 3, RFC 7383 for SKF).

Same contract as ``ikev1``: a parser reads the body through a cursor and may
raise ``Short``; the chain walker reports it against this payload.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..model import Problem, Severity
from .common import check_fixed_size, note_leftover, parse_attributes, parse_proposal, proposals_of
from .cursor import Cursor
from .message import (
    AuthPayload,
    CertPayload,
    CertReqPayload,
    ConfigPayload,
    DeletePayload,
    EapPayload,
    EncryptedPayload,
    IdPayload,
    KePayload,
    NotifyPayload,
    OpaquePayload,
    Payload,
    Proposal,
    SaPayload,
    TrafficSelector,
    Transform,
    TsPayload,
)

# Payload type numbers (IANA "IKEv2 Payload Types"; RFC 7296 3.2, RFC 7383 for SKF).
SA, KE, IDI, IDR, CERT, CERTREQ, AUTH, NONCE, N, D, V, TSI, TSR, SK, CP, EAP = range(33, 49)
SKF = 53

TS_IPV4, TS_IPV6 = 7, 8
_TRANSFORM_HEAD = struct.Struct(">BBH")

# Sizes RFC 7296 fixes: address IDs (3.5), INVALID_KE_PAYLOAD's accepted group (3.10.1),
# and the SHA-1 hashes of NAT_DETECTION_SOURCE/DESTINATION_IP (2.23).
ID_DATA_SIZES = {1: 4, 5: 16}
NOTIFY_DATA_SIZES = {17: 2, 16388: 20, 16389: 20}
_TS_ADDR_LEN = {TS_IPV4: 4, TS_IPV6: 16}


def _transform(cur: Cursor, start: int, problems: list[Problem]) -> Transform:
    ttype, _, tid = cur.unpack(_TRANSFORM_HEAD)  # type, RESERVED, id
    attributes = parse_attributes(cur, problems) if cur.remaining else ()
    return Transform(number=0, type=ttype, id=tid, attributes=attributes)


def _proposal(cur: Cursor, start: int, problems: list[Problem]) -> Proposal:
    return parse_proposal(cur, start, problems, _transform)


def _sa(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return SaPayload(p.type, p.offset, p.length, p.critical, proposals=proposals_of(cur, problems, _proposal))


def _ke(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    group = cur.u16()
    cur.u16()  # RESERVED
    return KePayload(p.type, p.offset, p.length, p.critical, group=group, data_length=cur.remaining)


def _id(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    id_type = cur.u8()
    cur.take(3)  # RESERVED
    at = cur.pos
    data = cur.rest()
    check_fixed_size("ike.id_data_length", "identification", ID_DATA_SIZES, id_type, data, at, problems)
    return IdPayload(p.type, p.offset, p.length, p.critical, id_type=id_type, data=data)


def _cert(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return CertPayload(p.type, p.offset, p.length, p.critical, encoding=cur.u8(), data=cur.rest())


def _certreq(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return CertReqPayload(p.type, p.offset, p.length, p.critical, encoding=cur.u8(), data=cur.rest())


def _auth(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    method = cur.u8()
    cur.take(3)  # RESERVED
    return AuthPayload(p.type, p.offset, p.length, p.critical, method=method, data_length=cur.remaining)


def _opaque(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return OpaquePayload(p.type, p.offset, p.length, p.critical, data=cur.rest())


def _notify(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    protocol = cur.u8()
    spi_size = cur.u8()
    ntype = cur.u16()
    spi = cur.take(spi_size)
    at = cur.pos
    data = cur.rest()
    check_fixed_size("ike.notify_data_length", "notify", NOTIFY_DATA_SIZES, ntype, data, at, problems,
                     severity=Severity.WARNING)
    return NotifyPayload(p.type, p.offset, p.length, p.critical, protocol=protocol, spi=spi, notify_type=ntype,
                         data=data)


def _delete(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    protocol = cur.u8()
    spi_size = cur.u8()
    count = cur.u16()
    spis = tuple(cur.take(spi_size) for _ in range(count)) if spi_size else ()
    note_leftover(cur, f"the {count} SPIs of the delete payload at offset {p.offset}", problems)
    return DeletePayload(p.type, p.offset, p.length, p.critical, protocol=protocol, spi_size=spi_size, spis=spis)


def _selector(cur: Cursor, problems: list[Problem]) -> TrafficSelector | None:
    """One selector, or None (after a problem) when its length cannot be trusted.

    A selector's length must cover the type's two addresses (RFC 7296 3.13.1);
    when it does not, the next selector's position is unknown, so the walk stops.
    """
    start = cur.pos
    ts_type = cur.u8()
    protocol = cur.u8()
    length = cur.u16()
    alen = _TS_ADDR_LEN.get(ts_type)
    needed = 8 + 2 * alen if alen is not None else 8
    if length < needed:
        kind = f"a type {ts_type} selector needs {needed}" if alen is not None else "less than 8"
        problems.append(Problem("ike.substructure_length_short",
                                f"traffic selector at offset {start} has length {length}, {kind}",
                                offset=start + 2, length=2))
        return None
    if start + length > cur.end:
        problems.append(Problem("ike.substructure_overrun",
                                f"traffic selector at offset {start} has length {length} but only "
                                f"{cur.end - start} bytes remain", offset=start, length=cur.end - start))
        return None
    body = cur.sub(length - 4)
    start_port = body.u16()
    end_port = body.u16()
    if alen is None:
        return TrafficSelector(ts_type, protocol, start_port, end_port, body.rest(), b"")
    start_addr = body.take(alen)
    end_addr = body.take(alen)
    note_leftover(body, f"the addresses of the traffic selector at offset {start}", problems)
    return TrafficSelector(ts_type, protocol, start_port, end_port, start_addr, end_addr)


def _ts(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    count = cur.u8()
    cur.take(3)  # RESERVED
    selectors: list[TrafficSelector] = []
    for _ in range(count):
        if cur.remaining < 4:
            problems.append(Problem("ike.substructure_overrun",
                                    f"traffic selector header at offset {cur.pos} needs 4 bytes, {cur.remaining} left",
                                    offset=cur.pos, length=cur.remaining))
            break
        selector = _selector(cur, problems)
        if selector is None:
            break
        selectors.append(selector)
    if len(selectors) != count:
        problems.append(Problem("ike.selector_count_mismatch", f"{count} traffic selectors announced, "
                                f"{len(selectors)} found", offset=p.offset + 4, length=1))
    else:
        note_leftover(cur, "the last traffic selector", problems)
    return TsPayload(p.type, p.offset, p.length, p.critical, selectors=tuple(selectors))


def _sk(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    # inner_next is filled in by the chain walker, which owns the generic header.
    return EncryptedPayload(p.type, p.offset, p.length, p.critical, data=cur.rest())


def _skf(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    number = cur.u16()
    total = cur.u16()
    if number == 0 or total == 0 or number > total:
        problems.append(Problem("ike.fragment_number_invalid", f"fragment {number} of {total} is impossible",
                                offset=p.offset + 4, length=4))
    return EncryptedPayload(p.type, p.offset, p.length, p.critical, data=cur.rest(),
                            fragment_number=number, total_fragments=total)


def _cp(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    cfg_type = cur.u8()
    cur.take(3)  # RESERVED
    return ConfigPayload(p.type, p.offset, p.length, p.critical, cfg_type=cfg_type,
                         attributes=parse_attributes(cur, problems, tlv_only=True))


def _eap(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    code = cur.u8()
    identifier = cur.u8()
    cur.u16()  # EAP length, repeated inside the payload
    eap_type = cur.u8() if code in (1, 2) and cur.remaining else None
    return EapPayload(p.type, p.offset, p.length, p.critical, code=code, identifier=identifier, eap_type=eap_type)



BodyParser = Callable[[Payload, Cursor, list[Problem]], Payload]

PARSERS: dict[int, tuple[int, BodyParser]] = {
    SA: (0, _sa),
    KE: (4, _ke),
    IDI: (4, _id),
    IDR: (4, _id),
    CERT: (1, _cert),
    CERTREQ: (1, _certreq),
    AUTH: (4, _auth),
    NONCE: (0, _opaque),
    N: (4, _notify),
    D: (4, _delete),
    V: (0, _opaque),
    TSI: (4, _ts),
    TSR: (4, _ts),
    SK: (0, _sk),
    CP: (4, _cp),
    EAP: (4, _eap),
    SKF: (4, _skf),
}
