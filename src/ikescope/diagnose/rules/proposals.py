"""Proposal and DH group problems: the two sides cannot agree on algorithms.

The centre of the diagnosis: when a responder refuses (NO_PROPOSAL_CHOSEN,
INVALID_KE_PAYLOAD) the finding shows the initiator's offer in full and, when
the other side's own offers are known (it initiated too, earlier in the
capture, or the user gave ``--expect-ike``), a per-attribute diff that names
what differs. Notify numbers: RFC 2408 3.14.1 (IKEv1), RFC 7296 3.10.1 (IKEv2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ...model import Severity
from ...track.records import MessageRef, SaRecord
from ...wire import registry as reg
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V1_QUICK,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_IKE_AUTH,
    EX_V2_IKE_SA_INIT,
    N_V1_NO_PROPOSAL_CHOSEN,
    N_V2_INVALID_KE_PAYLOAD,
    N_V2_NO_PROPOSAL_CHOSEN,
    PROTO_ISAKMP,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make
from ..suite import Suite, accepts, best_mismatch, diff, suites
from .rekey import refused_rekey_answers
from .retries import cost_text, init_retries

# Seconds an initiator refused with INVALID_KE_PAYLOAD may take to retry; a capture that ends
# sooner after the refusal cannot show whether it did.
RETRY_WAIT = 2.0


PROPOSAL_MISMATCH = CatalogEntry(
    code="ike.proposal_mismatch",
    severity=Severity.ERROR,
    title="IKE SA (phase 1) proposal mismatch",
    explanation="The responder found none of the initiator's IKE SA proposals acceptable, so the "
                "negotiation stopped at its first exchange. The two gateways are configured with different "
                "encryption, integrity/hash, PRF, DH group, authentication method or (IKEv1) lifetime for "
                "the IKE SA.",
    wire="A NO_PROPOSAL_CHOSEN notify (14) answering IKE_SA_INIT, or an IKEv1 Informational with "
         "NO-PROPOSAL-CHOSEN during main or aggressive mode. Some gateways stay silent instead.",
    remedy="Compare the IKE/phase-1 proposal lists on both gateways attribute by attribute (the finding's "
           "table shows what the initiator offered and, where known, what the other side wants) and make at "
           "least one proposal identical on both sides.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 1: phase1 proposal mismatch"),
                 VendorRef("ZyWALL", "!! No proposal chosen"),
                 VendorRef("Clavister", "could not find acceptable proposal / no proposal chosen (IKE phase)")),
)

CHILD_PROPOSAL_MISMATCH = CatalogEntry(
    code="ike.child_proposal_mismatch",
    severity=Severity.ERROR,
    title="CHILD SA (phase 2) proposal or PFS mismatch",
    explanation="The IKE SA came up, but the responder accepted none of the proposals for the IPsec (CHILD) "
                "SA that carries the traffic: ESP/AH algorithms, PFS group or extended sequence numbers differ.",
    wire="NO_PROPOSAL_CHOSEN in quick mode (IKEv1, usually inside an encrypted Informational) or in the "
         "IKE_AUTH / CREATE_CHILD_SA response (IKEv2, encrypted: readable with keys).",
    remedy="Compare the IPsec/phase-2 proposals on both gateways, including the PFS (DH) group: one side "
           "requiring PFS while the other has none is a common cause.",
    vendor_refs=(VendorRef("Huawei", "reason code 2: phase2 proposal or pfs mismatch"),
                 VendorRef("Huawei", "reason code 45: proposal mismatch or use sm in ikev2"),
                 VendorRef("ZyWALL", "!! No proposal chosen"),
                 VendorRef("Clavister", "no proposal chosen (IPsec phase); check PFS")),
)

PFS_MISMATCH = CatalogEntry(
    code="ike.pfs_mismatch",
    severity=Severity.ERROR,
    title="PFS configured on one side only",
    explanation="One side proposes a DH group for the IPsec SA (perfect forward secrecy) and the other "
                "proposes none or a different one, so the phase-2/CHILD SA proposals cannot match.",
    wire="A KE payload and a DH/group attribute in one side's quick mode or CREATE_CHILD_SA proposal only.",
    remedy="Enable PFS with the same group on both gateways, or disable it on both.",
    vendor_refs=(VendorRef("Huawei", "reason code 2: phase2 proposal or pfs mismatch"),
                 VendorRef("Clavister", "no proposal chosen; PFS setting on the IKE tab")),
)

CHOICE_NOT_OFFERED = CatalogEntry(
    code="ike.choice_not_offered",
    severity=Severity.ERROR,
    title="Responder chose a proposal that was never offered",
    explanation="The responder answered with a proposal that does not match any of the initiator's "
                "offers. A conforming initiator rejects such an answer, so the SA fails or, worse, the two "
                "sides disagree about what was negotiated.",
    wire="The responder's SA payload (IKE_SA_INIT or main mode message 2) compared transform by transform "
         "with the initiator's.",
    remedy="Check the responder's software for a bug or a broken proposal configuration; capture on the "
           "responder side too, in case something between the peers rewrites packets.",
)

EXPECTED_MISMATCH = CatalogEntry(
    code="ike.expected_proposal_mismatch",
    severity=Severity.WARNING,
    title="Proposals on the wire differ from the expected configuration",
    explanation="The proposals seen in the capture do not fit the configuration given with --expect-ike or "
                "--expect-esp, so at least one gateway is not configured as intended.",
    wire="The SA payloads of the capture compared with the expected proposals.",
    remedy="Correct the gateway whose proposals differ (the table names the attribute).",
)

DH_GROUP_MISMATCH = CatalogEntry(
    code="ike.dh_group_mismatch",
    severity=Severity.ERROR,
    title="No common Diffie-Hellman group",
    explanation="The two sides want different Diffie-Hellman (key exchange) groups and never settled on one.",
    wire="IKEv2: INVALID_KE_PAYLOAD (17) with the group the responder wants, and no successful retry. "
         "IKEv1: proposals that differ only in the group attribute, answered by NO-PROPOSAL-CHOSEN.",
    remedy="Configure the same DH group on both gateways (the finding names the groups each side uses).",
    vendor_refs=(VendorRef("Huawei", "reason code 6: responder dh mismatch"),
                 VendorRef("Huawei", "reason code 7: initiator dh mismatch")),
)

INVALID_KE_RETRY = CatalogEntry(
    code="ike.invalid_ke_retry",
    severity=Severity.INFO,
    title="DH group guessed wrong, then corrected",
    explanation="The initiator sent its key exchange for a DH group the responder does not prefer; the "
                "responder named the group it wants and the initiator retried with it. This costs one round "
                "trip (the finding says how long it took) and is normal, but listing the responder's group "
                "first on the initiator avoids it.",
    wire="INVALID_KE_PAYLOAD (17) carrying the wanted group, then a new IKE_SA_INIT with a KE of that group.",
    remedy="Nothing is broken. To save the round trip, put the responder's preferred group first.",
    versions=(2,),
)

ENTRIES = (PROPOSAL_MISMATCH, CHILD_PROPOSAL_MISMATCH, PFS_MISMATCH, CHOICE_NOT_OFFERED, EXPECTED_MISMATCH,
           DH_GROUP_MISMATCH, INVALID_KE_RETRY)


def _suite_rows(ss: list[Suite]) -> list[dict[str, Any]]:
    return [{"number": s.number, **{k: sorted(v) for k, v in s.values.items()}} for s in ss]


def _phase1(m: MessageRef) -> bool:
    return m.exchange in (EX_V2_IKE_SA_INIT, EX_V1_MAIN, EX_V1_AGGRESSIVE)


def _other_side_offers(sa: SaRecord, ctx: RuleContext) -> tuple[list[Suite], str | None]:
    """What the responder is known to want: the offers it made itself when it initiated to this
    initiator earlier, or else the proposal it chose in an earlier negotiation that came up."""
    earlier = list(reversed(ctx.earlier(sa)))
    for other in earlier:
        if (other.version == sa.version and other.initiator.address == sa.responder.address
                and other.offered):
            return suites(sa.version, other.offered), f"the responder's own offer in frame {other.offered_frame}"
    for other in earlier:
        if (other.version == sa.version and other.responder.address == sa.responder.address
                and other.chosen is not None and other.outcome in ("established", "deleted")):
            return (suites(sa.version, [other.chosen]),
                    f"what the responder accepted in frame {other.chosen_frame} (SA {other.id}, which came up)")
    return [], None


def _refusals(sa: SaRecord, phase1: bool) -> list[MessageRef]:
    """The fresh messages that say NO_PROPOSAL_CHOSEN for phase 1 (IKE SA) or, with ``phase1``
    False, for phase 2 (CHILD / IPsec SA)."""
    code = N_V1_NO_PROPOSAL_CHOSEN if sa.version == 1 else N_V2_NO_PROPOSAL_CHOSEN
    out = []
    for m in sa.messages:
        if m.retransmit_of is not None or code not in m.notifies:
            continue
        # An IKEv1 Informational in clear can only concern phase 1: phase-2 notifies are encrypted.
        in_phase1 = _phase1(m) or (m.exchange == EX_V1_INFORMATIONAL and sa.version == 1 and not m.encrypted)
        if in_phase1 == phase1:
            out.append(m)
    return out


def proposal_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    refusals = _refusals(sa, phase1=True)
    if not refusals:
        return
    offer_msg = next((m for m in sa.messages if m.frame == sa.offered_frame), None)
    offered = suites(sa.version, sa.offered)
    theirs, their_source = _other_side_offers(sa, ctx)
    expected = list(ctx.settings.expect_ike)
    details: dict[str, Any] = {"offered": _suite_rows(offered)}
    entry, what = PROPOSAL_MISMATCH, "none of the offered IKE SA proposals was acceptable"
    against = theirs or expected
    if against:
        details["diff"] = diff(offered, against)
        details["diff_against"] = their_source if theirs else "the expected configuration (--expect-ike)"
        differing = best_mismatch(offered, against)
        details["differing"] = differing
        if differing == ["dh"]:
            entry = DH_GROUP_MISMATCH
        if differing:
            what += "; closest match differs in " + ", ".join(differing)
    refusal = refusals[0]
    by = "initiator" if refusal.from_initiator else "responder"
    ev = []
    if offer_msg is not None:
        ev.append(evidence(offer_msg, f"the initiator offers {len(offered)} proposal(s)"))
    ev.append(evidence(refusal, f"the {by} answers NO_PROPOSAL_CHOSEN"))
    established = sa.outcome == "established"
    yield make(entry, Confidence.CERTAIN, f"IKE SA proposal refused by the {by}: {what}"
               + (" (the negotiation recovered later)" if established else ""),
               ev, sa=sa.id, exchange=sa.failed_exchange, details=details,
               reason="the peer says so with a NO_PROPOSAL_CHOSEN notify in clear",
               severity=Severity.WARNING if established else None)


def child_proposal_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """NO_PROPOSAL_CHOSEN for the IPsec SA, where it can be read (clear or decrypted); refused rekeys
    of a CHILD SA are ``rekey``'s."""
    refusals = _refusals(sa, phase1=False)
    rekeys = refused_rekey_answers(sa) if refusals else set()
    for m in refusals:
        if m.frame in rekeys:
            continue
        request = _request_for(sa, m)
        ev = ([evidence(request, "the CHILD SA proposals")] if request else []) + \
             [evidence(m, "NO_PROPOSAL_CHOSEN for the CHILD/IPsec SA")]
        details: dict[str, Any] = {}
        entry = CHILD_PROPOSAL_MISMATCH
        if request is not None and request.proposals:
            offered = _offered_child(sa, request)
            details["offered"] = _suite_rows(offered)
            if ctx.settings.expect_esp:
                details["diff"] = diff(offered, list(ctx.settings.expect_esp))
                details["diff_against"] = "the expected configuration (--expect-esp)"
                differing = best_mismatch(offered, list(ctx.settings.expect_esp))
                details["differing"] = differing
                if differing == ["dh"]:
                    entry = PFS_MISMATCH
        summary = "the responder accepted none of the CHILD/IPsec SA proposals"
        pfs = _pfs_note(sa, request) if request is not None and request.proposals else ""
        if pfs:
            summary += f"; {pfs}"
            details["pfs"] = pfs
        yield make(entry, Confidence.CERTAIN, summary, ev, sa=sa.id, details=details,
                   reason="NO_PROPOSAL_CHOSEN is readable in this message")


def _pfs_note(sa: SaRecord, request: MessageRef) -> str:
    """What the refused proposals say about PFS: the DH group they ask for and, in IKEv2, whether
    the same algorithms were accepted without one in IKE_AUTH (which never negotiates a DH group)."""
    offered = suites(sa.version, request.proposals or ())
    groups = sorted(set().union(*(s.get("dh") for s in offered)) - {"no PFS"}) if offered else []
    if not groups:
        return ""
    if sa.version == 2 and request.exchange == EX_V2_CREATE_CHILD_SA:
        auth = next((e for e in sa.exchanges if e.exchange == EX_V2_IKE_AUTH), None)
        resp = sa.response(auth) if auth is not None else None
        agreed = [s for f, by_init, props in sa.child_proposals if resp is not None and f == resp.frame
                  and not by_init for s in suites(2, props)]
        if agreed and any(accepts(o, agreed[0], ignore=("dh", "lifetime")) for o in offered):
            return (f"they add PFS ({', '.join(groups)}) to the algorithms the responder accepted in IKE_AUTH "
                    f"(frame {resp.frame}): PFS on the requesting side only is the first candidate")  # type: ignore[union-attr]
    return f"they ask for PFS ({', '.join(groups)}): check that the other side has PFS with that group"


def _request_for(sa: SaRecord, resp: MessageRef) -> MessageRef | None:
    """The request ``resp`` refuses: the same exchange in IKEv2; in IKEv1 a refusal travels in a
    separate Informational, so the latest quick mode offer from the other side before it."""
    if sa.version == 1 and resp.exchange == EX_V1_INFORMATIONAL:
        offers = [m for m in sa.messages if m.exchange == EX_V1_QUICK and m.from_initiator != resp.from_initiator
                  and m.frame < resp.frame and m.proposals and m.retransmit_of is None]
        return offers[-1] if offers else None
    for m in sa.messages:
        if (m.message_id == resp.message_id and m.exchange == resp.exchange and m.from_initiator != resp.from_initiator
                and m.frame < resp.frame and m.retransmit_of is None):
            return m
    return None


def _offered_child(sa: SaRecord, request: MessageRef) -> list[Suite]:
    """A CHILD SA offer as suites. A CREATE_CHILD_SA (like quick mode) offers PFS by listing a DH
    group, so a proposal without one says "no PFS"; IKE_AUTH never carries the group."""
    offered = suites(sa.version, request.proposals or ())
    if sa.version == 2 and request.exchange == EX_V2_CREATE_CHILD_SA:
        offered = [s if s.get("dh") else Suite(s.number, {**s.values, "dh": frozenset({"no PFS"})})
                   for s in offered]
    return offered


def choice_not_offered(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.chosen is None or not sa.offered:
        return
    chosen = suites(sa.version, [sa.chosen])
    offered = suites(sa.version, sa.offered)
    if not chosen or any(accepts(o, chosen[0], ignore=("lifetime",)) for o in offered):
        return
    msgs = {m.frame: m for m in sa.messages}
    ev = [evidence(msgs[f], t) for f, t in ((sa.offered_frame, "the initiator's offer"),
                                            (sa.chosen_frame, "the responder's choice")) if f in msgs]
    yield make(CHOICE_NOT_OFFERED, Confidence.CERTAIN,
               "the responder's chosen proposal is not among the initiator's offers",
               ev, sa=sa.id, details={"offered": _suite_rows(offered), "chosen": _suite_rows(chosen),
                                      "diff": diff(offered, chosen)},
               reason="both SA payloads are in clear")


def expected_proposals(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    expected = list(ctx.settings.expect_ike)
    if not expected or not sa.offered or _refusals(sa, phase1=True):
        return  # a refusal is reported by proposal_mismatch, with this same comparison
    offered = suites(sa.version, sa.offered)
    ignore = ("protocol", "auth", "lifetime")
    if sa.chosen is not None:
        chosen = suites(sa.version, [sa.chosen])
        if chosen and any(accepts(e, chosen[0], ignore=ignore) for e in expected):
            return
        subject, subject_suites = "the chosen IKE proposal", chosen
    else:
        if any(_overlap(o, e, ignore) for o in offered for e in expected):
            return
        subject, subject_suites = "no offered IKE proposal", offered
    msg = next((m for m in sa.messages if m.frame in (sa.chosen_frame, sa.offered_frame)), sa.messages[0])
    yield make(EXPECTED_MISMATCH, Confidence.CERTAIN, f"{subject} fits the expected configuration",
               [evidence(msg, "the SA payload compared with --expect-ike")], sa=sa.id,
               details={"diff": diff(subject_suites, expected), "diff_against": "the expected configuration",
                        "differing": best_mismatch(subject_suites, expected)},
               reason="the SA payload is in clear")


def expected_esp(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """The CHILD SA proposal the responder chose (readable: clear IKEv1 or decrypted) against
    --expect-esp. IKE_AUTH carries no KE, so a DH/PFS group is compared only for
    CREATE_CHILD_SA and quick mode (RFC 7296 1.2)."""
    expected = list(ctx.settings.expect_esp)
    # CREATE_CHILD_SA also rekeys the IKE SA itself: only ESP/AH proposals are CHILD SAs
    answers = [(f, props) for f, by_init, props in sa.child_proposals
               if not by_init and props and props[0].protocol != PROTO_ISAKMP]
    if not expected or not answers:
        return
    frame, props = answers[-1]
    msg = next((m for m in sa.messages if m.frame == frame), None)
    chosen = suites(sa.version, props[:1]) if msg is None else _offered_child(sa, replace(msg, proposals=props[:1]))
    ignore: tuple[str, ...] = ("protocol", "lifetime", "encapsulation")
    if msg is not None and msg.exchange == EX_V2_IKE_AUTH:
        ignore += ("dh",)
    if not chosen or msg is None or any(accepts(e, chosen[0], ignore=ignore) for e in expected):
        return
    yield make(EXPECTED_MISMATCH, Confidence.CERTAIN, "the chosen CHILD SA proposal fits no expected ESP proposal",
               [evidence(msg, "the responder's CHILD SA proposal compared with --expect-esp")], sa=sa.id,
               details={"diff": diff(chosen, expected), "diff_against": "the expected configuration (--expect-esp)",
                        "differing": best_mismatch(chosen, expected)},
               reason="the CHILD SA proposal is readable" + (" (decrypted)" if msg.decrypted else ""))


def _overlap(a: Suite, b: Suite, ignore: tuple[str, ...]) -> bool:
    return all(not a.get(k) or not b.get(k) or a.get(k) & b.get(k) for k in a.values if k not in ignore)


def invalid_ke(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """IKEv2 INVALID_KE_PAYLOAD: fixed by a retry (info) or not (error). RFC 7296 1.2, 3.10.1."""
    if sa.version != 2:
        return
    inits = [e for e in sa.exchanges if e.exchange == EX_V2_IKE_SA_INIT]
    offered_groups = set().union(*(s.get("dh") for s in suites(2, sa.offered))) if sa.offered else set()
    for ex in inits:
        resp = next((sa.messages[i] for i in ex.messages if sa.messages[i].response), None)
        if resp is None or N_V2_INVALID_KE_PAYLOAD not in resp.notifies:
            continue
        req = next(sa.messages[i] for i in ex.messages if not sa.messages[i].response) if any(
            not sa.messages[i].response for i in ex.messages) else None
        data = resp.notify_data[resp.notifies.index(N_V2_INVALID_KE_PAYLOAD)]
        wanted = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
        wanted_name = reg.dh_group_name(wanted) if wanted is not None else "an unnamed group"
        sent = req.ke_group if req is not None else None
        sent_name = reg.dh_group_name(sent) if sent is not None else "?"
        retry = next((e for e in inits if e.attempt_of == ex.index), None)
        retry_req = next((sa.messages[i] for i in retry.messages if not sa.messages[i].response), None) \
            if retry else None
        ev = ([evidence(req, f"KE for {sent_name}")] if req else []) + \
             [evidence(resp, f"INVALID_KE_PAYLOAD: the responder wants {wanted_name}")]
        details = {"sent_group": sent_name, "wanted_group": wanted_name, "offered_groups": sorted(offered_groups)}
        if retry is None and sa.restarted_as is not None and ex is inits[-1]:
            restart = f"retry as SA {sa.restarted_as} (new SPIs)"
            if sa.restart_ke_group == wanted:
                ev.append(Evidence(sa.restart_frame or resp.frame, resp.ts, f"{restart} with KE for {wanted_name}"))
                yield make(INVALID_KE_RETRY, Confidence.LIKELY,
                           f"the initiator guessed {sent_name}, the responder asked for {wanted_name}, and the "
                           f"initiator started over as SA {sa.restarted_as} with it: one extra round trip", ev,
                           sa=sa.id, exchange=ex.index, details={**details, "round_trips": 1},
                           reason="the retry is a new SA between the same peers right after the refusal")
                continue
        if retry_req is not None and retry_req.ke_group == wanted:
            ev.append(evidence(retry_req, f"retry with KE for {wanted_name}"))
            ok = retry.answered and not any(
                reg.notify_is_error(2, n) for i in retry.messages for n in sa.messages[i].notifies
                if sa.messages[i].response)
            if ok or any(e.attempt_of == retry.index for e in inits):
                cost = next(r for r in init_retries(sa) if r.refused is ex)
                yield make(INVALID_KE_RETRY, Confidence.CERTAIN,
                           f"the initiator guessed {sent_name}, the responder asked for {wanted_name}, "
                           f"the retry used it: {cost_text(sa, cost)}", ev, sa=sa.id, exchange=ex.index,
                           details={**details, "round_trips": 1,
                                    "seconds": None if cost.seconds is None else round(cost.seconds, 6)},
                           reason="INVALID_KE_PAYLOAD and the retry are in clear")
                continue
        why = ("the initiator never retried" if retry_req is None else
               f"the retry used {reg.dh_group_name(retry_req.ke_group) if retry_req.ke_group else '?'} instead")
        confidence, reason = Confidence.CERTAIN, "INVALID_KE_PAYLOAD names the group, in clear"
        if wanted is not None and offered_groups and wanted_name not in offered_groups:
            why = f"{wanted_name} is not among the groups the initiator offers ({', '.join(sorted(offered_groups))})"
        elif retry_req is None and (unseen := _retry_unseeable(sa, resp)):
            why, confidence = f"{unseen}, so whether it retried is not known", Confidence.POSSIBLE
            reason = f"the refusal is readable, but {unseen}"
            details["partial_capture"] = True
        yield make(DH_GROUP_MISMATCH, confidence,
                   f"the responder wants {wanted_name}, but {why}", ev, sa=sa.id, exchange=ex.index,
                   details=details, reason=reason)


def _retry_unseeable(sa: SaRecord, refusal: MessageRef) -> str:
    """Why the capture cannot show a retry after ``refusal``, or "" when it could have."""
    if not any(m.from_initiator for m in sa.messages):
        return "the capture holds no message from the initiator"
    if sa.closed_at is not None and sa.closed_at[1] == float("inf") and sa.closed_at[0] - refusal.ts < RETRY_WAIT:
        return f"the capture ends {sa.closed_at[0] - refusal.ts:.1f} s after the refusal"
    return ""


SA_RULES = (proposal_mismatch, child_proposal_mismatch, choice_not_offered, expected_proposals, expected_esp,
            invalid_ke)
