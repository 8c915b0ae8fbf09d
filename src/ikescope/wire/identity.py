"""Identity and address payload data as a person reads it.

Shared by the tracker (which records identities per SA) and the renderers.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .message import TrafficSelector

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


def selector_text(ts: "TrafficSelector") -> str:
    """An IKEv2 traffic selector as "198.51.100.0-198.51.100.127 proto 6 ports 0-65535", or
    a CIDR prefix when the range is one (the way gateway configurations write subnets)."""
    if ts.ts_type not in (7, 8) or len(ts.start) != len(ts.end):
        return ts.start.hex()
    try:
        net = next(ipaddress.summarize_address_range(ipaddress.ip_address(ts.start), ipaddress.ip_address(ts.end)))
        span = str(net) if net.broadcast_address == ipaddress.ip_address(ts.end) else \
            f"{address_text(ts.start)}-{address_text(ts.end)}"
    except (ValueError, TypeError, StopIteration):
        span = f"{address_text(ts.start)}-{address_text(ts.end)}"
    proto = "" if ts.protocol == 0 else f" proto {ts.protocol}"
    ports = "" if (ts.start_port, ts.end_port) == (0, 65535) else f" ports {ts.start_port}-{ts.end_port}"
    return span + proto + ports


# RFC 5685 4: gateway identity types of REDIRECT / REDIRECTED_FROM notify data.
GW_IPV4, GW_IPV6, GW_FQDN = 1, 2, 3


def gateway_identity(data: bytes) -> str | None:
    """The gateway a REDIRECT names (or REDIRECTED_FROM recalls): its notify data is GW Ident
    Type (1 byte), GW Ident Len (1 byte), the identity, then, in IKE_SA_INIT, a nonce copy.
    None when the data is too short or of an unknown type."""
    if len(data) < 2 or len(data) < 2 + data[1]:
        return None
    kind, raw = data[0], data[2:2 + data[1]]
    if kind == GW_IPV4 and len(raw) == 4 or kind == GW_IPV6 and len(raw) == 16:
        return address_text(raw)
    if kind == GW_FQDN and raw:
        return raw.decode("ascii", "replace")
    return None
