"""Turn a stored tshark decode and an ikescope decode into the same comparable shape.

A message becomes a flat dict of plain values (``Shape``): header fields, the
top-level payload chain as (type, length, critical bit), and per kind of
payload the fields that matter for a diagnosis (notify types and data,
nonces, Vendor IDs, identities, certificates, AUTH, CP, Delete, traffic
selectors, KE groups, SA proposals with transforms and attributes, SK/SKF and
IKEv1 fragment headers). ``None`` inside a reference value means tshark's
output does not carry that value (the ``-T fields`` exports have no transform
IDs), and it matches anything; a key missing from a reference is not compared.

tshark's ``-T json`` repeats keys inside one object (one ``isakmp.typepayload``
per payload), so the JSON is read as lists of (key, value) pairs; a plain
``json.load`` would keep only the last payload of each message.
"""

from __future__ import annotations

import csv
import ipaddress
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ikescope.wire.message import (AuthPayload, CertPayload, CertReqPayload, ConfigPayload, DeletePayload,
                                   EncryptedPayload, FragmentV1Payload, IdPayload, IkeMessage, KePayload,
                                   NotifyPayload, OpaquePayload, Payload, SaPayload, TsPayload)

Shape = dict[str, Any]
Pairs = list[tuple[str, Any]]

_SA = {1: 1, 2: 33}  # SA payload type by major version
_NOTIFY = {1: 11, 2: 41}
_NONCE = {1: (10,), 2: (40,)}
_VID = {1: (13,), 2: (43,)}
_ID = {1: (5,), 2: (35, 36)}
_CERT = {1: (6,), 2: (37,)}
_CERTREQ = {1: (7,), 2: (38,)}
_CONFIG = {1: 14, 2: 47}  # IKEv1 mode-cfg Attribute payload, IKEv2 CP
_KE_V2, _AUTH_V2, _DELETE_V2 = 34, 39, 42
_TS_V2 = (44, 45)
_ENCRYPTED_V2 = (46, 53)  # SK, SKF
_FRAGMENT_V1 = 132
_PROPOSAL, _TRANSFORM = 2, 3  # the types tshark gives the substructures inside an SA

PAYLOAD_KEYS = ("chain", "encrypted", "v1_fragments", "notify_types", "notify_data", "nonces", "vids", "ids",
                "certs", "certreq_encodings", "auths", "configs", "deletes", "selectors", "ke_groups", "proposals")


def shape_of(message: IkeMessage) -> Shape:
    """ikescope's decode of one message in the comparable shape."""
    h = message.header
    return {
        "ispi": h.ispi.hex(),
        "rspi": h.rspi.hex(),
        "version": h.major << 4 | h.minor,
        "exchange": h.exchange,
        "flags": h.flags,
        "msgid": h.message_id,
        "length": h.length,
        **payloads_shape(message.payloads, h.major),
    }


def payloads_shape(payloads: Sequence[Payload], major: int) -> Shape:
    """The payload part of the shape; also used for the payloads inside a decrypted SK."""
    def of(cls: type, types: Sequence[int] | None = None) -> list:
        return [p for p in payloads if isinstance(p, cls) and (types is None or p.type in types)]

    proposals = []
    for sa in of(SaPayload):
        for prop in sa.proposals:
            transforms = tuple((t.number, t.type, t.id, tuple((a.type, a.value) for a in t.attributes))
                               for t in prop.transforms)
            proposals.append((prop.number, prop.protocol, transforms))
    return {
        "chain": tuple((p.type, p.length, int(p.critical)) for p in payloads),
        "encrypted": tuple((p.type, p.inner_next, p.fragment_number, p.total_fragments)
                           for p in of(EncryptedPayload)),
        "v1_fragments": tuple((p.fragment_id, p.number, p.last) for p in of(FragmentV1Payload)),
        "notify_types": tuple(p.notify_type for p in of(NotifyPayload)),
        "notify_data": tuple(p.data.hex() for p in of(NotifyPayload)),
        "nonces": tuple(p.data.hex() for p in of(OpaquePayload, _NONCE.get(major, ()))),
        "vids": tuple(p.data.hex() for p in of(OpaquePayload, _VID.get(major, ()))),
        "ids": tuple((p.id_type, p.data.hex()) for p in of(IdPayload)),
        "certs": tuple((p.encoding, len(p.data)) for p in of(CertPayload)),
        "certreq_encodings": tuple(p.encoding for p in of(CertReqPayload)),
        "auths": tuple((p.method, p.data_length) for p in of(AuthPayload)),
        "configs": tuple((p.cfg_type, tuple(a.type for a in p.attributes)) for p in of(ConfigPayload)),
        "deletes": tuple((p.protocol, p.spi_size, tuple(s.hex() for s in p.spis)) for p in of(DeletePayload)),
        "selectors": tuple(tuple((s.ts_type, s.protocol, s.start_port, s.end_port, _ip(s.start), _ip(s.end))
                                 for s in p.selectors) for p in of(TsPayload)),
        "ke_groups": tuple(p.group for p in of(KePayload) if p.group is not None),
        "proposals": tuple(proposals),
    }


def _ip(raw: bytes) -> str | None:
    return str(ipaddress.ip_address(raw)) if len(raw) in (4, 16) else None


def matches(ours: Any, theirs: Any) -> bool:
    """Equality where a ``None`` on tshark's side stands for "not in the export"."""
    if theirs is None:
        return True
    if isinstance(theirs, tuple):
        return (isinstance(ours, tuple) and len(ours) == len(theirs)
                and all(matches(a, b) for a, b in zip(ours, theirs)))
    return ours == theirs


def disagreements(ours: dict[int, list[Shape | None]],
                  theirs: dict[int, list[Shape]]) -> dict[int, dict[str, tuple]]:
    """Per frame, each field that differs, with (ikescope's value, tshark's value).

    "present" means the two sides hold a different number of messages in that frame.
    """
    out: dict[int, dict[str, tuple]] = {}
    for frame in sorted(set(ours) | set(theirs)):
        mine, ref = ours.get(frame, []), theirs.get(frame, [])
        if len(mine) != len(ref):
            out[frame] = {"present": (len(mine), len(ref))}
            continue
        fields: dict[str, tuple] = {}
        for a, b in zip(mine, ref):
            for key, value in b.items():
                have = None if a is None else a.get(key)
                if not matches(have, value):
                    fields[key] = (have, value)
        if fields:
            out[frame] = fields
    return out


def assert_only_known(rel: str, found: dict[int, dict[str, tuple]],
                      known: dict[tuple[str, int], tuple[frozenset[str], str]]) -> None:
    """The fields that differ must be exactly those documented for this capture, frame by frame."""
    expected = {frame: fields for (name, frame), (fields, _) in known.items() if name == rel}
    got = {frame: frozenset(fields) for frame, fields in found.items()}
    report = "\n".join(f"frame {frame} {field}: ikescope {a!r} tshark {b!r}"
                       for frame, fields in found.items() for field, (a, b) in fields.items()
                       if got[frame] != expected.get(frame))
    assert got == expected, report


def load_reference(capture: Path) -> dict[int, list[Shape]] | None:
    """tshark's messages per frame number, from whichever export sits next to ``capture``.

    ``*.tshark.all.json`` (tshark saw no ISAKMP at all) gives an empty dict;
    None means there is no export for this capture.
    """
    json_path = capture.with_name(capture.name + ".tshark.json")
    tsv_path = capture.with_name(capture.name + ".tshark.fields.tsv")
    if json_path.exists():
        return _from_json(json_path)
    if tsv_path.exists():
        return _from_tsv(tsv_path)
    if capture.with_name(capture.name + ".tshark.all.json").exists():
        return {}
    return None


def load_decrypted(capture: Path) -> dict[int, list[Shape]]:
    """From ``FILE.tshark.decrypted.json``: per frame, the payloads tshark found in each message it
    decrypted (inside an IKEv2 SK, or the whole body of an IKEv1 message with the E flag)."""
    out: dict[int, list[Shape]] = {}
    for packet in _pairs(capture.with_name(capture.name + ".tshark.decrypted.json")):
        layers = _get(_get(packet, "_source"), "layers")
        frame = int(_get(_get(layers, "frame"), "frame.number"))
        if _quoted_by_icmp(_get(_get(layers, "frame"), "frame.protocols") or ""):
            continue
        for isakmp in _all(layers, "isakmp"):
            v1_clear = _get(isakmp, "isakmp.enc.data")
            if isinstance(v1_clear, list):  # a string (the ciphertext) when tshark could not decrypt
                out.setdefault(frame, []).append(_payloads_from_json(v1_clear, 1))
            for ptype, tree in zip(_all(isakmp, "isakmp.typepayload"), _all(isakmp, "isakmp.typepayload_tree")):
                decrypted = _get(tree, "isakmp.enc.decrypted")
                if int(ptype) == _ENCRYPTED_V2[0] and decrypted is not None:
                    # an empty SK (a liveness check, a Delete acknowledged) has no "contained" tree
                    contained = _get(decrypted, "isakmp.enc.contained") or []
                    out.setdefault(frame, []).append(_payloads_from_json(contained, 2))
    return out


# ---- -T json -------------------------------------------------------------------------------------

def _pairs(path: Path) -> list[Pairs]:
    return json.loads(path.read_text(), object_pairs_hook=list)


def _get(pairs: Pairs, key: str) -> Any:
    for k, v in pairs:
        if k == key:
            return v
    return None


def _all(pairs: Pairs, key: str) -> list[Any]:
    return [v for k, v in pairs if k == key]


def _int(text: str | None) -> int | None:
    return None if text is None else int(text, 0)


def _hex(value: Any) -> str | None:
    """tshark's colon-separated bytes as plain hex; None when the field is absent or a subtree
    (``isakmp.id.data`` becomes a tree of the decoded address for address IDs)."""
    return value.replace(":", "") if isinstance(value, str) else None


def _from_json(path: Path) -> dict[int, list[Shape]]:
    out: dict[int, list[Shape]] = {}
    for packet in _pairs(path):
        layers = _get(_get(packet, "_source"), "layers")
        frame = int(_get(_get(layers, "frame"), "frame.number"))
        if _quoted_by_icmp(_get(_get(layers, "frame"), "frame.protocols") or ""):
            continue
        for isakmp in _all(layers, "isakmp"):
            # Several messages in one frame come as repeated keys, or as an array in
            # exports made with --no-duplicate-keys.
            for message in (isakmp if _is_array(isakmp) else [isakmp]):
                out.setdefault(frame, []).append(_message_from_json(message))
    return out


def _quoted_by_icmp(protocols: str) -> bool:
    """tshark dissects the message an ICMP error quotes (a port unreachable answering an
    SA_INIT); that is a network event, not an IKE message, and ikescope does not count it as one."""
    return any(p in ("icmp", "icmpv6") for p in protocols.split(":"))


def _is_array(value: Any) -> bool:
    """With ``object_pairs_hook=list`` an object is a list of tuples and an array a list of anything else."""
    return isinstance(value, list) and bool(value) and not isinstance(value[0], tuple)


def _message_from_json(isakmp: Pairs) -> Shape:
    """One message; header fields tshark left out (it stops at an unknown version) stay out."""
    version = _int(_get(isakmp, "isakmp.version"))
    shape: Shape = {
        "ispi": _get(isakmp, "isakmp.ispi").replace(":", ""),
        "rspi": _get(isakmp, "isakmp.rspi").replace(":", ""),
        "version": version,
        "exchange": _int(_get(isakmp, "isakmp.exchangetype")),
        "flags": _int(_get(isakmp, "isakmp.flags")),
        "msgid": _int(_get(isakmp, "isakmp.messageid")),
        "length": _int(_get(isakmp, "isakmp.length")),
    }
    shape = {k: v for k, v in shape.items() if v is not None}
    major = (version or 0) >> 4
    if major in (1, 2) and "exchange" in shape:
        shape.update(_payloads_from_json(isakmp, major))
    return shape


def _payloads_from_json(tree: Pairs, major: int) -> Shape:
    """The payload part of a message tree (the message itself, or the ``isakmp.enc.contained`` of an SK)."""
    out: dict[str, list] = {key: [] for key in PAYLOAD_KEYS}
    for ptype, p in zip(_all(tree, "isakmp.typepayload"), _all(tree, "isakmp.typepayload_tree")):
        ptype = int(ptype)
        out["chain"].append((ptype, _int(_get(p, "isakmp.payloadlength")), int(_get(p, "isakmp.criticalpayload") or 0)))
        if major == 2 and ptype in _ENCRYPTED_V2:
            out["encrypted"].append((ptype, _int(_get(p, "isakmp.nextpayload")), _int(_get(p, "isakmp.frag.number")),
                                     _int(_get(p, "isakmp.frag.total"))))
        elif major == 1 and ptype == _FRAGMENT_V1:
            out["v1_fragments"].append((_int(_get(p, "isakmp.frag.packetid")), _int(_get(p, "isakmp.frag.seq")),
                                        _get(p, "isakmp.frag.last") == "1"))
        elif ptype == _NOTIFY[major]:
            out["notify_types"].append(_int(_get(p, "isakmp.notify.msgtype")))
            out["notify_data"].append(_hex(_get(p, "isakmp.notify.data")))
        elif ptype in _NONCE[major]:
            out["nonces"].append(_hex(_get(p, "isakmp.nonce")))
        elif ptype in _VID[major]:
            out["vids"].append(_hex(_get(p, "isakmp.vid_bytes")))
        elif ptype in _ID[major]:
            out["ids"].append((_int(_get(p, "isakmp.id.type")), _hex(_get(p, "isakmp.id.data"))))
        elif ptype in _CERT[major]:
            data = _hex(_get(p, "isakmp.cert.data"))
            out["certs"].append((_int(_get(p, "isakmp.cert.encoding")), None if data is None else len(data) // 2))
        elif ptype in _CERTREQ[major]:
            out["certreq_encodings"].append(_int(_get(p, "isakmp.certreq.type")))
        elif major == 2 and ptype == _AUTH_V2:
            data = _hex(_get(p, "isakmp.auth.data"))
            out["auths"].append((_int(_get(p, "isakmp.auth.method")), None if data is None else len(data) // 2))
        elif ptype == _CONFIG[major]:
            out["configs"].append((_int(_get(p, "isakmp.cfg.type")),
                                   tuple(_int(_get(a, "isakmp.cfg.attr.type")) for a in _all(p, "isakmp.cfg.attr"))))
        elif major == 2 and ptype == _DELETE_V2:
            spis = tuple(_hex(v) for v in _all(p, "isakmp.delete.spi"))
            out["deletes"].append((_int(_get(p, "isakmp.delete.protoid")), _int(_get(p, "isakmp.spisize")), spis))
        elif major == 2 and ptype in _TS_V2:
            out["selectors"].append(tuple(_selector_from_json(ts) for ts in _all(p, "isakmp.ts.data")))
        elif major == 2 and ptype == _KE_V2:
            out["ke_groups"].append(_int(_get(p, "isakmp.key_exchange.dh_group")))
        elif ptype == _SA[major]:
            out["proposals"].extend(_proposals_from_json(p))
    return {key: tuple(values) for key, values in out.items()}


def _selector_from_json(ts: Pairs) -> tuple:
    start = _get(ts, "isakmp.ts.start_ipv4") or _get(ts, "isakmp.ts.start_ipv6")
    end = _get(ts, "isakmp.ts.end_ipv4") or _get(ts, "isakmp.ts.end_ipv6")
    return (_int(_get(ts, "isakmp.ts.type")), _int(_get(ts, "isakmp.ts.protoid")),
            _int(_get(ts, "isakmp.ts.start_port")), _int(_get(ts, "isakmp.ts.end_port")),
            None if start is None else str(ipaddress.ip_address(start)),
            None if end is None else str(ipaddress.ip_address(end)))


def _proposals_from_json(sa: Pairs) -> list[tuple]:
    out = []
    for ptype, prop in zip(_all(sa, "isakmp.typepayload"), _all(sa, "isakmp.typepayload_tree")):
        if int(ptype) != _PROPOSAL:
            continue
        transforms = []
        for ttype, tf in zip(_all(prop, "isakmp.typepayload"), _all(prop, "isakmp.typepayload_tree")):
            if int(ttype) == _TRANSFORM:
                transforms.append(_transform_from_json(tf))
        out.append((_int(_get(prop, "isakmp.prop.number")), _int(_get(prop, "isakmp.prop.protoid")),
                    tuple(transforms)))
    return out


def _transform_from_json(tf: Pairs) -> tuple:
    """(number, type, id, attributes): IKEv1 transforms have a number and no type, IKEv2 the reverse.

    tshark names the IKEv2 ID field after the type (``isakmp.tf.id.encr``, ``.prf``, ...).
    """
    attributes = tuple(_attribute_from_json(a) for k, a in tf
                       if k in ("isakmp.ike.attr", "isakmp.ipsec.attr", "isakmp.ike2.attr"))
    if _get(tf, "isakmp.trans.number") is not None:
        return (int(_get(tf, "isakmp.trans.number")), 0, int(_get(tf, "isakmp.trans.id")), attributes)
    tid = next((v for k, v in tf if k.startswith("isakmp.tf.id")), None)
    return (0, int(_get(tf, "isakmp.tf.type")), _int(tid), attributes)


def _attribute_from_json(attr: Pairs) -> tuple[int, int | bytes]:
    """(type, value): an int for the TV format (format bit 1), the raw bytes for TLV."""
    fields = {k.rsplit(".", 1)[1]: v for k, v in attr}
    value = bytes.fromhex(fields["value"].replace(":", ""))
    return (int(fields["type"]), int.from_bytes(value, "big") if fields["format"] == "1" else value)


# ---- -T fields (the two captures whose JSON would be too big) ------------------------------------

def _from_tsv(path: Path) -> dict[int, list[Shape]]:
    """Rows of ``-E occurrence=a -E aggregator=,`` output: one row per frame, lists comma-joined.

    The ``isakmp.typepayload`` column lists every payload in tree order, proposals
    (2) and transforms (3) included, so it gives both the top-level chain and the
    shape of each SA; the export has no IKEv2 transform IDs, no IKEv1 transform
    numbers and no attributes.
    """
    out: dict[int, list[Shape]] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if not row["isakmp.ispi"]:
                continue
            out.setdefault(int(row["frame.number"]), []).append(_message_from_tsv(row))
    return out


def _ints(cell: str) -> list[int]:
    return [int(x, 0) for x in cell.split(",") if x]


def _message_from_tsv(row: dict[str, str]) -> Shape:
    version = int(row["isakmp.version"], 16)
    types = _ints(row["isakmp.typepayload"])
    numbers = iter(_ints(row["isakmp.prop.number"]))
    protocols = iter(_ints(row["isakmp.prop.protoid"]))
    v2_types = iter(_ints(row["isakmp.tf.type"]))
    v1_ids = iter(_ints(row["isakmp.trans.id"]))
    proposals: list[tuple] = []
    for t in types:
        if t == _PROPOSAL:
            proposals.append((next(numbers), next(protocols), ()))
        elif t == _TRANSFORM:
            tf = (0, next(v2_types), None, None) if version >> 4 == 2 else (None, 0, next(v1_ids), None)
            number, protocol, transforms = proposals[-1]
            proposals[-1] = (number, protocol, transforms + (tf,))
    return {
        "ispi": row["isakmp.ispi"],
        "rspi": row["isakmp.rspi"],
        "version": version,
        "exchange": int(row["isakmp.exchangetype"]),
        "flags": int(row["isakmp.flags"], 16),
        "msgid": int(row["isakmp.messageid"], 16),
        "length": int(row["isakmp.length"]),
        "chain": tuple((t, None, None) for t in types if t not in (_PROPOSAL, _TRANSFORM)),
        "notify_types": tuple(_ints(row["isakmp.notify.msgtype"])),
        "proposals": tuple(proposals),
    }
