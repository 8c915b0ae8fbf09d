"""Identity and address payload data as a person reads it.

Shared by the tracker (which records identities per SA) and the renderers.
"""

from __future__ import annotations

import ipaddress

# ID types (RFC 2407 4.6.2.1 for IKEv1, RFC 7296 3.5 for IKEv2; 1, 2, 3, 5 agree).
ID_IPV4_ADDR, ID_FQDN, ID_USER_FQDN, ID_IPV6_ADDR = 1, 2, 3, 5
V1_SUBNETS, V1_RANGES = (4, 6), (7, 8)


def address_text(raw: bytes) -> str:
    """An IPv4/IPv6 address, or hex when the length is neither."""
    if len(raw) in (4, 16):
        return str(ipaddress.ip_address(raw))
    return raw.hex()


def identity_text(id_type: int, data: bytes, version: int) -> str:
    """An address, subnet, range or name; hex for binary kinds (DER DN, key ID)."""
    if id_type in (ID_IPV4_ADDR, ID_IPV6_ADDR) and len(data) in (4, 16):
        return address_text(data)
    if version == 1 and id_type in V1_SUBNETS and len(data) in (8, 32):
        half = len(data) // 2
        prefix = bin(int.from_bytes(data[half:], "big")).count("1")
        return f"{address_text(data[:half])}/{prefix}"
    if version == 1 and id_type in V1_RANGES and len(data) in (8, 32):
        half = len(data) // 2
        return f"{address_text(data[:half])}-{address_text(data[half:])}"
    if id_type in (ID_FQDN, ID_USER_FQDN) and data.isascii() and data.decode("ascii").isprintable():
        return data.decode("ascii")
    return data.hex()
