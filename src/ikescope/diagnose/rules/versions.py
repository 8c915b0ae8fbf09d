"""Settings both gateways must share besides the algorithms: IKE version, IKEv1
exchange mode, IPsec encapsulation mode and SA lifetimes.

Each is seen either in a readable notify (INVALID_MAJOR_VERSION, USE_TRANSPORT_MODE,
RESPONDER-LIFETIME) or by comparing what the two peers do: the SAs each one
starts (``ctx.earlier``) tell its version, mode and proposals even when the
other side never says why it refused. Notify numbers: RFC 2408 3.14.1,
RFC 2407 4.6.3, RFC 7296 3.10.1; transport mode RFC 7296 1.3.1.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...model import Severity
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire import registry as reg
from ...wire.message import Proposal
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V1_QUICK,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_IKE_AUTH,
    N_V1_INVALID_MAJOR_VERSION,
    N_V1_NO_PROPOSAL_CHOSEN,
    N_V1_RESPONDER_LIFETIME,
    N_V2_INVALID_MAJOR_VERSION,
    N_V2_USE_TRANSPORT_MODE,
    P1_ATTR_LIFE_DURATION,
    P1_ATTR_LIFE_TYPE,
    P2_ATTR_SA_LIFE_DURATION,
    P2_ATTR_SA_LIFE_TYPE,
    PL_V2_SA,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make
from ..suite import V1_LIFE_UNITS, Suite, accepts, best_mismatch, diff, suites

FAILED = ("failed", "incomplete")

VERSION_MISMATCH = CatalogEntry(
    code="ike.version_mismatch",
    severity=Severity.ERROR,
    title="IKE version mismatch (IKEv1 against IKEv2)",
    explanation="The two gateways are set to different IKE versions: one starts IKEv1 (ISAKMP main or "
                "aggressive mode), the other only accepts IKEv2, or the other way round. The two protocols "
                "share the port but not the messages, so nothing can be negotiated.",
    wire="INVALID_MAJOR_VERSION (5) in a notify, or IKEv1 and IKEv2 negotiations between the same two "
         "addresses where at least one fails.",
    remedy="Set the same IKE version on both gateways (IKEv2 where both support it). On gateways that offer "
           "\"IKEv1 and IKEv2\" or automatic fallback, make sure the tunnel definition on both sides allows "
           "the version the other one starts with.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 5: version mismatch"),
                 VendorRef("Huawei", "reason code 26: unsupported version")),
)

MODE_MISMATCH = CatalogEntry(
    code="ike.exchange_mode_mismatch",
    severity=Severity.ERROR,
    title="IKEv1 exchange mode mismatch (main against aggressive mode)",
    explanation="IKEv1 phase 1 runs either in main mode (six messages, identities protected) or in "
                "aggressive mode (three messages, identities in clear). Both gateways must use the same one "
                "for this tunnel; a gateway configured for main mode refuses or ignores an aggressive mode "
                "request and the other way round.",
    wire="Aggressive mode message 1 answered by an error notify (such as NO-PROPOSAL-CHOSEN or "
         "AUTHENTICATION-FAILED) or by silence, while main mode works between the same peers; or the two "
         "peers each starting phase 1 in a different mode.",
    remedy="Set the same phase-1 exchange mode on both gateways. Prefer main mode; use aggressive mode only "
           "where a peer with a changing address needs it, and then with certificates rather than a "
           "pre-shared key.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 32: exchange mode mismatch"),
                 VendorRef("Clavister", "no proposal chosen; Main or Aggressive mode setting on the IKE tab")),
    versions=(1,),
)

ENCAPSULATION_MISMATCH = CatalogEntry(
    code="ike.encapsulation_mismatch",
    severity=Severity.ERROR,
    title="Encapsulation mode mismatch (tunnel against transport)",
    explanation="One gateway wants the IPsec SA in transport mode (protecting the traffic of the two hosts "
                "themselves, as L2TP/IPsec and GRE over IPsec do) and the other in tunnel mode (protecting "
                "networks behind them). Depending on the gateways the SA is refused or comes up in a mode one "
                "side did not ask for, and then its traffic does not match what that side expects.",
    wire="IKEv2: USE_TRANSPORT_MODE (16391) in the request but not in the response that creates the CHILD SA "
         "(readable with keys). IKEv1: the Encapsulation Mode attribute of the quick mode proposals "
         "(tunnel 1, transport 2, and their UDP variants) differs between the two sides.",
    remedy="Configure the same mode on both gateways for this tunnel: transport for host-to-host protocols "
           "such as L2TP or GRE, tunnel for site-to-site networks.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 3: encapsulation mode mismatch"),),
)

LIFETIME_MISMATCH = CatalogEntry(
    code="ike.lifetime_mismatch",
    severity=Severity.WARNING,
    title="SA lifetimes differ between the two gateways",
    explanation="The two gateways are configured with different lifetimes for the IKE (phase 1) or IPsec "
                "(phase 2) SA. Many gateways accept a shorter lifetime than their own and refuse a longer "
                "one, so the tunnel may come up only when one side starts it, rekey at unexpected times, or "
                "drop traffic when one side expires the SA before the other.",
    wire="IKEv1: a RESPONDER-LIFETIME notify (24576), a responder's chosen proposal with another lifetime "
         "than offered, or the two peers' own proposals differing only in lifetime.",
    remedy="Set the same phase-1 and phase-2 lifetimes (seconds, and kilobytes where used) on both gateways.",
    vendor_refs=(VendorRef("Clavister", "lifetimes in the proposal lists also have to match; Problem symptom 1: "
                                        "the tunnel can only be initiated from one side"),),
    versions=(1,),
)

ENTRIES = (VERSION_MISMATCH, MODE_MISMATCH, ENCAPSULATION_MISMATCH, LIFETIME_MISMATCH)


def _readable(m: MessageRef) -> bool:
    """Whether the message's payloads are known: sent in clear, or opened with keys."""
    return not m.encrypted or m.decrypted


def _first(sa: SaRecord) -> MessageRef | None:
    return sa.messages[0] if sa.messages else None


# -- version -------------------------------------------------------------------------------------

def version_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    unknown = [(m, p) for m in sa.messages if m.retransmit_of is None for p in m.problems
               if p.code == "ike.unknown_version"]
    invalid_major = N_V1_INVALID_MAJOR_VERSION if sa.version == 1 else N_V2_INVALID_MAJOR_VERSION
    for m in sa.messages:
        if (m.retransmit_of is None and invalid_major in m.notifies
                and not any(p.severity is Severity.ERROR for p in m.problems)):  # a broken message proves nothing
            before = [o for o in sa.messages if o.from_initiator != m.from_initiator and o.ts <= m.ts]
            ev = ([evidence(before[-1], "the message refused")] if before else []) + \
                 [evidence(m, f"INVALID_MAJOR_VERSION from the {role_name(m.from_initiator)}")]
            what = f" ({unknown[0][1].detail})" if unknown else ""
            yield make(VERSION_MISMATCH, Confidence.CERTAIN,
                       f"the {role_name(m.from_initiator)} cannot handle the IKE version it was sent{what} and answers "
                       "INVALID_MAJOR_VERSION", ev, sa=sa.id, details={"notify": invalid_major},
                       reason="INVALID_MAJOR_VERSION is readable")
            return
    if unknown:
        m, p = unknown[0]
        yield make(VERSION_MISMATCH, Confidence.CERTAIN,
                   f"the {role_name(m.from_initiator)} sends IKE messages with an unknown major version: {p.detail}",
                   [evidence(m, p.detail, p.offset)], sa=sa.id, details={"problem": p.code},
                   reason="the version byte of the ISAKMP header says so")
        return
    other = next((o for o in reversed(ctx.earlier(sa)) if o.version != sa.version), None)
    if other is None or (sa.outcome not in FAILED and other.outcome not in FAILED):
        return
    mine, theirs = _first(sa), _first(other)
    if mine is None or theirs is None:
        return
    ev = [evidence(theirs, f"IKEv{other.version} from {other.initiator.address} (SA {other.id}, {other.outcome})"),
          evidence(mine, f"IKEv{sa.version} from {sa.initiator.address} (SA {sa.id}, {sa.outcome})")]
    if other.initiator.address == sa.initiator.address:
        summary = (f"{sa.initiator.address} tried IKEv{other.version} (SA {other.id}: {other.outcome}) and "
                   f"IKEv{sa.version} (SA {sa.id}: {sa.outcome}) with {sa.responder.address}: the peers do not "
                   "agree on the IKE version")
    else:
        summary = (f"{other.initiator.address} starts IKEv{other.version} and {sa.initiator.address} starts "
                   f"IKEv{sa.version}: each peer is set to another IKE version")
    severity = None if sa.outcome in FAILED else Severity.WARNING
    yield make(VERSION_MISMATCH, Confidence.LIKELY, summary, ev, sa=sa.id, severity=severity,
               details={"other_sa": other.id, "versions": {other.initiator.address: other.version,
                                                             sa.initiator.address: sa.version}},
               reason="negotiations of both IKE versions between the same two addresses, and not all came up")


# -- exchange mode -------------------------------------------------------------------------------

def _phase1(sa: SaRecord) -> Exchange | None:
    return next((e for e in sa.exchanges if e.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)), None)


def _responder_spoke(sa: SaRecord, ex: Exchange) -> bool:
    return any(not sa.messages[i].from_initiator for i in ex.messages)


def _other_mode(sa: SaRecord, o: SaRecord) -> bool:
    """An IKEv1 SA in the other mode that says something about the peers: the other peer
    started it, or its responder answered (so that mode works towards it)."""
    if o.version != 1 or o.mode in (None, sa.mode):
        return False
    phase1 = _phase1(o)
    return o.initiator.address != sa.initiator.address or (phase1 is not None and _responder_spoke(o, phase1))


def exchange_mode_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version != 1 or sa.mode is None:
        return
    phase1 = _phase1(sa)
    if phase1 is None:
        return
    first = sa.request(phase1) or sa.messages[phase1.messages[0]]
    other_mode = next((o for o in reversed(ctx.earlier(sa)) if _other_mode(sa, o)), None)
    answered = _responder_spoke(sa, phase1)
    refusal = next((m for m in sa.messages if m.retransmit_of is None and not m.from_initiator
                    and m.exchange == EX_V1_INFORMATIONAL and any(reg.notify_is_error(1, n) for n in m.notifies)), None)
    ev: list[Evidence] = [evidence(first, f"{sa.mode} mode message 1")]
    details: dict[str, Any] = {"mode": sa.mode}
    if other_mode is not None and (sa.outcome in FAILED or other_mode.outcome in FAILED):
        o_first = _first(other_mode)
        if o_first is not None:
            ev.insert(0, evidence(o_first, f"{other_mode.mode} mode from {other_mode.initiator.address} "
                                           f"(SA {other_mode.id}, {other_mode.outcome})"))
        if refusal is not None:
            ev.append(evidence(refusal, "refusal"))
        details["other_sa"] = other_mode.id
        who = "the peers initiate" if other_mode.initiator.address != sa.initiator.address else "the initiator tries"
        yield make(MODE_MISMATCH, Confidence.LIKELY,
                   f"{who} phase 1 in different modes: {other_mode.mode} mode (SA {other_mode.id}: "
                   f"{other_mode.outcome}) and {sa.mode} mode (SA {sa.id}: {sa.outcome})", ev, sa=sa.id,
                   details=details, severity=None if sa.outcome in FAILED else Severity.WARNING,
                   reason="IKEv1 SAs in both modes between the same peers, and not all came up")
        return
    if sa.mode != "aggressive" or answered or sa.outcome not in FAILED:
        return
    if refusal is None:
        return
    names = [reg.notify_name(1, n) for n in refusal.notifies if reg.notify_is_error(1, n)]
    ev.append(evidence(refusal, f"{', '.join(names)} instead of aggressive mode message 2"))
    details["notify"] = names
    only_proposal = all(n == N_V1_NO_PROPOSAL_CHOSEN for n in refusal.notifies if reg.notify_is_error(1, n))
    yield make(MODE_MISMATCH, Confidence.POSSIBLE if only_proposal else Confidence.LIKELY,
               f"aggressive mode refused at once ({', '.join(names)}) before any proof was exchanged: the "
               "responder is probably configured for main mode", ev, sa=sa.id, exchange=phase1.index,
               details=details,
               reason="a responder answers aggressive mode message 1 with an error, before it could check any "
                      "key, when the tunnel it finds does not allow aggressive mode (other readings: no "
                      "pre-shared key for the identity sent, or no acceptable proposal)")


# -- encapsulation mode --------------------------------------------------------------------------

def _modes(props: Iterable[Proposal] | None) -> set[str]:
    """Encapsulation modes in IKEv1 phase-2 proposals, without the NAT-T (UDP) distinction."""
    out = set()
    for s in suites(1, props or ()):
        out |= {v.split(" ")[0] for v in s.get("encapsulation")}
    return out


def encapsulation_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        yield from _v2_transport(sa)
    elif sa.version == 1:
        yield from _v1_encapsulation(sa, ctx)


def _v2_transport(sa: SaRecord) -> Iterable[Finding]:
    for ex in sa.exchanges:
        if ex.exchange not in (EX_V2_IKE_AUTH, EX_V2_CREATE_CHILD_SA):
            continue
        req, resp = sa.request(ex), sa.response(ex)
        if (req is None or resp is None or not _readable(req) or not _readable(resp)
                or PL_V2_SA not in resp.payloads + resp.inner_payloads):
            continue
        asked, granted = N_V2_USE_TRANSPORT_MODE in req.notifies, N_V2_USE_TRANSPORT_MODE in resp.notifies
        if asked == granted:
            continue
        if asked:
            summary = f"the {role_name(req.from_initiator)} asked for transport mode (USE_TRANSPORT_MODE), the " \
                      "CHILD SA came up in tunnel mode: the other gateway is configured for tunnel mode"
            texts = ("USE_TRANSPORT_MODE: transport mode asked for", "CHILD SA accepted without USE_TRANSPORT_MODE")
        else:
            summary = "the responder answered with USE_TRANSPORT_MODE although tunnel mode was asked for"
            texts = ("tunnel mode asked for (no USE_TRANSPORT_MODE)", "USE_TRANSPORT_MODE in the answer")
        yield make(ENCAPSULATION_MISMATCH, Confidence.CERTAIN, summary,
                   [evidence(req, texts[0]), evidence(resp, texts[1])], sa=sa.id, exchange=ex.index,
                   severity=Severity.WARNING, details={"requested_transport": asked, "granted_transport": granted},
                   reason="both messages are readable; RFC 7296 1.3.1 has a responder that accepts transport mode "
                          "echo the notify")


def _quick_pairs(sa: SaRecord) -> list[tuple[MessageRef, MessageRef | None]]:
    out = []
    for ex in sa.exchanges:
        if ex.exchange != EX_V1_QUICK:
            continue
        req, resp = sa.request(ex), sa.response(ex)
        if req is not None and req.proposals:
            out.append((req, resp))
    return out


def _v1_encapsulation(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    pairs = _quick_pairs(sa)
    for req, resp in pairs:
        offered, chosen = _modes(req.proposals), _modes(resp.proposals if resp else None)
        if offered and chosen and not chosen <= offered:
            yield make(ENCAPSULATION_MISMATCH, Confidence.CERTAIN,
                       f"quick mode offered {'/'.join(sorted(offered))} mode, the responder chose "
                       f"{'/'.join(sorted(chosen))}", [evidence(req, "offered"), evidence(resp, "chosen")],
                       sa=sa.id, details={"offered": sorted(offered), "chosen": sorted(chosen)},
                       reason="both quick mode proposals are readable")
            return
    if not pairs:
        return
    req = pairs[0][0]
    mine = _modes(req.proposals)
    for other in reversed(ctx.earlier(sa)):
        if other.version != 1 or other.initiator.address == sa.initiator.address:
            continue
        for o_req, _ in _quick_pairs(other):
            theirs = _modes(o_req.proposals)
            if mine and theirs and not mine & theirs:
                yield make(ENCAPSULATION_MISMATCH, Confidence.LIKELY,
                           f"{sa.initiator.address} proposes {'/'.join(sorted(mine))} mode, "
                           f"{other.initiator.address} proposes {'/'.join(sorted(theirs))} mode",
                           [evidence(o_req, f"quick mode from {other.initiator.address} (SA {other.id})"),
                            evidence(req, f"quick mode from {sa.initiator.address}")], sa=sa.id,
                           details={"mine": sorted(mine), "theirs": sorted(theirs), "other_sa": other.id},
                           reason="each peer's own quick mode proposals are readable and share no mode")
                return


# -- lifetimes -----------------------------------------------------------------------------------

def _lifetime_attrs(data: bytes) -> str:
    """Life type/duration pairs from a RESPONDER-LIFETIME notify's data (RFC 2407 4.6.3.1)."""
    parts, unit, pos = [], None, 0
    while pos + 4 <= len(data):
        word = int.from_bytes(data[pos:pos + 2], "big")
        atype = word & 0x7FFF
        if word & 0x8000:
            value, pos = int.from_bytes(data[pos + 2:pos + 4], "big"), pos + 4
        else:
            length = int.from_bytes(data[pos + 2:pos + 4], "big")
            value, pos = int.from_bytes(data[pos + 4:pos + 4 + length], "big"), pos + 4 + length
        if atype in (P2_ATTR_SA_LIFE_TYPE, P1_ATTR_LIFE_TYPE):
            unit = V1_LIFE_UNITS.get(value, "?")
        elif atype in (P2_ATTR_SA_LIFE_DURATION, P1_ATTR_LIFE_DURATION) and unit is not None:
            parts.append(f"{value}{unit}")
    return " ".join(parts)


def _lifetimes(ss: list[Suite]) -> list[str]:
    return sorted({v for s in ss for v in s.get("lifetime")})


def lifetime_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version != 1:
        return
    yield from _responder_lifetime(sa)
    yield from _chosen_lifetime(sa)
    yield from _peers_lifetimes(sa, ctx)


def _responder_lifetime(sa: SaRecord) -> Iterable[Finding]:
    for m in sa.messages:
        if m.retransmit_of is not None or N_V1_RESPONDER_LIFETIME not in m.notifies:
            continue
        data = (m.notify_data[m.notifies.index(N_V1_RESPONDER_LIFETIME)]
                if len(m.notify_data) == len(m.notifies) else b"")
        theirs = _lifetime_attrs(data)
        quick = [q for q in sa.messages if q.exchange == EX_V1_QUICK and q.proposals and q.ts <= m.ts
                 and q.from_initiator != m.from_initiator]
        asked = _lifetimes(suites(1, quick[-1].proposals or ())) if quick else _lifetimes(suites(1, sa.offered))
        ev = ([evidence(quick[-1], "proposed lifetime")] if quick else []) + \
             [evidence(m, f"RESPONDER-LIFETIME{': ' + theirs if theirs else ''}")]
        yield make(LIFETIME_MISMATCH, Confidence.CERTAIN,
                   f"the {role_name(m.from_initiator)} imposes its own lifetime"
                   + (f" ({theirs})" if theirs else "") + (f" instead of the proposed {', '.join(asked)}"
                                                           if asked else ""), ev, sa=sa.id,
                   details={"responder_lifetime": theirs, "proposed": asked},
                   reason="RESPONDER-LIFETIME is readable")
        return


def _chosen_lifetime(sa: SaRecord) -> Iterable[Finding]:
    pairs: list[tuple[str, list[Suite], list[Suite], MessageRef | None, MessageRef | None]] = []
    msgs = {m.frame: m for m in sa.messages}
    if sa.chosen is not None and sa.offered:
        pairs.append(("phase 1", suites(1, sa.offered), suites(1, [sa.chosen]), msgs.get(sa.offered_frame or -1),
                      msgs.get(sa.chosen_frame or -1)))
    for req, resp in _quick_pairs(sa):
        if resp is not None and resp.proposals:
            pairs.append(("quick mode", suites(1, req.proposals or ()), suites(1, resp.proposals), req, resp))
    for what, offered, chosen, o_msg, c_msg in pairs:
        if not chosen or not offered or o_msg is None or c_msg is None:
            continue
        c = chosen[0]
        if any(accepts(o, c) for o in offered) or not any(accepts(o, c, ignore=("lifetime",)) for o in offered):
            continue
        yield make(LIFETIME_MISMATCH, Confidence.CERTAIN,
                   f"{what}: the responder answered with lifetime {', '.join(_lifetimes([c])) or 'none'} "
                   f"where {', '.join(_lifetimes(offered)) or 'none'} was offered",
                   [evidence(o_msg, "offered"), evidence(c_msg, "chosen")], sa=sa.id,
                   details={"phase": what, "offered": _lifetimes(offered), "chosen": _lifetimes([c])},
                   reason="both proposals are readable and differ only in lifetime")
        return


def _peers_lifetimes(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """The two peers' own proposals (each as initiator) differ in lifetime and nothing else."""
    mine_p1 = suites(1, sa.offered)
    mine_qm = [(req, suites(1, req.proposals or ())) for req, _ in _quick_pairs(sa)]
    msgs = {m.frame: m for m in sa.messages}
    for other in reversed(ctx.earlier(sa)):
        if other.version != 1 or other.initiator.address == sa.initiator.address:
            continue
        candidates = []
        if mine_p1 and other.offered:
            candidates.append(("phase 1", mine_p1, suites(1, other.offered), msgs.get(sa.offered_frame or -1),
                               next((m for m in other.messages if m.frame == other.offered_frame), None)))
        other_qm = [(req, suites(1, req.proposals or ())) for req, _ in _quick_pairs(other)]
        if mine_qm and other_qm:
            candidates.append(("quick mode", mine_qm[0][1], other_qm[0][1], mine_qm[0][0], other_qm[0][0]))
        for what, mine, theirs, m_msg, o_msg in candidates:
            if m_msg is None or o_msg is None or best_mismatch(mine, theirs) != ["lifetime"]:
                continue
            failed = sa.outcome in FAILED or other.outcome in FAILED
            yield make(LIFETIME_MISMATCH, Confidence.LIKELY,
                       f"{what} proposals of {sa.initiator.address} ({', '.join(_lifetimes(mine))}) and "
                       f"{other.initiator.address} ({', '.join(_lifetimes(theirs))}) differ only in lifetime",
                       [evidence(o_msg, f"{other.initiator.address}'s proposal (SA {other.id})"),
                        evidence(m_msg, f"{sa.initiator.address}'s proposal")], sa=sa.id,
                       severity=Severity.ERROR if failed else None,
                       details={"phase": what, "diff": diff(mine, theirs), "other_sa": other.id},
                       reason="each peer's own proposals are readable; the closest pair differs in lifetime only")
            return


SA_RULES = (version_mismatch, exchange_mode_mismatch, encapsulation_mismatch, lifetime_mismatch)
