"""UDP: decide whether a datagram is IKE, ESP, a NAT keepalive, or none of them.

Port 500 carries IKE as is. Port 4500 (RFC 3948) multiplexes three things on
one port: IKE behind a 4-byte zero non-ESP marker (a zero SPI, which ESP never
uses), a lone 0xff byte as a NAT keepalive, and ESP otherwise. On any other
port the content has to prove itself, because a port number alone would turn
every high-port UDP flow into noise for the decoder.
"""

from __future__ import annotations

from enum import Enum

from ikescope.wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_AUTH_ONLY,
    EX_V1_BASE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V1_NEW_GROUP,
    EX_V1_QUICK,
    EX_V1_TRANSACTION,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_GSA_AUTH,
    EX_V2_GSA_REGISTRATION,
    EX_V2_GSA_REKEY,
    EX_V2_IKE_AUTH,
    EX_V2_IKE_FOLLOWUP_KE,
    EX_V2_IKE_INTERMEDIATE,
    EX_V2_IKE_SA_INIT,
    EX_V2_IKE_SESSION_RESUME,
    EX_V2_INFORMATIONAL,
    PORT_IKE,
    PORT_NAT_T,
)

NON_ESP_MARKER = b"\x00\x00\x00\x00"
KEEPALIVE_BYTE = 0xFF
IKE_HEADER_LEN = 28
ESP_MIN_LEN = 8  # SPI and sequence number

_IKE_VERSIONS = (0x10, 0x20)
# Exchange types that real peers send (IANA ISAKMP and IKEv2 registries): in
# IKEv1 the base, main, auth-only, aggressive, informational and transaction
# exchanges, quick mode and new group mode; in IKEv2 SA_INIT through
# INFORMATIONAL, session resumption, the group exchanges, IKE_INTERMEDIATE
# and IKE_FOLLOWUP_KE.
_IKEV1_EXCHANGES = frozenset({EX_V1_BASE, EX_V1_MAIN, EX_V1_AUTH_ONLY, EX_V1_AGGRESSIVE, EX_V1_INFORMATIONAL,
                              EX_V1_TRANSACTION, EX_V1_QUICK, EX_V1_NEW_GROUP})
_IKEV2_EXCHANGES = frozenset({EX_V2_IKE_SA_INIT, EX_V2_IKE_AUTH, EX_V2_CREATE_CHILD_SA, EX_V2_INFORMATIONAL,
                              EX_V2_IKE_SESSION_RESUME, EX_V2_GSA_AUTH, EX_V2_GSA_REGISTRATION, EX_V2_GSA_REKEY,
                              EX_V2_IKE_INTERMEDIATE, EX_V2_IKE_FOLLOWUP_KE})
_ZERO_SPI = bytes(8)


class Kind(str, Enum):
    IKE = "ike"
    ESP = "esp"
    KEEPALIVE = "keepalive"
    SHORT = "short"  # the capture cut the datagram before we could tell
    OTHER = "other"


def looks_like_ike(data: bytes, start: int, stop: int, wire_len: int) -> bool:
    """Whether ``data[start:stop]`` on a non-IKE port is clearly an IKE message.

    Each condition alone is common in random data; together (length field equal
    to the datagram, a known version and exchange, a nonzero initiator SPI)
    they are not, which keeps other UDP protocols away from the decoder.
    """
    if wire_len < IKE_HEADER_LEN or stop - start < IKE_HEADER_LEN:
        return False
    version = data[start + 17]
    if version not in _IKE_VERSIONS:
        return False
    exchange = data[start + 18]
    if exchange not in (_IKEV2_EXCHANGES if version == 0x20 else _IKEV1_EXCHANGES):
        return False
    if int.from_bytes(data[start + 24 : start + 28], "big") != wire_len:
        return False
    return data[start : start + 8] != _ZERO_SPI


def classify(sport: int, dport: int, data: bytes, start: int, stop: int, wire_len: int) -> tuple[Kind, str, int]:
    """Sort the UDP payload ``data[start:stop]``; returns (kind, encap, IKE start).

    ``stop`` ends the captured bytes and ``wire_len`` is the payload length the
    UDP header declared, so a snap length shows as ``stop - start < wire_len``.
    For IKE, the message starts at the returned offset (after any marker).
    Offsets instead of slices: most datagrams here are ESP, and copying their
    payload only to look at four bytes would be the largest cost.
    """
    if sport == PORT_NAT_T or dport == PORT_NAT_T:
        return _natt(data, start, stop, wire_len)
    if sport == PORT_IKE or dport == PORT_IKE:
        return Kind.IKE, "plain", start
    if looks_like_ike(data, start, stop, wire_len):
        return Kind.IKE, "plain", start
    if data[start : start + 4] == NON_ESP_MARKER and looks_like_ike(data, start + 4, stop, wire_len - 4):
        return Kind.IKE, "non-esp", start + 4
    return Kind.OTHER, "", start


def _natt(data: bytes, start: int, stop: int, wire_len: int) -> tuple[Kind, str, int]:
    captured = stop - start
    if wire_len == 1 and captured == 1 and data[start] == KEEPALIVE_BYTE:
        return Kind.KEEPALIVE, "", start
    if captured < 4 and wire_len >= 4:
        return Kind.SHORT, "", start
    if data[start : start + 4] == NON_ESP_MARKER:
        return Kind.IKE, "non-esp", start + 4
    if wire_len >= ESP_MIN_LEN:
        return Kind.ESP, "", start
    return Kind.OTHER, "", start
