"""Per-message views for ``ikescope decode``: one plain dict per IKE message, and
a compact text tree drawn from that same dict, so JSON and text never disagree.

Numbers are kept next to their names (``"exchange": 34, "exchange_name":
"IKE_SA_INIT"``) because an engineer comparing with a gateway log or Wireshark
needs both; names come from ``wire.registry`` and unknown values read
``UNKNOWN(n)``. Values are shown as the peers meant them where their meaning
is documented: vendor IDs by name, mode-config addresses and XAuth status,
lifetimes with their unit, the gateway a REDIRECT points to. Key material is
never shown: KE data, nonces, AUTH and hash contents, XAuth passwords and
answers appear only as lengths.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ..crypto.certs import cert_info
from ..model import Datagram, Problem
from ..wire import registry as reg
from ..wire import vendors
from ..wire.identity import GW_FQDN, GW_IPV4, GW_IPV6, address_text, gateway_identity, identity_text
from ..wire.message import (
    Attribute,
    AuthPayload,
    CertPayload,
    CertReqPayload,
    ConfigPayload,
    Decoded,
    DeletePayload,
    EapPayload,
    EncryptedPayload,
    FragmentV1Payload,
    IdPayload,
    IkeMessage,
    KePayload,
    NatOaPayload,
    NotifyPayload,
    OpaquePayload,
    Payload,
    Proposal,
    SaPayload,
    TrafficSelector,
    Transform,
    TsPayload,
    UnknownPayload,
)
from ..wire.numbers import (
    N_V2_INVALID_KE_PAYLOAD,
    N_V2_REDIRECT,
    N_V2_REDIRECTED_FROM,
    PL_V1_HASH,
    PL_V1_NONCE,
    PL_V1_SIG,
    PL_V1_VID,
    PL_V2_NONCE,
    PL_V2_V,
    TS_IPV4_ADDR_RANGE,
    TS_IPV6_ADDR_RANGE,
)

# Opaque payloads whose bytes are secret or meaningless to a reader: only the length is shown.
_SECRET_V1 = {PL_V1_HASH, PL_V1_SIG, PL_V1_NONCE}
_SECRET_V2 = {PL_V2_NONCE}


def problem_dict(p: Problem) -> dict[str, Any]:
    return {"code": p.code, "severity": p.severity.value, "offset": p.offset, "length": p.length,
            "detail": p.detail}


def attribute_dict(version: int, protocol: int, a: Attribute) -> dict[str, Any]:
    out: dict[str, Any] = {"type": a.type, "name": reg.attribute_name(version, protocol, a.type)}
    value = a.value
    if isinstance(value, bytes) and len(value) <= 8 and version == 1:
        value = int.from_bytes(value, "big") if value else 0
    if isinstance(value, int):
        out["value"] = value
        vname = reg.attribute_value_name(version, protocol, a.type, value)
        if vname is not None:
            out["value_name"] = vname
    else:
        out["value_hex"] = value.hex()
    return out


def proposal_dict(version: int, prop: Proposal) -> dict[str, Any]:
    return {"number": prop.number, "protocol": prop.protocol, "protocol_name": reg.protocol_name(version, prop.protocol),
            "spi": prop.spi.hex(), "transforms": list(_transform_dicts(version, prop.protocol, prop.transforms))}


# The same few transform lists come back in SA after SA; they are named once (the dicts are only read).
@lru_cache(maxsize=4096)
def _transform_dicts(version: int, protocol: int, transforms: tuple[Transform, ...]) -> tuple[dict[str, Any], ...]:
    out = []
    for t in transforms:
        td: dict[str, Any] = {"id": t.id, "name": reg.transform_id_name(version, protocol, t.type, t.id)}
        if version == 2:
            td = {"type": t.type, "type_name": reg.transform_type_name(t.type), **td}
        else:
            td = {"number": t.number, **td}
        if t.attributes:
            td["attributes"] = _with_lifetimes([attribute_dict(version, protocol, a) for a in t.attributes])
        out.append(td)
    return tuple(out)


def _with_lifetimes(attrs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each IKEv1 life duration with its unit, which the life type before it names
    (RFC 2409 Appendix A, RFC 2407 4.5): "15840" alone does not say seconds or kilobytes."""
    unit = None
    for a in attrs:
        if a["name"] in ("Life Type", "SA Life Type"):
            unit = a.get("value_name")
        elif a["name"] in ("Life Duration", "SA Life Duration") and "value" in a and unit is not None:
            a["unit"] = unit
            a["value_text"] = duration_text(a["value"]) if unit == "seconds" else f"{a['value']} {unit}"
    return attrs


def duration_text(seconds: int) -> str:
    """A duration as days, hours, minutes and seconds: "4 h 24 min" for 15840."""
    parts = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    return " ".join(parts) or "0 s"


def selector_dict(ts: TrafficSelector) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ts.ts_type, "type_name": reg.ts_type_name(ts.ts_type), "protocol": ts.protocol,
                           "ports": [ts.start_port, ts.end_port]}
    if ts.ts_type in (TS_IPV4_ADDR_RANGE, TS_IPV6_ADDR_RANGE):
        out["range"] = [address_text(ts.start), address_text(ts.end)]
    else:
        out["data_hex"] = ts.start.hex()
    return out


def payload_dict(version: int, p: Payload) -> dict[str, Any]:
    d: dict[str, Any] = {"type": p.type, "name": reg.payload_name(version, p.type), "offset": p.offset,
                         "length": p.length}
    if p.critical:
        d["critical"] = True
    if isinstance(p, SaPayload):
        if version == 1:
            d["doi"] = p.doi
            d["situation"] = p.situation
        d["proposals"] = [proposal_dict(version, pr) for pr in p.proposals]
    elif isinstance(p, KePayload):
        if p.group is not None:
            d["group"] = p.group
            d["group_name"] = reg.dh_group_name(p.group)
        d["data_length"] = p.data_length
    elif isinstance(p, IdPayload):
        d["id_type"] = p.id_type
        d["id_type_name"] = reg.id_type_name(version, p.id_type)
        if version == 1:
            d["protocol"] = p.protocol
            d["port"] = p.port
        d["identity"] = identity_text(p.id_type, p.data, version)
    elif isinstance(p, (CertPayload, CertReqPayload)):
        d["encoding"] = p.encoding
        d["encoding_name"] = reg.cert_encoding_name(p.encoding)
        d["data_length"] = len(p.data)
        cert = cert_info(p.encoding, p.data) if isinstance(p, CertPayload) else None
        if cert is not None:
            d["certificate"] = {"subject": cert.subject, "issuer": cert.issuer,
                                "not_before": _utc(cert.not_before), "not_after": _utc(cert.not_after)}
    elif isinstance(p, AuthPayload):
        d["method"] = p.method
        d["method_name"] = reg.auth_method_name(p.method)
        d["data_length"] = p.data_length
    elif isinstance(p, NotifyPayload):
        d["notify_type"] = p.notify_type
        d["notify_name"] = reg.notify_name(version, p.notify_type)
        d["error"] = reg.notify_is_error(version, p.notify_type)
        d["protocol"] = p.protocol
        if p.spi:
            d["spi"] = p.spi.hex()
        if p.data:
            d["data_length"] = len(p.data)
            if p.notify_type in _NOTIFY_INT_DATA.get(version, ()) and len(p.data) <= 4:
                d["data_value"] = int.from_bytes(p.data, "big")
            if version == 2 and p.notify_type in (N_V2_REDIRECT, N_V2_REDIRECTED_FROM):
                d.update(_gateway(p.data))
    elif isinstance(p, DeletePayload):
        d["protocol"] = p.protocol
        d["protocol_name"] = reg.protocol_name(version, p.protocol)
        d["spis"] = [s.hex() for s in p.spis]
    elif isinstance(p, TsPayload):
        d["selectors"] = [selector_dict(s) for s in p.selectors]
    elif isinstance(p, ConfigPayload):
        d["cfg_type"] = p.cfg_type
        d["cfg_type_name"] = reg.cfg_type_name(version, p.cfg_type)
        d["attributes"] = [cfg_attribute_dict(version, a) for a in p.attributes]
    elif isinstance(p, EapPayload):
        d["code"] = p.code
        if p.eap_type is not None:
            d["eap_type"] = p.eap_type
            d["eap_type_name"] = reg.eap_type_name(p.eap_type)
    elif isinstance(p, NatOaPayload):
        d["address"] = identity_text(p.id_type, p.address, version)
    elif isinstance(p, EncryptedPayload):
        d["inner_next"] = p.inner_next
        d["inner_next_name"] = reg.payload_name(version, p.inner_next)
        d["data_length"] = len(p.data)
        if p.fragment_number is not None:
            d["fragment"] = [p.fragment_number, p.total_fragments]
    elif isinstance(p, FragmentV1Payload):
        d["fragment_id"] = p.fragment_id
        d["number"] = p.number
        d["last"] = p.last
        d["data_length"] = len(p.data)
    elif isinstance(p, OpaquePayload):
        secret = p.type in (_SECRET_V2 if version == 2 else _SECRET_V1)
        d["data_length"] = len(p.data)
        if not secret:
            d["data_hex"] = p.data.hex()
        vid = vendors.identify(p.data) if p.type == (PL_V2_V if version == 2 else PL_V1_VID) else None
        if vid is not None:
            d["vendor"] = vid.name
    elif isinstance(p, UnknownPayload):
        d["data_length"] = len(p.data)
    return d


_GW_IDENT = {GW_IPV4: "IPv4", GW_IPV6: "IPv6", GW_FQDN: "FQDN"}


def _gateway(data: bytes) -> dict[str, Any]:
    """The gateway a REDIRECT sends the initiator to, or a REDIRECTED_FROM names (RFC 5685 4.2,
    4.3): identity type, length, identity; in IKE_SA_INIT the initiator's nonce follows."""
    if len(data) < 2 or len(data) < 2 + data[1]:
        return {}
    kind, length = data[0], data[1]
    gw: dict[str, Any] = {"type": kind, "type_name": _GW_IDENT.get(kind, f"UNKNOWN({kind})"), "length": length}
    ident = gateway_identity(data)
    if ident is None:
        gw["data_hex"] = data[2:2 + length].hex()
    else:
        gw["identity" if kind == GW_FQDN else "address"] = ident
    out: dict[str, Any] = {"gateway": gw}
    if len(data) > 2 + length:
        out["nonce_length"] = len(data) - 2 - length
    return out


# Mode-config and XAuth attributes by what their value is (the names agree in IKEv1 and IKEv2;
# draft-ietf-ipsec-isakmp-mode-cfg-05 3.3, RFC 7296 3.15.1, draft-beaulieu-ike-xauth-02 4.2).
_CFG_ADDRESSES = {"INTERNAL_IP4_ADDRESS", "INTERNAL_IP4_NETMASK", "INTERNAL_IP4_DNS", "INTERNAL_IP4_NBNS",
                  "INTERNAL_IP4_DHCP", "INTERNAL_IP6_ADDRESS", "INTERNAL_IP6_NETMASK", "INTERNAL_IP6_DNS",
                  "INTERNAL_IP6_NBNS", "INTERNAL_IP6_DHCP", "INTERNAL_IP4_SUBNET", "INTERNAL_IP6_SUBNET",
                  "P_CSCF_IP4_ADDRESS", "P_CSCF_IP6_ADDRESS"}
_CFG_TEXT = {"APPLICATION_VERSION", "XAUTH-MESSAGE", "XAUTH-DOMAIN", "UNITY_BANNER", "UNITY_DEF_DOMAIN"}
_CFG_ENUMS = {"XAUTH-STATUS": {0: "FAIL", 1: "OK"},
              "XAUTH-TYPE": {0: "Generic", 1: "RADIUS-CHAP", 2: "OTP", 3: "S/KEY"}}
# Credentials and the answers to challenges: only their length is ever shown.
_CFG_SECRET = {"XAUTH-USER-PASSWORD", "XAUTH-PASSCODE", "XAUTH-ANSWER", "XAUTH-NEXT-PIN", "XAUTH-CHALLENGE"}


def cfg_attribute_dict(version: int, a: Attribute) -> dict[str, Any]:
    """A configuration attribute with its value where its meaning is known; a request leaves
    the values empty, so only the names show what is asked for."""
    name = reg.cfg_attribute_name(version, a.type)
    raw = a.value
    d: dict[str, Any] = {"type": a.type, "name": name, "length": len(raw) if isinstance(raw, bytes) else 2}
    if isinstance(raw, bytes) and not raw or name in _CFG_SECRET:
        return d
    number = raw if isinstance(raw, int) else int.from_bytes(raw, "big") if len(raw) <= 4 else None
    if name in _CFG_ENUMS and number is not None:
        d["value"] = number
        d["value_name"] = _CFG_ENUMS[name].get(number, f"UNKNOWN({number})")
    elif name == "INTERNAL_ADDRESS_EXPIRY" and number is not None:
        d["value"] = number
        d["value_text"] = duration_text(number)
    elif name in _CFG_ADDRESSES and isinstance(raw, bytes) and len(raw) in (4, 8, 16, 17, 32):
        # An address, or (subnets, IKEv2 IPv6) an address and its mask or prefix length.
        size = 4 if len(raw) in (4, 8) else 16
        d["address"] = address_text(raw[:size])
        if len(raw) == 2 * size:
            d["netmask"] = address_text(raw[size:])
        elif len(raw) == 17:
            d["prefix"] = raw[16]
    elif name in _CFG_TEXT and isinstance(raw, bytes) and raw.isascii() and raw.decode("ascii").isprintable():
        d["text"] = raw.decode("ascii")
    elif name == "XAUTH-USER-NAME" and isinstance(raw, bytes):
        d["identity"] = raw.decode("utf-8", "replace")
    return d


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# Notifies whose data is a number worth showing (RFC 7296 3.10.1: INVALID_KE_PAYLOAD carries the group).
_NOTIFY_INT_DATA: dict[int, tuple[int, ...]] = {2: (N_V2_INVALID_KE_PAYLOAD,), 1: ()}


def message_dict(dg: Datagram, decoded: Decoded) -> dict[str, Any]:
    """Everything ``decode`` shows about one message, as plain JSON-ready data."""
    out: dict[str, Any] = {
        "frame": dg.frame,
        "frames": list(dg.frames),
        "time": dg.ts,
        "src": dg.src,
        "sport": dg.sport,
        "dst": dg.dst,
        "dport": dg.dport,
        "transport": dg.transport,
        "encap": dg.encap,
    }
    m: IkeMessage | None = decoded.message
    if m is not None:
        h = m.header
        out.update({
            "ispi": h.ispi.hex(),
            "rspi": h.rspi.hex(),
            "version": f"{h.major}.{h.minor}",
            "exchange": h.exchange,
            "exchange_name": reg.exchange_name(h.major, h.exchange),
            "flags": h.flags,
            "flag_names": flag_names(h.major, h.flags),
            "message_id": h.message_id,
            "length": h.length,
            "payloads": [payload_dict(h.major, p) for p in m.payloads],
        })
        if m.encrypted_v1 is not None:
            out["encrypted_length"] = len(m.encrypted_v1)
        if m.inner is not None:
            # Decrypted payloads sit under what held them: the SK/SKF payload, or the IKEv1 message.
            inner = [payload_dict(h.major, p) for p in m.inner]
            holder = next((d for d in reversed(out["payloads"]) if "inner_next" in d), None)
            (holder if holder is not None and h.major == 2 else out)["inner"] = inner
    problems = list(dg.problems) + list(decoded.problems)
    if dg.truncated:
        out["truncated"] = True
    out["problems"] = [problem_dict(p) for p in problems]
    return out


def flag_names(major: int, flags: int) -> list[str]:
    if major == 2:
        names = ((0x08, "initiator"), (0x10, "version"), (0x20, "response"))
    else:
        names = ((0x01, "encryption"), (0x02, "commit"), (0x04, "authentication-only"))
    return [n for bit, n in names if flags & bit]


# --- text ----------------------------------------------------------------------------------------

def render_text(records: Iterable[dict[str, Any]]) -> Iterable[str]:
    """Lines of the compact tree, one block per message."""
    for r in records:
        yield from _message_lines(r)


def _message_lines(r: dict[str, Any]) -> Iterable[str]:
    frames = r["frame"] if len(r["frames"]) == 1 else f"{r['frame']} (frames {','.join(map(str, r['frames']))})"
    where = f"{_ep(r['src'], r['sport'])} -> {_ep(r['dst'], r['dport'])}"
    if r["encap"] != "plain":
        where += f" [{r['encap']}]"
    stamp = time_text(r["time"])
    if "version" not in r:
        yield f"#{frames} {stamp} {where} (no IKE header)"
    else:
        ver = "IKEv2" if r["version"].startswith("2") else "IKEv1" if r["version"].startswith("1") else f"v{r['version']}"
        flags = "/".join(r["flag_names"]) or "-"
        yield (f"#{frames} {stamp} {where} {ver} {r['exchange_name']} [{flags}] "
               f"msgid {r['message_id']} len {r['length']}")
        yield f"    SPIs {r['ispi']} {r['rspi']}"
        major = int(r["version"].split(".")[0])
        for p in r["payloads"]:
            yield from _payload_lines(major, p, "    ")
        if "encrypted_length" in r:
            opened = ", decrypted:" if "inner" in r else ""
            yield f"    (encrypted, {r['encrypted_length']} bytes{opened})"
            for p in r.get("inner", ()):
                yield from _payload_lines(major, p, "      ")
    for pr in r["problems"]:
        at = f" at offset {pr['offset']}" if pr["offset"] is not None else ""
        yield f"    ! {pr['severity']} {pr['code']}{at}: {pr['detail']}"


def _ep(addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def time_text(ts: float) -> str:
    """A capture time as a UTC date and time to the microsecond; a time no calendar can show
    stays a number."""
    try:
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ts:.6f}"


def _payload_lines(major: int, p: dict[str, Any], ind: str) -> Iterable[str]:
    name = p["name"]
    if "proposals" in p:
        yield f"{ind}{name}"
        for pr in p["proposals"]:
            spi = f" spi {pr['spi']}" if pr["spi"] else ""
            yield f"{ind}  proposal {pr['number']} {pr['protocol_name']}{spi}"
            for t in pr["transforms"]:
                head = f"{t['type_name']} " if "type_name" in t else f"#{t['number']} "
                attrs = ", ".join(_attr_text(a) for a in t.get("attributes", ()))
                yield f"{ind}    {head}{t['name']}" + (f" ({attrs})" if attrs else "")
        return
    detail = _payload_detail(p)
    yield f"{ind}{name}" + (f" {detail}" if detail else "") + (", decrypted:" if "inner" in p else "")
    for s in p.get("selectors", ()):
        rng = "-".join(s["range"]) if "range" in s else s.get("data_hex", "")
        yield f"{ind}  {s['type_name']} proto {s['protocol']} ports {s['ports'][0]}-{s['ports'][1]} {rng}"
    if "certificate" in p:
        c = p["certificate"]
        yield f"{ind}  subject {c['subject']}"
        yield f"{ind}  issuer {c['issuer']}"
        yield f"{ind}  valid {c['not_before']} to {c['not_after']}"
    for inner in p.get("inner", ()):
        yield from _payload_lines(major, inner, ind + "  ")


def _attr_text(a: dict[str, Any]) -> str:
    if "value_name" in a:
        return f"{a['name']}={a['value_name']}"
    if "value_text" in a:
        return f"{a['name']}={a['value']} ({a['value_text']})"
    if "value" in a:
        return f"{a['name']}={a['value']}"
    return f"{a['name']}=0x{a['value_hex']}"


def _cfg_attr_text(a: dict[str, Any]) -> str:
    """A configuration attribute: its value when shown, else its length (none in a request)."""
    if "address" in a:
        mask = f"/{a['netmask']}" if "netmask" in a else f"/{a['prefix']}" if "prefix" in a else ""
        return f"{a['name']}={a['address']}{mask}"
    for key in ("text", "identity"):
        if key in a:
            return f"{a['name']}={a[key]!r}" if key == "text" else f"{a['name']}={a[key]}"
    if "value" in a:
        return _attr_text(a)
    return a["name"] + (f" ({a['length']} bytes)" if a["length"] else "")


def _gateway_text(p: dict[str, Any]) -> str:
    gw = p["gateway"]
    ident = gw.get("address") or gw.get("identity") or gw.get("data_hex", "")
    nonce = f", nonce {p['nonce_length']} bytes" if "nonce_length" in p else ""
    return f"gateway {gw['type_name']} {ident} ({gw['length']} bytes{nonce})"


def _payload_detail(p: dict[str, Any]) -> str:
    if "notify_name" in p:
        extra = f" data={p['data_value']}" if "data_value" in p else ""
        if "gateway" in p:
            extra = " " + _gateway_text(p)
        return f"{p['notify_name']}{extra}"
    if "group_name" in p:
        return f"{p['group_name']} ({p['data_length']} bytes)"
    if "identity" in p:
        return f"{p['id_type_name']} {p['identity']}"
    if "method_name" in p:
        return p["method_name"]
    if "encoding_name" in p:
        return f"{p['encoding_name']} ({p['data_length']} bytes)"
    if "spis" in p:
        return f"{p['protocol_name']} {' '.join(p['spis'])}".rstrip()
    if "inner_next_name" in p:
        frag = f" fragment {p['fragment'][0]}/{p['fragment'][1]}" if "fragment" in p else ""
        return f"next {p['inner_next_name']}{frag} ({p['data_length']} bytes)"
    if "fragment_id" in p:
        return f"id {p['fragment_id']} #{p['number']}{' last' if p['last'] else ''} ({p['data_length']} bytes)"
    if "cfg_type_name" in p:
        return f"{p['cfg_type_name']} " + ", ".join(_cfg_attr_text(a) for a in p["attributes"])
    if "eap_type_name" in p:
        return f"code {p['code']} {p['eap_type_name']}"
    if "address" in p:
        return p["address"]
    if "vendor" in p:
        return p["vendor"]
    if "data_hex" in p:
        return p["data_hex"]
    if "data_length" in p:
        return f"({p['data_length']} bytes)"
    return ""


def render_json(files: Iterable[tuple[str, Iterable[dict[str, Any]], Callable[[], dict[str, Any]]]],
                key: str = "messages") -> Iterable[str]:
    """One JSON document, written piece by piece so a long capture never sits in memory.

    ``files`` yields (path, record dicts, capture info); the records go under ``key``
    (``messages`` for ``decode``, ``sas`` for ``sas``); the info is called only after
    the records are exhausted, when it is complete (e.g. ``truncated``).
    """
    yield '{"schema_version": 1, "files": ['
    for i, (path, records, info) in enumerate(files):
        yield ("," if i else "") + "\n{" + f'"path": {json.dumps(path)}, {json.dumps(key)}: ['
        for j, r in enumerate(records):
            yield ("," if j else "") + "\n" + json.dumps(r)
        yield "], " + json.dumps(info())[1:]
    yield "]}\n"
