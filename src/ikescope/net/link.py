"""Link layers: find where the IP header starts in a frame.

Each function takes the raw frame and returns the offset of the IP header, or
-1 when the frame carries something else (ARP, LLDP, an 802.3 LLC frame...).
They only slice and compare bytes, so a non-IP frame costs a few comparisons;
the IP layer then trusts the version nibble, not the link's protocol field.
"""

from __future__ import annotations

from collections.abc import Callable

# EtherType values as they appear on the wire.
ETH_IPV4 = b"\x08\x00"
ETH_IPV6 = b"\x86\xdd"
# 802.1Q, 802.1ad (S-tag), and the pre-standard QinQ tag some switches still send.
VLAN_TAGS = (b"\x81\x00", b"\x88\xa8", b"\x91\x00")

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW_BSD = 12  # DLT_RAW on most systems, as libpcap maps it
LINKTYPE_RAW_OPENBSD = 14
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

_SLL_HDR_LEN = 16
_SLL2_HDR_LEN = 20
_NULL_HDR_LEN = 4


def _after_ethertype(data: bytes, pos: int) -> int:
    """Skip any stack of VLAN tags starting with the EtherType at ``pos``."""
    et = data[pos : pos + 2]
    while et in VLAN_TAGS:
        pos += 4
        et = data[pos : pos + 2]
    if et == ETH_IPV4 or et == ETH_IPV6:
        return pos + 2
    return -1


def ethernet(data: bytes) -> int:
    return _after_ethertype(data, 12)


def linux_sll(data: bytes) -> int:
    # The protocol field sits in the last two bytes of the 16-byte header.
    return _after_ethertype(data, _SLL_HDR_LEN - 2)


def linux_sll2(data: bytes) -> int:
    et = data[0:2]
    if et == ETH_IPV4 or et == ETH_IPV6:
        return _SLL2_HDR_LEN
    return -1


def null_loopback(data: bytes) -> int:
    """BSD null and OpenBSD loop: a 4-byte address family whose byte order and
    IPv6 value differ between systems, so the IP version nibble decides instead."""
    return _NULL_HDR_LEN if len(data) > _NULL_HDR_LEN else -1


def raw_ip(data: bytes) -> int:
    return 0


LINK_PARSERS: dict[int, Callable[[bytes], int]] = {
    LINKTYPE_NULL: null_loopback,
    LINKTYPE_ETHERNET: ethernet,
    LINKTYPE_RAW_BSD: raw_ip,
    LINKTYPE_RAW_OPENBSD: raw_ip,
    LINKTYPE_RAW: raw_ip,
    LINKTYPE_LOOP: null_loopback,
    LINKTYPE_LINUX_SLL: linux_sll,
    LINKTYPE_IPV4: raw_ip,
    LINKTYPE_IPV6: raw_ip,
    LINKTYPE_LINUX_SLL2: linux_sll2,
}
