"""What the tunnel should carry: traffic selectors (IKEv2), quick mode IDs (IKEv1), identities.

The IKE SA can come up and the tunnel still fail because the two gateways
describe the protected networks differently. The refusal is encrypted, so as
in ``auth`` there are two readings: a readable notify (certain), or the shape
of the messages (likely): an IKE_AUTH response that carries the responder's
identity but is too short to hold a CHILD SA, a CREATE_CHILD_SA or quick mode
answered by an error instead of a result. Notify numbers: RFC 2408 3.14.1,
RFC 7296 3.10.1; traffic selectors RFC 7296 3.13, narrowing 2.9.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ...model import Severity
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire.message import TrafficSelector
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V1_QUICK,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_IKE_AUTH,
    EX_V2_IKE_SA_INIT,
    EX_V2_INFORMATIONAL,
    N_V1_INVALID_ID_INFORMATION,
    N_V2_AUTHENTICATION_FAILED,
    N_V2_CHILDLESS_IKEV2_SUPPORTED,
    N_V2_TS_UNACCEPTABLE,
    PL_NONE,
    PL_V1_ID,
    PL_V2_AUTH,
    PL_V2_CP,
    PL_V2_D,
    PL_V2_IDI,
    PL_V2_IDR,
    PL_V2_SA,
    PL_V2_TSI,
    PL_V2_TSR,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make
from .rekey import is_child_rekey, refused_rekey_answers, v1_carries_ke, v1_room_for_ke, v2_carries_ke, v2_refusal
from .sizes import MIN_CHILD, MIN_ID, overheads, sk_room

# A CHILD SA failure makes some initiators delete the fresh IKE SA at once; quick
# mode refusals come back as fast as any answer.
PROMPT_SECONDS = 5.0

TS_MISMATCH = CatalogEntry(
    code="ike.ts_mismatch",
    severity=Severity.ERROR,
    title="Traffic selectors (protected networks) do not match",
    explanation="The IKE SA came up, but the responder refused the networks the initiator wants to protect. "
                "Each side's local network must be the other side's remote network, with the same size "
                "(prefix length), protocol and ports. A gateway usually accepts a smaller network than the one "
                "it has configured but refuses a larger or different one, which is why such a tunnel often "
                "comes up when one side starts it and fails when the other does.",
    wire="IKEv2: TS_UNACCEPTABLE (38) in the IKE_AUTH or CREATE_CHILD_SA response (encrypted: readable with "
         "keys; without them see ike.child_sa_rejected).",
    remedy="Compare the local and remote networks (and any protocol/port limits) configured for this tunnel "
           "on both gateways: A's local must equal B's remote and the other way round, prefix lengths "
           "included. On policy-based gateways check the crypto ACL / security policy on both ends.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 4: flow or peer mismatch"),
                 VendorRef("Huawei", "reason code 48: netmask mismatch"),
                 VendorRef("ZyWALL", "!! Verifying Local ID failed / !! Verifying Remote ID failed"),
                 VendorRef("Clavister", "Problem symptom 1: the tunnel can only be initiated from one side "
                                        "(network sizes differ)")),
    versions=(2,),
)

ID_MISMATCH = CatalogEntry(
    code="ike.id_mismatch",
    severity=Severity.ERROR,
    title="IDs refused: networks (quick mode) or peer identity (phase 1) not accepted",
    explanation="One gateway refused the identification the other sent. In quick mode the IDs describe the "
                "networks the tunnel protects, so a refusal means the local/remote subnets (or their sizes) "
                "differ between the two configurations. In phase 1 it is the gateway's own identity (address, "
                "host name, e-mail or certificate name) that the other side does not expect.",
    wire="IKEv1: INVALID-ID-INFORMATION (18), usually in an encrypted Informational answering quick mode "
         "message 1 (readable with keys; without them see ike.child_sa_rejected). IKEv2: AUTHENTICATION_FAILED "
         "after the initiator asked (IDr) for an identity other than the one the responder showed in an "
         "earlier negotiation.",
    remedy="For quick mode: make each side's local network the other's remote network, same prefix length, "
           "and check the crypto ACL / proxy IDs on policy-based gateways. For phase 1: check the local and "
           "peer ID type and value configured on both sides.",
    vendor_refs=(VendorRef("ZyWALL", "!! Verifying Local ID failed / !! Verifying Remote ID failed"),
                 VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 13: config ID mismatch"),
                 VendorRef("Huawei", "reason code 4: flow or peer mismatch"),
                 VendorRef("Clavister", "Problem symptom 1: the tunnel can only be initiated from one side")),
)

TS_NARROWED = CatalogEntry(
    code="ike.ts_narrowed",
    severity=Severity.WARNING,
    title="Responder narrowed the traffic selectors",
    explanation="The CHILD SA came up, but for a smaller set of addresses, protocols or ports than the "
                "initiator asked for. Traffic outside the narrowed range does not use this tunnel: it is "
                "dropped or leaves unencrypted, depending on the initiator's policy. Usually the two "
                "configurations name networks of different sizes.",
    wire="IKEv2: the TSi/TSr payloads of the response cover less than those of the request (readable in clear "
         "or with keys).",
    remedy="Configure the same local and remote networks on both gateways (prefix lengths included), or make "
           "the initiator ask only for what the responder allows.",
    vendor_refs=(VendorRef("Clavister", "Problem symptom 1: the tunnel can only be initiated from one side "
                                        "(a smaller network is accepted, a bigger one refused)"),
                 VendorRef("Huawei", "reason code 48: netmask mismatch")),
    versions=(2,),
)

CHILD_SA_REJECTED = CatalogEntry(
    code="ike.child_sa_rejected",
    severity=Severity.ERROR,
    title="IPsec (CHILD / phase 2) SA refused, reason encrypted",
    explanation="The IKE SA is up and both gateways authenticated each other, but the SA that carries the "
                "traffic was refused. Without the keys the reason cannot be read; in practice it is either "
                "the protected networks (traffic selectors / quick mode IDs) or the IPsec proposal (ESP "
                "algorithms, PFS group) that differ.",
    wire="IKEv2: an IKE_AUTH response that carries IDr but is too short to hold SA, TSi and TSr, or the "
         "initiator deleting the new IKE SA at once; a CREATE_CHILD_SA answered by a Notify. IKEv1: quick "
         "mode message 1 answered by an encrypted Informational instead of message 2.",
    remedy="Compare the IPsec/phase-2 proposals (including PFS) and the local/remote networks of this tunnel "
           "on both gateways. To tell which one differs, decrypt the capture (keys from strongSwan's "
           "save-keys plugin) or read the responder's log.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 2: phase2 proposal or pfs mismatch"),
                 VendorRef("Huawei", "reason code 4: flow or peer mismatch"),
                 VendorRef("ZyWALL", "!! No proposal chosen"),
                 VendorRef("ZyWALL", "!! Verifying Local ID failed / !! Verifying Remote ID failed"),
                 VendorRef("Clavister", "no proposal chosen (IPsec phase: proposals or networks)")),
)

ENTRIES = (TS_MISMATCH, ID_MISMATCH, TS_NARROWED, CHILD_SA_REJECTED)

CONFIRM = "Decrypting the capture (keys from strongSwan's save-keys plugin) or the responder's log tells which."


def _readable(m: MessageRef) -> bool:
    """Whether the message's payloads are known: sent in clear, or opened with keys."""
    return not m.encrypted or m.decrypted


def _exchange_of(sa: SaRecord, m: MessageRef) -> Exchange | None:
    return next((e for e in sa.exchanges if any(sa.messages[i] is m for i in e.messages)), None)


def _selector_text(ts: TrafficSelector) -> str:
    try:
        start, end = ipaddress.ip_address(ts.start), ipaddress.ip_address(ts.end)
    except ValueError:
        return f"type {ts.ts_type} selector"
    nets = list(ipaddress.summarize_address_range(start, end)) if start <= end else []
    where = str(nets[0]) if len(nets) == 1 else f"{start}-{end}"
    proto = "" if ts.protocol == 0 else f" proto {ts.protocol}"
    ports = "" if (ts.start_port, ts.end_port) == (0, 65535) else (
        f" port {ts.start_port}" if ts.start_port == ts.end_port else f" ports {ts.start_port}-{ts.end_port}")
    return where + proto + ports


def _selectors(m: MessageRef, ptype: int) -> tuple[TrafficSelector, ...]:
    return tuple(ts for t, sel in m.selectors if t == ptype for ts in sel)


def _ts_details(m: MessageRef | None, who: str) -> dict[str, list[str]]:
    if m is None:
        return {}
    out = {}
    for ptype, label in ((PL_V2_TSI, "TSi"), (PL_V2_TSR, "TSr")):
        sel = _selectors(m, ptype)
        if sel:
            out[f"{who}_{label}"] = [_selector_text(ts) for ts in sel]
    return out


def _one_sided(sa: SaRecord, ctx: RuleContext) -> SaRecord | None:
    """An earlier SA the other peer initiated between the same addresses that came up."""
    return next((o for o in reversed(ctx.earlier(sa)) if o.initiator.address == sa.responder.address
                 and o.version == sa.version and o.outcome in ("established", "deleted")), None)


# -- readable refusals ---------------------------------------------------------------------------

def ts_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version != 2:
        return
    for m in sa.messages:
        if (m.retransmit_of is not None or N_V2_TS_UNACCEPTABLE not in m.notifies
                or m.frame in refused_rekey_answers(sa)):
            continue
        ex = _exchange_of(sa, m)
        req = sa.request(ex) if ex is not None and m.response else None
        details: dict = {**_ts_details(req, "requested")}
        asked = _ts_text(details, "requested")
        ev = ([evidence(req, f"the traffic selectors asked for{': ' + asked if asked else ''}")] if req else []) + \
             [evidence(m, f"TS_UNACCEPTABLE from the {role_name(m.from_initiator)}")]
        summary = f"the {role_name(m.from_initiator)} refused the traffic selectors (TS_UNACCEPTABLE"
        summary += f" for {asked}): " if asked else "): "
        summary += "the protected networks differ"
        other = _one_sided(sa, ctx)
        if other is not None:
            summary += f"; the same tunnel came up when the other peer initiated (SA {other.id})"
            details["works_from_other_side"] = other.id
        yield make(TS_MISMATCH, Confidence.CERTAIN, summary, ev, sa=sa.id,
                   exchange=ex.index if ex is not None else None, details=details,
                   reason="TS_UNACCEPTABLE is readable" + (" (decrypted)" if m.encrypted else ""))
        return


def id_mismatch(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        yield from _v2_requested_identity(sa, ctx)
        return
    if sa.version != 1:
        return
    for m in sa.messages:
        if m.retransmit_of is not None or N_V1_INVALID_ID_INFORMATION not in m.notifies:
            continue
        quick = [q for q in sa.messages if q.exchange == EX_V1_QUICK and q.ts <= m.ts
                 and q.from_initiator != m.from_initiator and q.retransmit_of is None]
        by = role_name(m.from_initiator)
        ev: list[Evidence] = []
        details: dict = {"phase": 2 if quick else 1}
        if quick:
            q = quick[-1]
            proposed = [text for _, _, text in q.ids]
            ev.append(evidence(q, "quick mode message with the IDs (networks) proposed"
                               + (f": {' and '.join(proposed)}" if proposed else "")))
            if proposed:
                details["proposed_ids"] = proposed
            summary = f"the {by} refused the quick mode IDs (INVALID-ID-INFORMATION): the protected networks " \
                      "differ between the two configurations"
        else:
            sent = [o for o in sa.messages if o.from_initiator != m.from_initiator and o.ts <= m.ts and o.ids]
            if sent:
                ev.append(evidence(sent[-1], "the identity sent"))
                details["identity"] = sent[-1].ids[0][2]
            summary = f"the {by} refused the peer's phase-1 identity (INVALID-ID-INFORMATION)"
        ev.append(evidence(m, f"INVALID-ID-INFORMATION from the {by}"))
        other = _one_sided(sa, ctx)
        if other is not None and quick:
            summary += f"; the tunnel came up when the other peer initiated (SA {other.id})"
            details["works_from_other_side"] = other.id
        yield make(ID_MISMATCH, Confidence.CERTAIN, summary, ev, sa=sa.id, details=details,
                   reason="INVALID-ID-INFORMATION is readable" + (" (decrypted)" if m.encrypted else ""))
        return


def _identity_of(sa: SaRecord, ctx: RuleContext, address: str) -> tuple[str, MessageRef] | None:
    """The identity ``address`` showed for itself in an earlier negotiation with the same peer."""
    for other in reversed(ctx.earlier(sa)):
        for m in other.messages:
            if m.src != address or not m.ids or m.exchange not in (EX_V2_IKE_AUTH, EX_V1_MAIN, EX_V1_AGGRESSIVE):
                continue
            # An initiator's IDr names the peer it expects; its own identity is IDi (the first ID in v1).
            mine = (PL_V2_IDI if m.from_initiator else PL_V2_IDR) if other.version == 2 else PL_V1_ID
            own = [text for ptype, _, text in m.ids if ptype == mine]
            if own:
                return own[0], m
    return None


def _v2_requested_identity(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """AUTHENTICATION_FAILED after the initiator asked for an identity the responder does not use."""
    for ex in sa.exchanges:
        req, resp = sa.request(ex), sa.response(ex)
        if (ex.exchange != EX_V2_IKE_AUTH or req is None or resp is None
                or N_V2_AUTHENTICATION_FAILED not in resp.notifies):
            continue
        asked = next((text for ptype, _, text in req.ids if ptype == PL_V2_IDR), None)
        known = _identity_of(sa, ctx, sa.responder.address)
        if asked is None or known is None or known[0] == asked:
            continue
        ev = [evidence(known[1], f"earlier, {sa.responder.address} identified itself as {known[0]}"),
              evidence(req, f"the initiator asks for the responder identity {asked}"),
              evidence(resp, "AUTHENTICATION_FAILED")]
        yield make(ID_MISMATCH, Confidence.LIKELY,
                   f"the initiator expects the responder to be {asked}, but it identifies itself as {known[0]}; "
                   "the responder refused with AUTHENTICATION_FAILED", ev, sa=sa.id, exchange=ex.index,
                   details={"requested": asked, "known": known[0]},
                   reason="the requested IDr and the responder's identity from an earlier negotiation are both "
                          "readable and differ")
        return


def _ranges(sel: Iterable[TrafficSelector]) -> list[tuple[int, int, int, int, int, int]]:
    out = []
    for ts in sel:
        if len(ts.start) != len(ts.end) or not ts.start:
            continue
        out.append((ts.ts_type, ts.protocol, ts.start_port, ts.end_port, int.from_bytes(ts.start, "big"),
                    int.from_bytes(ts.end, "big")))
    return out


def _within(inner: tuple, outer: tuple) -> bool:
    t, proto, sp, ep, lo, hi = inner
    ot, oproto, osp, oep, olo, ohi = outer
    return (t == ot and (oproto == 0 or proto == oproto) and osp <= sp and ep <= oep and olo <= lo and hi <= ohi)


def _ts_text(details: dict, who: str) -> str:
    return "; ".join(f"{label} {', '.join(details[f'{who}_{label}'])}" for label in ("TSi", "TSr")
                     if f"{who}_{label}" in details)


def ts_narrowed(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """A readable CHILD SA response whose selectors are a strict subset of the request's."""
    if sa.version != 2:
        return
    for ex in sa.exchanges:
        if ex.exchange not in (EX_V2_IKE_AUTH, EX_V2_CREATE_CHILD_SA):
            continue
        req, resp = sa.request(ex), sa.response(ex)
        if req is None or resp is None or not req.selectors or not resp.selectors:
            continue
        narrowed = []
        # A remote-access client asks for any address with a CP request and is narrowed to the
        # address it is given (RFC 7296 2.19): that is the design, not a mismatch.
        wants_address = PL_V2_CP in req.payloads + req.inner_payloads
        for ptype, label in ((PL_V2_TSI, "TSi"), (PL_V2_TSR, "TSr")):
            asked, got = _ranges(_selectors(req, ptype)), _ranges(_selectors(resp, ptype))
            if not asked or not got or set(asked) == set(got):
                continue
            if ptype == PL_V2_TSI and wants_address and all(lo == hi for *_, lo, hi in got):
                continue
            if all(any(_within(g, a) for a in asked) for g in got):
                narrowed.append(label)
        if not narrowed:
            continue
        details = {**_ts_details(req, "requested"), **_ts_details(resp, "granted"), "narrowed": narrowed}
        asked_text, got_text = _ts_text(details, "requested"), _ts_text(details, "granted")
        ev = [evidence(req, f"asked for {asked_text}"), evidence(resp, f"granted only {got_text}")]
        yield make(TS_NARROWED, Confidence.CERTAIN,
                   f"the responder narrowed {' and '.join(narrowed)}: asked for {asked_text}, granted {got_text}",
                   ev, sa=sa.id, exchange=ex.index, details=details,
                   reason="both sets of traffic selectors are readable")


# -- encrypted refusals --------------------------------------------------------------------------

def _no_room_for_child(sa: SaRecord, req: MessageRef, resp: MessageRef) -> bool:
    _, _, prf = overheads(sa)
    auth = 8 + prf
    room, req_room = sk_room(sa, resp), sk_room(sa, req)
    if room is None or req_room is None or req_room < MIN_ID + auth + MIN_CHILD:
        return False  # the request itself has no room for a CHILD SA: a childless initiation (RFC 6023)
    ident = MIN_ID if resp.inner_next == PL_V2_IDR else 0
    return room < ident + auth + MIN_CHILD


def _prompt_ike_delete(sa: SaRecord, auth: Exchange, resp: MessageRef) -> MessageRef | None:
    """The initiator's first request after IKE_AUTH deletes the IKE SA itself, at once.

    A Delete for a CHILD SA is answered with the peer's own Delete; one for the IKE SA
    with an empty response (RFC 7296 1.4.1), which tells the two apart without keys.
    """
    later = [e for e in sa.exchanges if e.index > auth.index]
    if not later:
        return None
    nxt = later[0]
    req, answer = sa.request(nxt), sa.response(nxt)
    if (nxt.exchange != EX_V2_INFORMATIONAL or not nxt.requester_is_initiator or req is None
            or req.inner_next != PL_V2_D or req.ts - resp.ts > PROMPT_SECONDS):
        return None
    if answer is not None and answer.inner_next not in (PL_NONE, None):
        return None
    return req


def child_sa_rejected(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        yield from _v2_auth_child(sa)
        yield from _v2_create_child(sa)
    elif sa.version == 1:
        yield from _v1_quick(sa)


def _v2_auth_child(sa: SaRecord) -> Iterable[Finding]:
    auths = [e for e in sa.exchanges if e.exchange == EX_V2_IKE_AUTH]
    if not auths:
        return
    last = auths[-1]
    req, resp = sa.request(last), sa.response(last)
    if req is None or resp is None or _readable(resp) or resp.inner_next not in (PL_V2_IDR, PL_V2_AUTH):
        return
    small = _no_room_for_child(sa, req, resp)
    delete = _prompt_ike_delete(sa, last, resp)
    if not small and delete is None:
        return
    if _child_created_later(sa, last):
        return  # a childless initiation (RFC 6023): the CHILD SA came with CREATE_CHILD_SA instead
    ev = [evidence(req, "IKE_AUTH request with the CHILD SA proposal and traffic selectors (encrypted)")]
    if small:
        ev.append(evidence(resp, f"IKE_AUTH response of {resp.length} bytes: the IKE SA is up (IDr first), but "
                                 "too short to also hold SA, TSi and TSr"))
    else:
        ev.append(evidence(resp, "IKE_AUTH response: the IKE SA is up (IDr first)"))
    if delete is not None:
        ev.append(evidence(delete, "the initiator deletes the new IKE SA at once"))
    why = []
    if small:
        why.append(f"{resp.length} bytes leave no room for a CHILD SA's SA, TSi and TSr payloads after the "
                   "responder's identity and AUTH")
    if delete is not None:
        why.append("the initiator deleted the IKE SA right after IKE_AUTH, without deleting a CHILD SA first")
    confidence, severity = Confidence.LIKELY, None
    if not small:
        # A prompt delete alone also fits a reauthentication that breaks before it makes.
        confidence, severity = Confidence.POSSIBLE, Severity.WARNING
        why.append("a reauthentication that deletes the old IKE SA first looks the same")
    if _childless_possible(sa):
        # RFC 6023: both peers may set up the IKE SA alone and create CHILD SAs later.
        confidence, severity = Confidence.POSSIBLE, Severity.WARNING
        why.append("both peers announced CHILDLESS_IKEV2_SUPPORTED, so the initiator may not have asked for a "
                   "CHILD SA in IKE_AUTH at all")
    yield make(CHILD_SA_REJECTED, confidence,
               "the IKE SA came up but the CHILD SA was refused in IKE_AUTH: TS_UNACCEPTABLE or "
               "NO_PROPOSAL_CHOSEN for the CHILD SA; decrypt to tell which", ev, sa=sa.id, exchange=last.index,
               details={"response_length": resp.length, "too_short": small,
                        "ike_sa_deleted_frame": delete.frame if delete else None},
               reason="; ".join(why) + ". " + CONFIRM, severity=severity)


def _child_created_later(sa: SaRecord, auth: Exchange) -> bool:
    """A later CREATE_CHILD_SA from the initiator was answered with an SA payload first."""
    for ex in sa.exchanges:
        if ex.index > auth.index and ex.exchange == EX_V2_CREATE_CHILD_SA and ex.requester_is_initiator:
            resp = sa.response(ex)
            if resp is not None and (resp.inner_next == PL_V2_SA or PL_V2_SA in resp.inner_payloads):
                return True
    return False


def _childless_possible(sa: SaRecord) -> bool:
    sides = {m.from_initiator for m in sa.messages
             if m.exchange == EX_V2_IKE_SA_INIT and N_V2_CHILDLESS_IKEV2_SUPPORTED in m.notifies}
    return sides == {True, False}


def _v2_create_child(sa: SaRecord) -> Iterable[Finding]:
    """A new CHILD SA (or an IKE SA rekey) refused in CREATE_CHILD_SA; CHILD SA rekeys are ``rekey``'s."""
    for ex in sa.exchanges:
        if ex.exchange != EX_V2_CREATE_CHILD_SA:
            continue
        req, resp = sa.request(ex), sa.response(ex)
        if req is None or resp is None or _readable(resp) or is_child_rekey(sa, ex):
            continue
        ke, ke_why = v2_carries_ke(sa, req, rekey=False)
        refusal = v2_refusal(sa, req, resp, ke)
        if refusal is None:
            continue
        what = "new CHILD SA (or IKE SA rekey)"
        ev = [evidence(req, f"CREATE_CHILD_SA request for a {what} (encrypted)"
                       + (", with a KE payload" if ke else "")),
              evidence(resp, f"answer of {resp.length} bytes: a refusal")]
        summary = f"the {role_name(resp.from_initiator)} refused the {what}: "
        reason = refusal.why
        if ke:
            # IKE_AUTH never negotiates a DH group for its CHILD SA (RFC 7296 1.2), so the first
            # KE payload for a CHILD SA is where a PFS group on one side only shows.
            summary += (f"the request carries a KE payload (PFS), which the CHILD SA of IKE_AUTH never has, so PFS on "
                        f"the {role_name(req.from_initiator)} only is the first candidate; otherwise "
                        "NO_PROPOSAL_CHOSEN for the ESP proposal or TS_UNACCEPTABLE; decrypt to tell which")
            reason += f"; the request carries a KE payload: {ke_why}"
        else:
            summary += ("most likely NO_PROPOSAL_CHOSEN (the ESP proposal or PFS group differs) or TS_UNACCEPTABLE; "
                        "decrypt to tell which")
        yield make(CHILD_SA_REJECTED, Confidence.LIKELY, summary, ev, sa=sa.id, exchange=ex.index,
                   details={"rekey": False, "request_carries_ke": ke},
                   reason=reason + ". A refusal can also be TEMPORARY_FAILURE during a rekey collision. " + CONFIRM)


def _v1_quick(sa: SaRecord) -> Iterable[Finding]:
    for ex in sa.exchanges:
        if ex.exchange != EX_V1_QUICK or ex.answered:
            continue
        req = sa.request(ex)
        if req is None or _readable(req):
            continue  # readable quick modes are judged by their notifies
        info = next((m for m in sa.messages if m.exchange == EX_V1_INFORMATIONAL and m.retransmit_of is None
                     and m.from_initiator != req.from_initiator and req.ts <= m.ts <= req.ts + PROMPT_SECONDS),
                    None)
        if info is None or _readable(info) or is_child_rekey(sa, ex):
            continue
        ke, ke_why = v1_carries_ke(sa, ex, req)
        ev = [evidence(req, "quick mode message 1: IPsec proposal and IDs (networks), encrypted"
                       + {True: ", with a KE payload", False: ", without a KE payload", None: ""}[ke]),
              evidence(info, "answered by an encrypted Informational instead of quick mode message 2")]
        summary = (f"the {role_name(info.from_initiator)} refused quick mode: NO-PROPOSAL-CHOSEN (IPsec proposal or "
                   "PFS) or INVALID-ID-INFORMATION (networks); decrypt to tell which")
        reason = "phase 1 is up, quick mode got no message 2 and the peer sent an Informational at once, " \
                 "which is how a refusal travels"
        if ke is not None:
            summary += "; the request carries a KE payload (it asks for PFS)" if ke else \
                "; the request carries no KE payload (it offers no PFS)"
            reason += f"; the request {'carries a KE payload' if ke else 'has no KE payload'}: {ke_why}"
        elif v1_room_for_ke(sa, req):
            summary += "; the request is long enough to carry a KE payload (PFS)"
            reason += f"; {v1_room_for_ke(sa, req)}"
        yield make(CHILD_SA_REJECTED, Confidence.LIKELY, summary, ev, sa=sa.id, exchange=ex.index,
                   details={"request_carries_ke": ke}, reason=reason + ". " + CONFIRM)
        return


SA_RULES = (ts_mismatch, id_mismatch, ts_narrowed, child_sa_rejected)
