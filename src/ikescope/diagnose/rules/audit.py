"""Security audit and configuration exchanges: weak algorithms in what was
chosen, aggressive mode with a pre-shared key, XAuth / mode config.

The audit looks at negotiations that worked too, since a tunnel that comes up
with DES or MD5 is a problem of its own; ``DiagnoseSettings.audit`` turns it
off. Which algorithms count as weak comes from ``wire.registry`` (RFC 8221,
RFC 8247, RFC 9395); the ones those RFCs say MUST NOT be used are warnings,
the merely deprecated ones information. Aggressive mode with a PSK is
information too: it weakens the tunnel but never makes it fail, and a report
should not name it as the reason a tunnel is down.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import MessageRef, SaRecord
from ...wire import registry as reg
from ...wire.message import Proposal
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_MAIN,
    EX_V1_QUICK,
    EX_V1_TRANSACTION,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_IKE_SA_INIT,
    N_V2_INTERNAL_ADDRESS_FAILURE,
    P1_ATTR_AUTH_METHOD,
    P1_ATTR_ENCRYPTION,
    P1_ATTR_GROUP_DESCRIPTION,
    P1_ATTR_HASH,
    P1_AUTH_PRE_SHARED_KEY,
    P1_AUTH_XAUTH_INIT_PRE_SHARED,
    P1_AUTH_XAUTH_RESP_PRE_SHARED,
    P2_ATTR_AUTH_ALGORITHM,
    P2_ATTR_GROUP_DESCRIPTION,
    PROTO_IPSEC_AH,
    PROTO_IPSEC_ESP,
    PROTO_ISAKMP,
    TT_ENCR,
    TT_INTEG,
    TT_KE,
    TT_PRF,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, VendorRef, evidence, make

V1_PHASE1 = (EX_V1_MAIN, EX_V1_AGGRESSIVE)
# IKEv1 authentication methods that use a pre-shared key (RFC 2409 App. A; XAuth draft values).
PSK_METHODS = frozenset({P1_AUTH_PRE_SHARED_KEY, P1_AUTH_XAUTH_INIT_PRE_SHARED, P1_AUTH_XAUTH_RESP_PRE_SHARED})
# MUST NOT in RFC 8247 / RFC 8221: single DES, NULL encryption, MD5-based integrity and PRF,
# DES-MAC, and DH group 1 (768-bit MODP).
_BROKEN_V2 = {TT_ENCR: {1, 2, 9, 11, 21}, TT_PRF: {1}, TT_INTEG: {1, 3, 4, 6}}
_BROKEN_V1_ATTR = {P1_ATTR_ENCRYPTION: {1}, P1_ATTR_HASH: {1}, P2_ATTR_AUTH_ALGORITHM: {1, 3, 4}}
_BROKEN_V1_ESP, _BROKEN_V1_AH = {1, 2, 9, 11}, {2, 4}
_BROKEN_DH = {1}
GRACE = 2.0

WEAK_CRYPTO = CatalogEntry(
    code="ike.weak_crypto",
    severity=Severity.WARNING,
    title="Weak algorithms were negotiated",
    explanation="The peers agreed on algorithms that no longer protect the tunnel well: single DES, NULL "
                "encryption, MD5 and the 768-bit DH group must not be used at all; 3DES, SHA-1, the 1024- and "
                "1536-bit MODP groups and the RFC 5114 groups are deprecated and within reach of a well-funded "
                "attacker. Without perfect forward secrecy (no DH group for the IPsec SAs) one stolen IKE key "
                "opens every later IPsec SA too. The tunnel works; the concern is what someone recording it can "
                "do.",
    wire="The responder's chosen proposal (IKE_SA_INIT, main/aggressive mode message 2, or a readable phase 2 / "
         "CHILD SA answer).",
    remedy="Move both gateways to AES-GCM or AES-CBC with SHA-256 or better, and DH group 14 (2048-bit MODP) "
           "or stronger, 19/20 (ECP) or 31 (Curve25519), with PFS for the IPsec SAs; remove the weak proposals "
           "so they cannot be chosen.",
)

AGGRESSIVE_PSK = CatalogEntry(
    code="ike.aggressive_psk",
    severity=Severity.INFO,
    title="IKEv1 aggressive mode with a pre-shared key",
    explanation="In aggressive mode the responder sends a hash keyed with the pre-shared key before any "
                "encryption is in place. Anyone who captures the first two messages can guess pre-shared keys "
                "offline, as fast as their hardware allows, and then impersonate either gateway. Identities "
                "also travel in clear.",
    wire="An IKEv1 Aggressive exchange (type 4) whose chosen transform has Authentication Method pre-shared key "
         "(1) or XAuth with pre-shared key.",
    remedy="Use main mode, or better IKEv2; if aggressive mode must stay (remote clients with dynamic "
           "addresses), use certificates instead of a pre-shared key, or at least a long random key.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 32: exchange mode mismatch"),),
    versions=(1,),
)

XAUTH_CFG = CatalogEntry(
    code="ike.xauth_cfg",
    severity=Severity.INFO,
    title="XAuth / mode config exchanges",
    explanation="After phase 1 the gateway asked for user credentials (XAuth) or handed out an address and "
                "settings (mode config), as remote-access VPNs do. When such an exchange is left unanswered, "
                "the tunnel stops there: the client has no credentials configured, the gateway expects XAuth "
                "the client does not do (or the reverse), or the gateway fell back to a configuration request "
                "because the networks of the two sides do not match. An address pool that is empty or missing "
                "makes the gateway refuse the address request.",
    wire="IKEv1 Transaction exchanges (type 6) after main or aggressive mode, encrypted; IKEv2 "
         "INTERNAL_ADDRESS_FAILURE (36) in a readable IKE_AUTH answer.",
    remedy="Make both sides agree on XAuth and mode config (enabled on both or neither), check the user's "
           "credentials, and check the address pool and the networks configured for the tunnel on both sides.",
    vendor_refs=(VendorRef("Clavister", "Tunnel is unable to establish, Ikesnoop reports CFG mode XAuth problem"),
                 VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 10: ip assigned fail")),
)

ENTRIES = (WEAK_CRYPTO, AGGRESSIVE_PSK, XAUTH_CFG)


def _int(v: int | bytes | None) -> int | None:
    if isinstance(v, bytes):
        return int.from_bytes(v, "big") if 0 < len(v) <= 4 else None
    return v


def _weak_v2(p: Proposal, pfs_expected: bool) -> list[tuple[str, bool]]:
    """``pfs_expected``: a CREATE_CHILD_SA answer for ESP/AH, where a DH group gives PFS; the
    CHILD SA made in IKE_AUTH never has one (RFC 7296 1.2), so it is not held against it."""
    out = []
    if pfs_expected and not any(t.type == TT_KE and t.id for t in p.transforms):
        out.append(("no PFS", False))
    for t in p.transforms:
        name = reg.transform_id_name(2, p.protocol, t.type, t.id)
        if t.type == TT_ENCR and reg.weak_encryption(2, p.protocol, t.id) or \
                t.type == TT_INTEG and reg.weak_integrity(2, p.protocol, t.id) or \
                t.type == TT_PRF and reg.weak_hash(2, p.protocol, t.id):
            out.append((name, t.id in _BROKEN_V2.get(t.type, ())))
        elif t.type == TT_KE and reg.weak_dh(t.id):
            out.append((reg.dh_group_name(t.id), t.id in _BROKEN_DH))
    return out


def _weak_v1(p: Proposal) -> list[tuple[str, bool]]:
    out = []
    for t in p.transforms[:1]:  # a chosen proposal carries the one transform picked
        if p.protocol == PROTO_ISAKMP:
            checks = ((P1_ATTR_ENCRYPTION, lambda v: reg.weak_encryption(1, p.protocol, v)),
                      (P1_ATTR_HASH, lambda v: reg.weak_hash(1, p.protocol, v)))
            group_attr = P1_ATTR_GROUP_DESCRIPTION
        else:
            checks = ((P2_ATTR_AUTH_ALGORITHM, lambda v: reg.weak_integrity(1, p.protocol, v)),)
            group_attr = P2_ATTR_GROUP_DESCRIPTION
            if p.protocol == PROTO_IPSEC_ESP and reg.weak_encryption(1, p.protocol, t.id) or \
                    p.protocol == PROTO_IPSEC_AH and reg.weak_integrity(1, p.protocol, t.id):
                broken = t.id in (_BROKEN_V1_ESP if p.protocol == PROTO_IPSEC_ESP else _BROKEN_V1_AH)
                out.append((reg.transform_id_name(1, p.protocol, 0, t.id), broken))
        for attr, weak in checks:
            v = _int(t.attr(attr))
            if v is not None and weak(v):
                out.append((reg.attribute_value_name(1, p.protocol, attr, v) or str(v),
                            v in _BROKEN_V1_ATTR.get(attr, ())))
        g = _int(t.attr(group_attr))
        if g is not None and reg.weak_dh(g):
            out.append((reg.dh_group_name(g), g in _BROKEN_DH))
        elif g is None and p.protocol != PROTO_ISAKMP:
            out.append(("no PFS", False))
    return out


def _choices(sa: SaRecord) -> list[tuple[str, MessageRef, Proposal]]:
    """What the responder picked: the IKE SA, and every readable phase 2 / CHILD SA answer
    (a CREATE_CHILD_SA answer for protocol IKE is an IKE SA rekey)."""
    out = []
    msgs = {m.frame: m for m in sa.messages}
    if sa.chosen is not None and sa.chosen_frame in msgs:
        out.append(("IKE SA", msgs[sa.chosen_frame], sa.chosen))
    for m in sa.messages:
        phase1 = m.exchange in (V1_PHASE1 if sa.version == 1 else (EX_V2_IKE_SA_INIT,))
        if m.response and not phase1 and m.proposals and m.retransmit_of is None:
            p = m.proposals[0]
            what = "IKE SA" if p.protocol == PROTO_ISAKMP else "IPsec SA" if sa.version == 1 else "CHILD SA"
            out.append((what, m, p))
    return out


def weak_crypto(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if not ctx.settings.audit:
        return
    found: list[tuple[str, str, bool]] = []
    ev = []
    for what, m, p in _choices(sa):
        weak = (_weak_v2(p, m.exchange == EX_V2_CREATE_CHILD_SA and p.protocol != PROTO_ISAKMP) if sa.version == 2
                else _weak_v1(p))
        if weak:
            found += [(what, name, broken) for name, broken in weak]
            ev.append(evidence(m, f"{what} chosen with " + ", ".join(n for n, _ in weak)))
    if not found:
        return
    broken = sorted({n for _, n, b in found if b})
    dated = sorted({n for _, n, b in found if not b} - set(broken))
    parts = [f"{label}: {', '.join(names)}" for label, names in (("broken", broken), ("deprecated", dated)) if names]
    yield make(WEAK_CRYPTO, Confidence.CERTAIN, "weak cryptography negotiated (" + "; ".join(parts) + ")", ev,
               sa=sa.id, details={"broken": broken, "deprecated": dated,
                                  "where": sorted({w for w, _, _ in found})},
               reason="the chosen proposal is in clear", severity=None if broken else Severity.INFO)


def aggressive_psk(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if not ctx.settings.audit or sa.version != 1 or sa.mode != "aggressive":
        return
    chosen = sa.chosen if sa.chosen is not None else (sa.offered[0] if len(sa.offered) == 1 else None)
    if chosen is None or not chosen.transforms or chosen.protocol != PROTO_ISAKMP:
        return
    method = _int(chosen.transforms[0].attr(P1_ATTR_AUTH_METHOD))
    if method not in PSK_METHODS:
        return
    msgs = {m.frame: m for m in sa.messages}
    ev = [evidence(msgs[f], t) for f, t in ((sa.offered_frame, "aggressive mode message 1"),
                                            (sa.chosen_frame, "message 2: the responder's hash keyed with the PSK"))
          if f in msgs]
    name = reg.attribute_value_name(1, PROTO_ISAKMP, P1_ATTR_AUTH_METHOD, method) or str(method)
    yield make(AGGRESSIVE_PSK, Confidence.CERTAIN,
               f"aggressive mode with {name} authentication: the captured messages allow an offline guess of the "
               "pre-shared key", ev, sa=sa.id, reason="the exchange type and the authentication method are in clear")


def xauth_cfg(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        refusals = [m for m in sa.messages if N_V2_INTERNAL_ADDRESS_FAILURE in m.notifies and m.retransmit_of is None]
        if refusals:
            yield make(XAUTH_CFG, Confidence.CERTAIN, "the gateway could not assign an internal address "
                                                      "(INTERNAL_ADDRESS_FAILURE)",
                       [evidence(m, "INTERNAL_ADDRESS_FAILURE") for m in refusals[:3]], sa=sa.id,
                       reason="the notify is readable", severity=Severity.ERROR)
        return
    txs = [e for e in sa.exchanges if e.exchange == EX_V1_TRANSACTION]
    if not txs:
        return
    first = sa.messages[txs[0].messages[0]]
    by_gateway = not txs[0].requester_is_initiator
    kind = ("the gateway (responder) asked first: XAuth credentials or a pushed configuration" if by_gateway
            else "the client (initiator) asked first: a mode config request")
    stuck = [e for e in txs if not e.answered and (e.retransmissions or sa.last_ts - e.first_ts >= GRACE)]
    ev = [evidence(first, "first Transaction exchange")]
    if stuck:
        ex = stuck[0]
        copies = [sa.messages[i] for i in ex.messages]
        ev += [evidence(m, "Transaction request, unanswered") for m in copies[:4] if m is not first]
        who = "responder" if ex.requester_is_initiator else "initiator"
        failed = sa.outcome == "failed" or ex is sa.exchanges[-1] or not any(
            e.exchange == EX_V1_QUICK and e.answered for e in sa.exchanges if e.first_ts > ex.first_ts)
        yield make(XAUTH_CFG, Confidence.LIKELY,
                   f"{len(txs)} Transaction (XAuth / mode config) exchange(s); {kind}; the {who} never answered "
                   f"one ({len(copies)} transmission(s)), so the tunnel stops there", ev, sa=sa.id,
                   exchange=ex.index, details={"exchanges": len(txs), "unanswered": len(stuck)},
                   reason="the exchanges are encrypted; the unanswered one is visible by its message ID",
                   severity=Severity.ERROR if failed else Severity.WARNING)
        return
    last = txs[-1]
    if sa.outcome == "failed" and sa.failed_exchange in {e.index for e in txs}:
        # The tracker read the SA's end as refused credentials, which ike.user_auth_failed reports;
        # this says only what the exchanges were.
        yield make(XAUTH_CFG, Confidence.LIKELY,
                   f"{len(txs)} Transaction (XAuth / mode config) exchange(s); {kind}; no quick mode after them",
                   ev, sa=sa.id, exchange=last.index,
                   details={"exchanges": len(txs), "unanswered": sum(1 for e in txs if not e.answered),
                            "quick_mode_after": False},
                   reason="the exchanges are encrypted; request and answer pairs are visible by message ID")
        return
    if not any(e.exchange == EX_V1_QUICK for e in sa.exchanges if e.first_ts > last.first_ts):
        # XAuth ends with the gateway's status (SET/ACK); after a success quick mode follows.
        ev += [evidence(sa.messages[i], "last Transaction message; no quick mode after it") for i in last.messages[-1:]]
        yield make(XAUTH_CFG, Confidence.POSSIBLE,
                   f"{len(txs)} Transaction (XAuth / mode config) exchange(s), all answered, but no quick mode "
                   "follows: the gateway may have refused the credentials (XAuth status FAIL) or the "
                   "configuration request, unless the capture simply ends too early", ev, sa=sa.id,
                   exchange=last.index, details={"exchanges": len(txs), "unanswered": 0, "quick_mode_after": False},
                   reason="the exchanges are encrypted; only the missing quick mode hints at a refusal",
                   severity=Severity.WARNING)
        return
    yield make(XAUTH_CFG, Confidence.LIKELY,
               f"{len(txs)} Transaction (XAuth / mode config) exchange(s), all answered; {kind}", ev, sa=sa.id,
               details={"exchanges": len(txs), "unanswered": 0, "quick_mode_after": True},
               reason="the exchanges are encrypted; request and answer pairs are visible by message ID")


SA_RULES = (weak_crypto, aggressive_psk, xauth_cfg)
