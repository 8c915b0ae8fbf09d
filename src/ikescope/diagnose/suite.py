"""Proposals in one comparable form, whatever the IKE version.

IKEv2 lists alternatives per transform type inside one proposal (RFC 7296
3.3.6); IKEv1 lists complete alternatives as separate transforms with
attributes (RFC 2409 5, RFC 2407 4.5). Both become ``Suite``s: for each
attribute ("encryption", "integrity", "prf", "dh", "auth", "lifetime",
"encapsulation", "esn"), the set of acceptable values as short readable
strings ("aes-cbc-256", "sha2-256", "modp2048"). Comparing sets per attribute
is then the same for both versions, and names the attribute that differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..wire import registry as reg
from ..wire.message import Proposal, Transform
from ..wire.numbers import (
    P1_ATTR_AUTH_METHOD,
    P1_ATTR_ENCRYPTION,
    P1_ATTR_GROUP_DESCRIPTION,
    P1_ATTR_HASH,
    P1_ATTR_KEY_LENGTH,
    P1_ATTR_LIFE_DURATION,
    P1_ATTR_LIFE_TYPE,
    P2_ATTR_AUTH_ALGORITHM,
    P2_ATTR_ENCAPSULATION_MODE,
    P2_ATTR_GROUP_DESCRIPTION,
    P2_ATTR_KEY_LENGTH,
    P2_ATTR_SA_LIFE_DURATION,
    P2_ATTR_SA_LIFE_TYPE,
    PROTO_IPSEC_ESP,
    PROTO_ISAKMP,
    TA_KEY_LENGTH,
    TT_ENCR,
    TT_INTEG,
    TT_KE,
    TT_PRF,
    TT_SN,
)

ATTRIBUTES = ("protocol", "encryption", "integrity", "prf", "dh", "esn", "auth", "lifetime", "encapsulation")


_V1_ENC = {1: "des-cbc", 2: "idea-cbc", 3: "blowfish-cbc", 4: "rc5-cbc", 5: "3des-cbc", 6: "cast-cbc",
           7: "aes-cbc", 8: "camellia-cbc"}
_V1_HASH = {1: "md5", 2: "sha1", 3: "tiger", 4: "sha2-256", 5: "sha2-384", 6: "sha2-512"}
_V1_ESP = {2: "des-cbc", 3: "3des-cbc", 11: "null", 12: "aes-cbc", 13: "aes-ctr", 18: "aes-gcm-8",
           19: "aes-gcm-12", 20: "aes-gcm-16", 14: "aes-ccm-8", 15: "aes-ccm-12", 16: "aes-ccm-16"}
_V1_P2_AUTH = {1: "md5", 2: "sha1", 5: "sha2-256", 6: "sha2-384", 7: "sha2-512", 9: "aes-xcbc"}
_V1_ENCAP = {1: "tunnel", 2: "transport", 3: "tunnel (udp)", 4: "transport (udp)",
             61443: "tunnel (udp)", 61444: "transport (udp)"}
#: Life Type values (RFC 2409 Appendix A, RFC 2407 4.5: the same in both phases) as duration units.
V1_LIFE_UNITS = {1: "s", 2: "KB"}
_V2_ENCR = {2: "des-cbc", 3: "3des-cbc", 11: "null", 12: "aes-cbc", 13: "aes-ctr", 14: "aes-ccm-8",
            15: "aes-ccm-12", 16: "aes-ccm-16", 18: "aes-gcm-8", 19: "aes-gcm-12", 20: "aes-gcm-16",
            23: "camellia-cbc", 28: "chacha20-poly1305"}
_V2_INTEG = {0: "none", 1: "md5", 2: "sha1", 5: "aes-xcbc", 12: "sha2-256", 13: "sha2-384", 14: "sha2-512"}
_V2_PRF = {1: "md5", 2: "sha1", 4: "aes-xcbc", 5: "sha2-256", 6: "sha2-384", 7: "sha2-512"}
_V2_ESN = {0: "no-esn", 1: "esn"}


@dataclass(frozen=True, slots=True)
class Suite:
    """One proposal (v2) or one transform (v1): attribute -> acceptable values."""

    number: int
    values: Mapping[str, frozenset[str]]

    def get(self, attr: str) -> frozenset[str]:
        return self.values.get(attr, frozenset())


def _key_length(t: Transform, atype: int) -> str:
    v = t.attr(atype)
    if isinstance(v, bytes):
        v = int.from_bytes(v, "big") if v else None
    return f"-{v}" if isinstance(v, int) else ""


def _int(v: int | bytes | None) -> int | None:
    if isinstance(v, bytes):
        return int.from_bytes(v, "big") if 0 < len(v) <= 8 else None
    return v


def suites(version: int, proposals: Iterable[Proposal]) -> list[Suite]:
    """All alternatives the proposals allow, one Suite per v2 proposal or v1 transform."""
    out: list[Suite] = []
    for p in proposals:
        if version == 2:
            out.append(_v2_suite(p))
        else:
            out.extend(_v1_suite(p, t) for t in p.transforms)
    return out


# Several rules ask for the suites of the same proposals, and a busy gateway sees the same few
# proposals again and again: proposals are frozen values, so their suites are kept (bounded).
@lru_cache(maxsize=4096)
def _v2_suite(p: Proposal) -> Suite:
    vals: dict[str, set[str]] = {"protocol": {reg.protocol_name(2, p.protocol)}}
    for t in p.transforms:
        if t.type == TT_ENCR:
            base = _V2_ENCR.get(t.id, reg.transform_id_name(2, p.protocol, t.type, t.id).lower())
            vals.setdefault("encryption", set()).add(base + _key_length(t, TA_KEY_LENGTH))
        elif t.type == TT_INTEG:
            name = reg.transform_id_name(2, PROTO_ISAKMP, TT_INTEG, t.id).lower()
            vals.setdefault("integrity", set()).add(_V2_INTEG.get(t.id, name))
        elif t.type == TT_PRF:
            name = reg.transform_id_name(2, PROTO_ISAKMP, TT_PRF, t.id).lower()
            vals.setdefault("prf", set()).add(_V2_PRF.get(t.id, name))
        elif t.type == TT_KE:
            vals.setdefault("dh", set()).add(reg.dh_group_name(t.id))
        elif t.type == TT_SN:
            vals.setdefault("esn", set()).add(_V2_ESN.get(t.id, str(t.id)))
    return Suite(p.number, {k: frozenset(v) for k, v in vals.items()})


@lru_cache(maxsize=4096)
def _v1_suite(p: Proposal, t: Transform) -> Suite:
    vals: dict[str, str] = {"protocol": reg.protocol_name(1, p.protocol)}
    if p.protocol == PROTO_ISAKMP:
        enc = _int(t.attr(P1_ATTR_ENCRYPTION))
        if enc is not None:
            vals["encryption"] = _V1_ENC.get(enc, f"enc-{enc}") + _key_length(t, P1_ATTR_KEY_LENGTH)
        h = _int(t.attr(P1_ATTR_HASH))
        if h is not None:
            vals["integrity"] = _V1_HASH.get(h, f"hash-{h}")
        g = _int(t.attr(P1_ATTR_GROUP_DESCRIPTION))
        if g is not None:
            vals["dh"] = reg.dh_group_name(g)
        a = _int(t.attr(P1_ATTR_AUTH_METHOD))
        if a is not None:
            vals["auth"] = reg.attribute_value_name(1, PROTO_ISAKMP, P1_ATTR_AUTH_METHOD, a) or str(a)
        vals["lifetime"] = _v1_lifetime(t, P1_ATTR_LIFE_TYPE, P1_ATTR_LIFE_DURATION)
    else:
        if p.protocol == PROTO_IPSEC_ESP:
            vals["encryption"] = _V1_ESP.get(t.id, f"esp-{t.id}") + _key_length(t, P2_ATTR_KEY_LENGTH)
        else:
            vals["encryption"] = "none (AH)"
        auth = _int(t.attr(P2_ATTR_AUTH_ALGORITHM))
        vals["integrity"] = _V1_P2_AUTH.get(auth, f"auth-{auth}") if auth is not None else "none"
        g = _int(t.attr(P2_ATTR_GROUP_DESCRIPTION))
        vals["dh"] = reg.dh_group_name(g) if g is not None else "no PFS"
        enc_mode = _int(t.attr(P2_ATTR_ENCAPSULATION_MODE))
        if enc_mode is not None:
            vals["encapsulation"] = _V1_ENCAP.get(enc_mode, str(enc_mode))
        vals["lifetime"] = _v1_lifetime(t, P2_ATTR_SA_LIFE_TYPE, P2_ATTR_SA_LIFE_DURATION)
    return Suite(t.number, {k: frozenset((v,)) for k, v in vals.items() if v})


def _v1_lifetime(t: Transform, type_attr: int, duration_attr: int) -> str:
    """Life type/duration pairs in order (RFC 2409 Appendix A: a duration follows its type)."""
    parts, unit = [], None
    for a in t.attributes:
        if a.type == type_attr:
            unit = V1_LIFE_UNITS.get(_int(a.value) or 0, "?")
        elif a.type == duration_attr and unit is not None:
            parts.append(f"{_int(a.value)}{unit}")
    return " ".join(parts)


def accepts(offer: Suite, choice: Suite, ignore: tuple[str, ...] = ()) -> bool:
    """Whether ``choice`` (one value per attribute) is allowed by ``offer``."""
    for attr in ATTRIBUTES:
        if attr in ignore:
            continue
        got, allowed = choice.get(attr), offer.get(attr)
        if got and allowed and not got <= allowed:
            return False  # an attribute the offer does not name is left to the defaults
    return True


def diff(a: list[Suite], b: list[Suite]) -> list[dict[str, object]]:
    """Per attribute, the values each side allows and whether any are common.

    ``a`` and ``b`` are everything each side offers (or is configured with). An
    attribute with no common value is why no proposal can match; the rows for
    attributes where some value is common are kept so the table reads whole;
    attributes only one side speaks of are left out.
    """
    rows = []
    for attr in ATTRIBUTES:
        va = frozenset().union(*(s.get(attr) for s in a)) if a else frozenset()
        vb = frozenset().union(*(s.get(attr) for s in b)) if b else frozenset()
        if not va or not vb:
            continue  # one side says nothing about it: nothing to compare
        rows.append({"attribute": attr, "a": sorted(va), "b": sorted(vb), "match": bool(va & vb)})
    return rows


def best_mismatch(a: list[Suite], b: list[Suite]) -> list[str]:
    """The attributes that keep the closest pair of suites apart (fewest differences)."""
    best: list[str] | None = None
    for sa in a:
        for sb in b:
            diffs = [attr for attr in ATTRIBUTES
                     if sa.get(attr) and sb.get(attr) and not sa.get(attr) & sb.get(attr)]
            if best is None or len(diffs) < len(best):
                best = diffs
    return best or []
