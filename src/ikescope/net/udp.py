"""UDP: decide whether a datagram is IKE, ESP, a NAT keepalive, or none of them.

Port 500 carries IKE as is. Port 4500 (RFC 3948) multiplexes three things on
one port: IKE behind a 4-byte zero non-ESP marker (a zero SPI, which ESP never
uses), a lone 0xff byte as a NAT keepalive, and ESP otherwise. On any other
port the content has to prove itself, because a port number alone would turn
every high-port UDP flow into noise for the decoder.
"""

from __future__ import annotations

from enum import Enum

IKE_PORT = 500
NATT_PORT = 4500
NON_ESP_MARKER = b"\x00\x00\x00\x00"
KEEPALIVE = b"\xff"
IKE_HEADER_LEN = 28
ESP_MIN_LEN = 8  # SPI and sequence number

_IKE_VERSIONS = (0x10, 0x20)
# Exchange types that real peers send (IANA ISAKMP and IKEv2 registries).
_IKEV1_EXCHANGES = frozenset({1, 2, 3, 4, 5, 6, 32, 33})
_IKEV2_EXCHANGES = frozenset({34, 35, 36, 37, 43, 44})
_ZERO_SPI = bytes(8)


class Kind(str, Enum):
    IKE = "ike"
    ESP = "esp"
    KEEPALIVE = "keepalive"
    SHORT = "short"  # the capture cut the datagram before we could tell
    OTHER = "other"


def looks_like_ike(payload: bytes, wire_len: int) -> bool:
    """Whether bytes on a non-IKE port are clearly an IKE message.

    Each condition alone is common in random data; together (length field equal
    to the datagram, a known version and exchange, a nonzero initiator SPI)
    they are not, which keeps other UDP protocols away from the decoder.
    """
    if wire_len < IKE_HEADER_LEN or len(payload) < IKE_HEADER_LEN:
        return False
    version = payload[17]
    if version not in _IKE_VERSIONS:
        return False
    exchange = payload[18]
    if exchange not in (_IKEV2_EXCHANGES if version == 0x20 else _IKEV1_EXCHANGES):
        return False
    if int.from_bytes(payload[24:28], "big") != wire_len:
        return False
    return payload[0:8] != _ZERO_SPI


def classify(sport: int, dport: int, payload: bytes, wire_len: int) -> tuple[Kind, str, bytes]:
    """Sort one UDP payload; returns (kind, encap, IKE bytes).

    ``payload`` holds the captured bytes and ``wire_len`` the length the UDP
    header declared, so a snap length shows up as ``len(payload) < wire_len``.
    For IKE, the returned bytes start at the ISAKMP header and wire_len minus
    the marker is the message's full length.
    """
    if sport == NATT_PORT or dport == NATT_PORT:
        return _natt(payload, wire_len)
    if sport == IKE_PORT or dport == IKE_PORT:
        return Kind.IKE, "plain", payload
    if looks_like_ike(payload, wire_len):
        return Kind.IKE, "plain", payload
    if payload[:4] == NON_ESP_MARKER and looks_like_ike(payload[4:], wire_len - 4):
        return Kind.IKE, "non-esp", payload[4:]
    return Kind.OTHER, "", b""


def _natt(payload: bytes, wire_len: int) -> tuple[Kind, str, bytes]:
    if wire_len == 1 and payload == KEEPALIVE:
        return Kind.KEEPALIVE, "", b""
    if len(payload) < 4 and wire_len >= 4:
        return Kind.SHORT, "", b""
    if payload[:4] == NON_ESP_MARKER:
        return Kind.IKE, "non-esp", payload[4:]
    if wire_len >= ESP_MIN_LEN:
        return Kind.ESP, "", b""
    return Kind.OTHER, "", b""
