"""IKEv1 payload bodies (RFC 2408 section 3, RFC 2407, RFC 3947, mode-cfg draft).

Each parser gets a cursor over the payload body (after the 4-byte generic
header) and returns the payload record; it may raise ``Short``, which the
chain walker in ``decode`` turns into a problem for this payload only.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..model import Problem
from .common import check_fixed_size, note_leftover, parse_attributes, parse_proposal, proposals_of
from .cursor import Cursor
from .message import (
    CertPayload,
    CertReqPayload,
    ConfigPayload,
    DeletePayload,
    FragmentV1Payload,
    IdPayload,
    KePayload,
    NatOaPayload,
    NotifyPayload,
    OpaquePayload,
    Payload,
    Proposal,
    SaPayload,
    Transform,
)

# Payload type numbers (RFC 2408 3.1; RFC 3947 for 20/21; draft-ietf-ipsec-nat-t-ike-02/03
# used 130/131; 132 is the de-facto IKEv1 fragmentation payload; 14 is mode-cfg's Attribute).
# 15 is GDOI's SAK (RFC 3547), but old Cisco gear sent NAT-D under it before the drafts
# settled on 130 (Openswan calls it NATD_BADDRAFTS); GDOI has its own exchanges, so in
# IKE traffic 15 is read as that NAT-D hash.
SA, PROPOSAL, TRANSFORM, KE, ID, CERT, CR, HASH, SIG, NONCE, N, D, VID, ATTR = range(1, 15)
NAT_D_BADDRAFT = 15
NAT_D, NAT_OA = 20, 21
NAT_D_DRAFT, NAT_OA_DRAFT, FRAGMENT = 130, 131, 132

_TRANSFORM_HEAD = struct.Struct(">BBH")

# Identification data sizes the IPsec DOI fixes (RFC 2407 4.6.2.1): the address types.
ID_DATA_SIZES = {1: 4, 4: 8, 5: 16, 6: 32, 7: 8, 8: 32}


def _transform(cur: Cursor, start: int, problems: list[Problem]) -> Transform:
    number, tid, _ = cur.unpack(_TRANSFORM_HEAD)  # number, id, RESERVED2
    return Transform(number=number, type=0, id=tid, attributes=parse_attributes(cur, problems))


def _proposal(cur: Cursor, start: int, problems: list[Problem]) -> Proposal:
    return parse_proposal(cur, start, problems, _transform)


def _sa(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    doi = cur.u32()
    situation = cur.u32()
    return SaPayload(p.type, p.offset, p.length, p.critical, doi=doi, situation=situation,
                     proposals=proposals_of(cur, problems, _proposal))


def _ke(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return KePayload(p.type, p.offset, p.length, p.critical, group=None, data_length=cur.remaining)


def _id(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    id_type = cur.u8()
    protocol = cur.u8()
    port = cur.u16()
    at = cur.pos
    data = cur.rest()
    check_fixed_size("ike.id_data_length", "identification", ID_DATA_SIZES, id_type, data, at, problems)
    return IdPayload(p.type, p.offset, p.length, p.critical, id_type=id_type, protocol=protocol, port=port,
                     data=data)


def _cert(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return CertPayload(p.type, p.offset, p.length, p.critical, encoding=cur.u8(), data=cur.rest())


def _certreq(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return CertReqPayload(p.type, p.offset, p.length, p.critical, encoding=cur.u8(), data=cur.rest())


def _opaque(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    return OpaquePayload(p.type, p.offset, p.length, p.critical, data=cur.rest())


def _notify(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    doi = cur.u32()
    protocol = cur.u8()
    spi_size = cur.u8()
    ntype = cur.u16()
    spi = cur.take(spi_size)
    return NotifyPayload(p.type, p.offset, p.length, p.critical, doi=doi, protocol=protocol, spi=spi,
                         notify_type=ntype, data=cur.rest())


def _delete(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    doi = cur.u32()
    protocol = cur.u8()
    spi_size = cur.u8()
    count = cur.u16()
    spis = tuple(cur.take(spi_size) for _ in range(count)) if spi_size else ()
    note_leftover(cur, f"the {count} SPIs of the delete payload at offset {p.offset}", problems)
    return DeletePayload(p.type, p.offset, p.length, p.critical, doi=doi, protocol=protocol, spi_size=spi_size,
                         spis=spis)


def _attr(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    cfg_type = cur.u8()
    cur.u8()  # RESERVED
    identifier = cur.u16()
    return ConfigPayload(p.type, p.offset, p.length, p.critical, cfg_type=cfg_type, identifier=identifier,
                         attributes=parse_attributes(cur, problems))


def _nat_oa(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    id_type = cur.u8()
    cur.take(3)  # RESERVED
    return NatOaPayload(p.type, p.offset, p.length, p.critical, id_type=id_type, address=cur.rest())


def _fragment(p: Payload, cur: Cursor, problems: list[Problem]) -> Payload:
    fragment_id = cur.u16()
    number = cur.u8()
    flags = cur.u8()
    return FragmentV1Payload(p.type, p.offset, p.length, p.critical, fragment_id=fragment_id, number=number,
                             last=bool(flags & 0x01), data=cur.rest())


BodyParser = Callable[[Payload, Cursor, list[Problem]], Payload]

# The smallest legal body of each payload, so a too-short length is reported before parsing.
PARSERS: dict[int, tuple[int, BodyParser]] = {
    SA: (8, _sa),
    KE: (0, _ke),
    ID: (4, _id),
    CERT: (1, _cert),
    CR: (1, _certreq),
    HASH: (0, _opaque),
    SIG: (0, _opaque),
    NONCE: (0, _opaque),
    N: (8, _notify),
    D: (8, _delete),
    VID: (0, _opaque),
    ATTR: (4, _attr),
    NAT_D_BADDRAFT: (0, _opaque),
    NAT_D: (0, _opaque),
    NAT_OA: (4, _nat_oa),
    NAT_D_DRAFT: (0, _opaque),
    NAT_OA_DRAFT: (4, _nat_oa),
    FRAGMENT: (4, _fragment),
}
