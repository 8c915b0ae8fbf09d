"""CHILD SA rekeys the peer refuses: a tunnel that works today and stops at its next lifetime.

IKEv2 replaces a CHILD SA with a CREATE_CHILD_SA exchange whose request opens with
N(REKEY_SA) (RFC 7296 1.3.3); IKEv1 runs a new quick mode on the same phase 1. A
refused rekey leaves the old SA in place until its hard lifetime, so the outage comes
long after a negotiation that looked fine. The usual cause is PFS on one side only:
the CHILD SA set up with IKE_AUTH has no Diffie-Hellman exchange of its own (RFC 7296
1.2), so a DH group for the CHILD SA that one side lacks first matters at the first
rekey, the first exchange that carries (or should carry) a KE payload.

Without keys the refusal and the KE are read from sizes (see ``sizes``): an answer too
short for SA, Nonce and traffic selectors is a lone error notify, and a request longer
than its other payloads can explain carries a KE. With keys the notify and the proposals
are read and compared with those the same peers agreed on in IKE_AUTH.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ...model import Severity
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire import registry as reg
from ...wire.numbers import (
    EX_V1_INFORMATIONAL,
    EX_V1_QUICK,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_IKE_AUTH,
    EX_V2_INFORMATIONAL,
    N_V1_NO_PROPOSAL_CHOSEN,
    N_V2_NO_PROPOSAL_CHOSEN,
    N_V2_REKEY_SA,
    PL_V1_KE,
    PL_V2_D,
    PL_V2_KE,
    PL_V2_N,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make
from ..suite import Suite, accepts, suites
from .sizes import (
    KE_HEADER,
    MIN_ID,
    MIN_NONCE,
    MIN_SA,
    MIN_TS,
    NONCE_ALLOWANCE,
    REKEY_SA_NOTIFY,
    SMALLEST_KE,
    ike_group,
    ke_payload,
    overheads,
    sk_room,
    v1_hash_length,
    v1_room,
)

# A refusal answers at once; a delete this soon after it is the peer giving up on the SA.
PROMPT_SECONDS = 5.0
# Two IKEv1 quick mode requests whose sizes differ by at least a KE payload minus this
# (padding to the cipher block, the group attribute) differ by a KE payload.
V1_SLACK = 24
MAX_EVIDENCE = 8

REKEY_REFUSED = CatalogEntry(
    code="ike.rekey_refused",
    severity=Severity.ERROR,
    title="A CHILD SA (phase 2) rekey was refused",
    explanation="The tunnel came up, but when one side tried to replace its IPsec (CHILD) SA before the "
                "lifetime ran out, the other side refused. The old SA keeps carrying traffic until its hard "
                "lifetime ends, then the tunnel stops, often hours after a negotiation that looked fine, and "
                "each retry is refused the same way. The most common cause is perfect forward secrecy (a DH "
                "group for the CHILD SA) configured on one side only: the CHILD SA that comes up with "
                "IKE_AUTH never runs a Diffie-Hellman exchange, so the difference stays hidden until the first "
                "rekey, which carries a KE payload when the rekeying side wants PFS and none when it does not. "
                "Other causes: the ESP proposals or the protected networks changed on one side since the "
                "tunnel came up, or the peer no longer has the SA being rekeyed.",
    wire="IKEv2: a CREATE_CHILD_SA request opening with N(REKEY_SA), answered by an error notify "
         "(NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, CHILD_SA_NOT_FOUND) instead of SA, Nonce, KE and traffic "
         "selectors; encrypted, but too short to hold them. The request's size tells whether it carries a "
         "KE payload. IKEv1: a quick mode after one that worked on the same phase 1, answered by an "
         "encrypted informational instead of message 2; a quick mode request longer than the first by a KE "
         "payload asks for PFS.",
    remedy="Compare the PFS setting (the DH group in the IPsec/ESP proposals) of this tunnel on both gateways "
           "and make it the same: the same group on both sides, or none on both. Then compare the ESP "
           "proposals and the local and remote networks. Until it is fixed, expect the tunnel to drop when "
           "the old SA's lifetime ends.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 17: rekey fail"),
                 VendorRef("Huawei", "reason code 2: phase2 proposal or pfs mismatch"),
                 VendorRef("Clavister", "no proposal chosen (IPsec phase): PFS setting on the tunnel's IKE tab")),
)

ENTRIES = (REKEY_REFUSED,)

CONFIRM = "Decrypting the capture or the responder's log names the refusal."


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused rekey: the request, what answered it, and how that is known."""

    request: MessageRef
    answer: MessageRef
    notify: int | None  # the readable error notify; None when only its size or shape says so
    why: str
    ke: bool | None = None  # the request carries a KE payload (None: cannot be told)


# -- which exchanges are CHILD SA rekeys -------------------------------------------------------------

def is_child_rekey(sa: SaRecord, ex: Exchange) -> bool:
    """Whether ``ex`` rekeys a CHILD SA: IKEv2 N(REKEY_SA) (readable, or the first payload inside SK),
    IKEv1 a quick mode after one that completed on the same phase 1 (with the same IDs when readable)."""
    req = sa.request(ex)
    if req is None:
        return False
    if sa.version == 2:
        if ex.exchange != EX_V2_CREATE_CHILD_SA:
            return False
        if req.decrypted or not req.encrypted:
            return N_V2_REKEY_SA in req.notifies
        return req.inner_next == PL_V2_N
    if ex.exchange != EX_V1_QUICK:
        return False
    earlier = [e for e in sa.exchanges if e.exchange == EX_V1_QUICK and e.index < ex.index and _v1_completed(sa, e)]
    if not earlier:
        return False
    ids = _v1_ids(sa, req)
    return not ids or any(_v1_ids(sa, r) in (ids, frozenset()) for e in earlier if (r := sa.request(e)) is not None)


def _v1_ids(sa: SaRecord, m: MessageRef) -> frozenset[str]:
    """The networks a quick mode names, whichever side sent it (its IDci is the other side's IDcr)."""
    return frozenset(text for frame, _, _, text in sa.traffic_selectors if frame == m.frame)


def _v1_completed(sa: SaRecord, ex: Exchange) -> bool:
    """Quick mode's three messages are all there: the CHILD SA came up."""
    return ex.answered and sum(1 for i in ex.messages if sa.messages[i].retransmit_of is None) >= 3


# -- IKEv2 ---------------------------------------------------------------------------------------------

def _readable(m: MessageRef) -> bool:
    return not m.encrypted or m.decrypted


def _error_notify(version: int, m: MessageRef) -> int | None:
    return next((n for n in m.notifies if reg.notify_is_error(version, n)), None)


def v2_refusal(sa: SaRecord, req: MessageRef, resp: MessageRef, ke: bool | None) -> Refusal | None:
    if _readable(resp):
        n = _error_notify(2, resp)
        if n is None:
            return None
        return Refusal(req, resp, n, f"the answer carries {reg.notify_name(2, n)}")
    room = sk_room(sa, resp)
    need = MIN_SA + MIN_NONCE + 2 * MIN_TS + (KE_HEADER + SMALLEST_KE if ke else 0)
    if room is not None and room < need:
        parts = "SA, Nonce, KE and traffic selectors" if ke else "SA, Nonce and traffic selectors"
        return Refusal(req, resp, None, f"the {resp.length}-byte answer has room for {room} bytes of payloads, "
                                        f"fewer than {parts} need ({need})")
    if room is None and resp.inner_next == PL_V2_N:
        return Refusal(req, resp, None, "the answer opens with a Notify, where an accepted rekey opens with SA")
    return None


def _auth_request(sa: SaRecord, by_initiator: bool) -> MessageRef | None:
    """The IKE_AUTH message in which the rekeying side proposed or chose the first CHILD SA."""
    for ex in sa.exchanges:
        if ex.exchange == EX_V2_IKE_AUTH and ex.answered:
            return sa.request(ex) if by_initiator else sa.response(ex)
    return None


def v2_carries_ke(sa: SaRecord, req: MessageRef, rekey: bool = True) -> tuple[bool | None, str]:
    """Whether a CREATE_CHILD_SA request for a CHILD SA holds a KE payload, and why that is known."""
    if _readable(req):
        has = PL_V2_KE in req.inner_payloads or PL_V2_KE in req.payloads
        return has, "its KE payload is readable" if has else "it is readable and has no KE payload"
    room = sk_room(sa, req)
    if room is None:
        return None, ""
    notify = REKEY_SA_NOTIFY if rekey else 0
    base = notify + MIN_SA + MIN_NONCE + 2 * MIN_TS
    group = ike_group(sa)
    own = ke_payload(group, 2)
    if room < base + KE_HEADER + SMALLEST_KE:
        return False, f"its {room} bytes of payloads leave no room for any KE payload"
    if own is not None and room < base + own:
        return False, (f"its {room} bytes of payloads leave no room for a KE of {reg.dh_group_name(group)}, "
                       "the IKE SA's own group")
    auth = _auth_request(sa, req.from_initiator)
    auth_room = sk_room(sa, auth) if auth is not None else None
    if auth_room is None:
        return None, ""
    # What IKE_AUTH carried besides the identity and AUTH bounds the proposals and selectors
    # from above; a request without KE adds only N(REKEY_SA), a nonce and a DH transform or four.
    _, _, prf = overheads(sa)
    no_ke_max = notify + NONCE_ALLOWANCE + (auth_room - MIN_ID - (8 + prf)) + 4 * 8
    if room > no_ke_max:
        return True, (f"its {room} bytes of payloads are more than {'N(REKEY_SA), ' if rekey else ''}a nonce and "
                      "the proposals and "
                      f"selectors of IKE_AUTH (frame {auth.frame}) can fill ({no_ke_max}): the rest is a KE "
                      "payload")  # type: ignore[union-attr]
    return None, ""


def _child_suites(sa: SaRecord, frame: int, by_initiator: bool) -> list[Suite]:
    return [s for f, i, props in sa.child_proposals if f == frame and i == by_initiator
            for s in suites(2, props)]


def _v2_pfs(sa: SaRecord, ex: Exchange, ref: Refusal, ke: bool | None) -> tuple[str | None, str]:
    """Which side lacks PFS, if that explains the refusal: "requester" (PFS only on the rekeying side),
    "responder" (the other side insists on PFS), or None; and the sentence that says why."""
    earlier_ke = [e for e in sa.exchanges if e.exchange == EX_V2_CREATE_CHILD_SA and e.index < ex.index
                  and (r := sa.request(e)) is not None and (a := sa.response(e)) is not None
                  and v2_refusal(sa, r, a, None) is None and v2_carries_ke(sa, r)[0]]
    if earlier_ke:
        return None, ""  # a KE was accepted before between these peers: PFS itself is agreed
    if ref.notify is not None and ref.notify != N_V2_NO_PROPOSAL_CHOSEN:
        return None, ""
    requester, responder = role_name(ref.request.from_initiator), role_name(not ref.request.from_initiator)
    readable = ref.notify is not None and ref.request.proposals
    if readable:
        asked = suites(2, ref.request.proposals or ())
        auth = next((e for e in sa.exchanges if e.exchange == EX_V2_IKE_AUTH), None)
        resp = sa.response(auth) if auth is not None else None
        agreed = _child_suites(sa, resp.frame, False) if resp is not None else []
        same = bool(agreed) and any(accepts(a, agreed[0], ignore=("dh", "lifetime")) for a in asked)
        groups = sorted(set().union(*(s.get("dh") for s in asked)) - {"none", "no PFS"})
        if same and groups:
            return "requester", (f"the rekey proposes PFS with {', '.join(groups)}, and the same algorithms "
                                 f"without a DH group were accepted in IKE_AUTH (frame {resp.frame}): the "
                                 f"{responder} has no PFS, or another group, for this CHILD SA")  # type: ignore[union-attr]
        if same and not groups:
            return "responder", (f"the rekey proposes the algorithms accepted in IKE_AUTH (frame {resp.frame}) "
                                 f"without a DH group: the {responder} requires PFS for this CHILD SA, which "
                                 "IKE_AUTH never negotiates")  # type: ignore[union-attr]
        return None, ""
    if ke:
        return "requester", (f"the CHILD SA set up in IKE_AUTH had no KE, so PFS configured on the {requester} only "
                             "is the first candidate")
    if ke is False:
        return "responder", (f"the same CHILD SA came up in IKE_AUTH, where no DH group is negotiated, so a "
                             f"{responder} that requires PFS is the first candidate")
    return None, ""


def _after(sa: SaRecord, ex: Exchange, refusals: list[Refusal]) -> tuple[str, MessageRef | None, bool]:
    """What happened to the old CHILD SA: kept, deleted, or replaced by a later rekey that worked."""
    last = refusals[-1].answer
    later = [e for e in sa.exchanges if e.first_ts > last.ts]
    for e in later:
        req, resp = sa.request(e), sa.response(e)
        if (e.exchange == EX_V2_CREATE_CHILD_SA and req is not None and resp is not None and is_child_rekey(sa, e)
                and v2_refusal(sa, req, resp, None) is None):
            return f"a later rekey (frame {req.frame}) was accepted", req, True
        if e.exchange == EX_V2_INFORMATIONAL and req is not None and req.inner_next == PL_V2_D:
            gap = req.ts - last.ts
            when = f"{gap * 1000:.0f} ms" if gap < 1 else f"{gap:.1f} s"
            return (f"a CHILD SA was deleted {when} after the refusal (frame {req.frame}), without a "
                    "replacement", req, False)
    retried = len(refusals) > 1
    return ("the old CHILD SA was kept and the rekey retried" if retried else
            "the old CHILD SA was kept (no delete follows)"), None, False


def _v2_refusals(sa: SaRecord) -> list[tuple[Exchange, Refusal]]:
    out: list[tuple[Exchange, Refusal]] = []
    if not any(ex.exchange == EX_V2_CREATE_CHILD_SA for ex in sa.exchanges):
        return out
    for ex in sa.exchanges:
        req, resp = sa.request(ex), sa.response(ex)
        if req is None or resp is None or not is_child_rekey(sa, ex) or _collides(sa, ex):
            continue
        ke = v2_carries_ke(sa, req)[0]
        ref = v2_refusal(sa, req, resp, ke)
        if ref is not None:
            out.append((ex, replace(ref, ke=ke)))
    return out


def _v2(sa: SaRecord) -> Iterable[Finding]:
    refusals = _v2_refusals(sa)
    if not refusals:
        return
    ex, first = refusals[0]
    ke, ke_why = v2_carries_ke(sa, first.request)
    pfs, pfs_why = _v2_pfs(sa, ex, first, ke)
    found = [r for _, r in refusals]
    yield _finding(sa, ex, found, ke, ke_why, pfs, pfs_why, _after(sa, ex, found))


def refused_rekey_answers(sa: SaRecord) -> set[int]:
    """Frames of the answers that refuse a CHILD SA rekey: this module reports them, so the rules
    about new CHILD SAs leave them out."""
    found = _v2_refusals(sa) if sa.version == 2 else _v1_refusals(sa) if sa.version == 1 else []
    return {r.answer.frame for _, r in found}


def _collides(sa: SaRecord, ex: Exchange) -> bool:
    """Both peers rekeying at once: one refusal (TEMPORARY_FAILURE) is how RFC 7296 2.8.1 settles it."""
    end = ex.response_ts if ex.response_ts is not None else sa.last_ts
    for other in sa.exchanges:
        if (other.exchange == EX_V2_CREATE_CHILD_SA and other.requester_is_initiator != ex.requester_is_initiator
                and other.first_ts <= end and ex.first_ts <= (other.response_ts or sa.last_ts)):
            return True
    return False


# -- IKEv1 ---------------------------------------------------------------------------------------------

def _v1_refusal(sa: SaRecord, ex: Exchange) -> Refusal | None:
    req = sa.request(ex)
    if req is None or _v1_completed(sa, ex):
        return None
    info = next((m for m in sa.messages if m.exchange == EX_V1_INFORMATIONAL and m.retransmit_of is None
                 and m.from_initiator != req.from_initiator and req.ts <= m.ts <= req.ts + PROMPT_SECONDS), None)
    if info is None:
        return None
    if _readable(info):
        n = _error_notify(1, info)
        return None if n is None else Refusal(req, info, n, f"the informational carries {reg.notify_name(1, n)}")
    if ex.answered:
        return None
    return Refusal(req, info, None, "the peer answered with an encrypted informational instead of quick mode "
                                    "message 2, which is how a refusal travels")


def v1_carries_ke(sa: SaRecord, ex: Exchange, req: MessageRef) -> tuple[bool | None, str]:
    """Whether quick mode message 1 holds a KE payload, and why that is known: it is readable, it
    is too short for a KE of the phase 1 group, or it is longer by one than a quick mode of the same
    phase 1 that is too short for one (nonce and proposals are alike between the two)."""
    if _readable(req):
        has = PL_V1_KE in req.inner_payloads or PL_V1_KE in req.payloads
        return has, "its KE payload is readable" if has else "it is readable and has no KE payload"
    room, ke = v1_room(req), ke_payload(ike_group(sa), 1)
    if room is None or ke is None:
        return None, ""
    name = reg.dh_group_name(ike_group(sa))  # type: ignore[arg-type]
    least = 4 + v1_hash_length(sa) + MIN_SA + MIN_NONCE
    if room < least + ke:
        return False, f"its {room} bytes cannot hold a KE of {name} (the phase 1 group) besides HASH, SA and Nonce"
    for e in sa.exchanges:
        r = sa.request(e)
        if e.index == ex.index or e.exchange != EX_V1_QUICK or r is None:
            continue
        before = v1_room(r)
        # A KE adds its own bytes, a group attribute per transform and at most a block of padding.
        if before is not None and before < least + ke and ke - V1_SLACK <= room - before <= ke + V1_SLACK + 32:
            return True, (f"it is {room - before} bytes longer than the quick mode of frame {r.frame}, which has no "
                          f"room for a KE: a KE of {name} takes {ke}")
    return None, ""


def v1_room_for_ke(sa: SaRecord, req: MessageRef) -> str:
    """Why a quick mode request may carry a KE when nothing to compare it with says it does: its
    size leaves room for one of the phase 1 group besides HASH, SA and Nonce ("" if it does not)."""
    room, group = v1_room(req), ike_group(sa)
    ke = ke_payload(group, 1)
    if room is None or ke is None or room < 4 + v1_hash_length(sa) + MIN_SA + MIN_NONCE + ke:
        return ""
    return (f"its {room} bytes leave room for a KE of {reg.dh_group_name(group)} (the phase 1 group, {ke} bytes) "  # type: ignore[arg-type]
            "besides HASH, SA and Nonce; with nothing to compare it with, whether it carries one is not certain")


def _v1_refusals(sa: SaRecord) -> list[tuple[Exchange, Refusal]]:
    out: list[tuple[Exchange, Refusal]] = []
    if sum(1 for ex in sa.exchanges if ex.exchange == EX_V1_QUICK) < 2:
        return out  # a rekey is a second quick mode
    for ex in sa.exchanges:
        if ex.exchange == EX_V1_QUICK and is_child_rekey(sa, ex):
            ref = _v1_refusal(sa, ex)
            if ref is not None:
                out.append((ex, replace(ref, ke=v1_carries_ke(sa, ex, ref.request)[0])))
    return out


def _v1(sa: SaRecord) -> Iterable[Finding]:
    refusals = _v1_refusals(sa)
    if not refusals:
        return
    ex, first = refusals[0]
    ke, ke_why = v1_carries_ke(sa, ex, first.request)
    earlier_ke = any(v1_carries_ke(sa, e, r)[0] for e in sa.exchanges if e.exchange == EX_V1_QUICK
                     and e.index < ex.index and _v1_completed(sa, e) and (r := sa.request(e)) is not None)
    pfs, pfs_why = None, ""
    refused_for_proposal = first.notify in (None, N_V1_NO_PROPOSAL_CHOSEN)
    requester = role_name(first.request.from_initiator)
    if refused_for_proposal and not earlier_ke and ke:
        pfs, pfs_why = "requester", (f"the quick mode that set the CHILD SA up had none, so PFS on the {requester} "
                                     "only is the first candidate")
    elif refused_for_proposal and earlier_ke and ke is False:
        pfs, pfs_why = "responder", (f"the quick mode that set the CHILD SA up had one, so a "
                                     f"{role_name(first.answer.from_initiator)} that requires PFS is the first "
                                     "candidate")
    retries = [r for _, r in refusals[1:]]
    after = ("the rekey was retried and refused again" if retries else "no quick mode replaced the CHILD SA",
             None, False)
    yield _finding(sa, ex, [r for _, r in refusals], ke, ke_why, pfs, pfs_why, after)


# -- the finding -----------------------------------------------------------------------------------

def _finding(sa: SaRecord, ex: Exchange, refusals: list[Refusal], ke: bool | None, ke_why: str,
             pfs: str | None, pfs_why: str, after: tuple[str, MessageRef | None, bool]) -> Finding:
    first = refusals[0]
    requester = role_name(first.request.from_initiator)
    refuser = role_name(first.answer.from_initiator)
    readable = first.notify is not None
    what = "CHILD SA rekey" if sa.version == 2 else "quick mode rekey of the IPsec SA"
    times = f" {len(refusals)} times" if len(refusals) > 1 else ""
    summary = f"the {refuser} refused the {requester}'s {what}{times}"
    if readable:
        summary += f" with {reg.notify_name(sa.version, first.notify)}"  # type: ignore[arg-type]
    if pfs is not None:
        summary += ": " + ("PFS on the " + requester + " only" if pfs == "requester" else
                           "the " + refuser + " requires PFS, the " + requester + " offers none")
    else:
        candidates = ("NO_PROPOSAL_CHOSEN (ESP or PFS group), TS_UNACCEPTABLE or CHILD_SA_NOT_FOUND"
                      if sa.version == 2 else "NO-PROPOSAL-CHOSEN (ESP or PFS group) or INVALID-ID-INFORMATION")
        summary += "" if readable else f": most likely {candidates}; decrypt to tell which"
    note, after_msg, recovered = after
    summary += f"; {note}"
    ev: list[Evidence] = []
    label = "CHILD SA rekey request" if sa.version == 2 else "quick mode message 1 (rekey)"
    for r in refusals[:MAX_EVIDENCE // 2]:
        kind = {True: ", with a KE payload", False: ", without a KE payload", None: ""}[r.ke]
        ev.append(evidence(r.request, f"{label} from the {requester}{kind}"))
        ev.append(evidence(r.answer, (f"{reg.notify_name(sa.version, r.notify)} from the {refuser}" if r.notify
                                      is not None else f"refusal from the {refuser} ({r.answer.length} bytes)")))
    if after_msg is not None:
        ev.append(evidence(after_msg, note))
    details: dict[str, Any] = {"refusals": len(refusals), "requester": requester,
                               "notify": None if first.notify is None else reg.notify_name(sa.version, first.notify),
                               "request_carries_ke": ke, "pfs_mismatch": pfs, "recovered": recovered}
    reasons = [first.why]
    if ke_why:
        reasons.append(f"the request {'carries a KE payload' if ke else 'has no KE payload'}: {ke_why}")
    if pfs_why:
        reasons.append(pfs_why)
    confidence = Confidence.CERTAIN if readable else Confidence.LIKELY
    return make(REKEY_REFUSED, confidence, summary, ev, sa=sa.id, exchange=ex.index, details=details,
                reason="; ".join(reasons) + ("" if readable else ". " + CONFIRM),
                severity=Severity.WARNING if recovered else None)


def rekey_refused(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        yield from _v2(sa)
    elif sa.version == 1:
        yield from _v1(sa)


SA_RULES = (rekey_refused,)
