"""Turn a stored tshark decode and an ikescope decode into the same comparable shape.

A message becomes a flat dict of plain values (``Shape``): header fields, the
top-level payload chain as (type, length, critical bit), notify types and data, nonces, Vendor IDs, identities, KE groups, the SA
proposals with their transforms and attributes, the IKEv2 SK/SKF headers and
the IKEv1 fragment headers. ``None`` inside a reference value means tshark's output does
not carry that value (the ``-T fields`` exports have no transform IDs), and it
matches anything; a key missing from a reference is not compared at all.

tshark's ``-T json`` repeats keys inside one object (one ``isakmp.typepayload``
per payload), so the JSON is read as lists of (key, value) pairs; a plain
``json.load`` would keep only the last payload of each message.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ikescope.wire.message import (EncryptedPayload, FragmentV1Payload, IdPayload, IkeMessage, KePayload,
                                   NotifyPayload, OpaquePayload, SaPayload)

Shape = dict[str, Any]
Pairs = list[tuple[str, Any]]

_SA = {1: 1, 2: 33}  # SA payload type by major version
_NOTIFY = {1: 11, 2: 41}
_NONCE = {1: 10, 2: 40}
_VID = {1: 13, 2: 43}
_ID = {1: (5,), 2: (35, 36)}
_KE_V2 = 34
_ENCRYPTED_V2 = (46, 53)  # SK, SKF
_FRAGMENT_V1 = 132
_PROPOSAL, _TRANSFORM = 2, 3  # the types tshark gives the substructures inside an SA


def shape_of(message: IkeMessage) -> Shape:
    """ikescope's decode of one message in the comparable shape."""
    h = message.header
    proposals = []
    for sa in message.find(SaPayload):
        for prop in sa.proposals:
            transforms = tuple((t.number, t.type, t.id, tuple((a.type, a.value) for a in t.attributes))
                               for t in prop.transforms)
            proposals.append((prop.number, prop.protocol, transforms))
    return {
        "ispi": h.ispi.hex(),
        "rspi": h.rspi.hex(),
        "version": h.major << 4 | h.minor,
        "exchange": h.exchange,
        "flags": h.flags,
        "msgid": h.message_id,
        "length": h.length,
        "chain": tuple((p.type, p.length, int(p.critical)) for p in message.payloads),
        "encrypted": tuple((p.type, p.inner_next, p.fragment_number, p.total_fragments)
                           for p in message.find(EncryptedPayload)),
        "v1_fragments": tuple((p.fragment_id, p.number, p.last) for p in message.find(FragmentV1Payload)),
        "notify_types": tuple(p.notify_type for p in message.find(NotifyPayload)),
        "notify_data": tuple(p.data.hex() for p in message.find(NotifyPayload)),
        "nonces": tuple(p.data.hex() for p in message.find(OpaquePayload, _NONCE.get(h.major))),
        "vids": tuple(p.data.hex() for p in message.find(OpaquePayload, _VID.get(h.major))),
        "ids": tuple((p.id_type, p.data.hex()) for p in message.find(IdPayload)),
        "ke_groups": tuple(p.group for p in message.find(KePayload) if p.group is not None),
        "proposals": tuple(proposals),
    }


def matches(ours: Any, theirs: Any) -> bool:
    """Equality where a ``None`` on tshark's side stands for "not in the export"."""
    if theirs is None:
        return True
    if isinstance(theirs, tuple):
        return (isinstance(ours, tuple) and len(ours) == len(theirs)
                and all(matches(a, b) for a, b in zip(ours, theirs)))
    return ours == theirs


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
        for isakmp in _all(layers, "isakmp"):
            # Several messages in one frame come as repeated keys, or as an array in
            # exports made with --no-duplicate-keys.
            for message in (isakmp if _is_array(isakmp) else [isakmp]):
                out.setdefault(frame, []).append(_message_from_json(message))
    return out


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
    if major not in (1, 2) or "exchange" not in shape:
        return shape
    chain, encrypted, v1_fragments = [], [], []
    notify_types, notify_data, nonces, vids, ids, ke_groups, proposals = [], [], [], [], [], [], []
    for ptype, tree in zip(_all(isakmp, "isakmp.typepayload"), _all(isakmp, "isakmp.typepayload_tree")):
        ptype = int(ptype)
        chain.append((ptype, _int(_get(tree, "isakmp.payloadlength")), int(_get(tree, "isakmp.criticalpayload") or 0)))
        if major == 2 and ptype in _ENCRYPTED_V2:
            encrypted.append((ptype, _int(_get(tree, "isakmp.nextpayload")), _int(_get(tree, "isakmp.frag.number")),
                              _int(_get(tree, "isakmp.frag.total"))))
        elif major == 1 and ptype == _FRAGMENT_V1:
            v1_fragments.append((_int(_get(tree, "isakmp.frag.packetid")), _int(_get(tree, "isakmp.frag.seq")),
                                 _get(tree, "isakmp.frag.last") == "1"))
        elif ptype == _NOTIFY[major]:
            notify_types.append(_int(_get(tree, "isakmp.notify.msgtype")))
            notify_data.append(_hex(_get(tree, "isakmp.notify.data")))
        elif ptype == _NONCE[major]:
            nonces.append(_hex(_get(tree, "isakmp.nonce")))
        elif ptype == _VID[major]:
            vids.append(_hex(_get(tree, "isakmp.vid_bytes")))
        elif ptype in _ID[major]:
            ids.append((_int(_get(tree, "isakmp.id.type")), _hex(_get(tree, "isakmp.id.data"))))
        elif ptype == _KE_V2 and major == 2:
            ke_groups.append(_int(_get(tree, "isakmp.key_exchange.dh_group")))
        elif ptype == _SA[major]:
            proposals.extend(_proposals_from_json(tree))
    shape.update(chain=tuple(chain), encrypted=tuple(encrypted), v1_fragments=tuple(v1_fragments), notify_types=tuple(notify_types),
                 notify_data=tuple(notify_data), nonces=tuple(nonces), vids=tuple(vids), ids=tuple(ids),
                 ke_groups=tuple(ke_groups), proposals=tuple(proposals))
    return shape


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
    attributes = tuple(_attribute_from_json(a) for k, a in tf if k in ("isakmp.ike.attr", "isakmp.ike2.attr"))
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
