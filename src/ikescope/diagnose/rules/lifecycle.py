"""What happens to an SA after it is up: liveness checks, deletes and rekeys.

Most of it is encrypted, but enough shows in clear. An IKEv2 INFORMATIONAL
request whose SK payload has no inner payload (Next Payload 0) is a liveness
check (RFC 7296 2.4); one that opens with a Delete (42) tears something down.
IKEv1 dead peer detection (RFC 3706) uses R-U-THERE / R-U-THERE-ACK notifies,
usually inside encrypted informationals, so there only the rhythm shows: one
side keeps sending, the other has stopped.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire.numbers import (
    EX_V1_INFORMATIONAL,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_INFORMATIONAL,
    N_V1_R_U_THERE,
    N_V1_R_U_THERE_ACK,
    PL_NONE,
    PL_V1_D,
    PL_V2_D,
    PL_V2_N,
    PL_V2_SA,
)
from ..context import RuleContext
from .cookies import ignored_then_replaced
from ..finding import CatalogEntry, Confidence, Finding, VendorRef, evidence, make

# A request this close to the end of the capture, sent once, may just be cut off.
GRACE = 2.0
# IKEv1 encrypted informationals from one side only, at least this many and this far
# apart, read as unanswered liveness checks.
V1_DPD_MIN, V1_DPD_SPACING = 3, 1.0
MAX_EVIDENCE = 6

CLAVISTER_ONE_SIDED = VendorRef("Clavister", "Ike_invalid_payload, Ike_invalid_cookie")

DPD_UNANSWERED = CatalogEntry(
    code="ike.dpd_unanswered",
    severity=Severity.ERROR,
    title="Liveness checks (dead peer detection) went unanswered",
    explanation="The tunnel was up, then one side's periodic 'are you there?' messages stopped getting answers. "
                "The peer crashed or restarted, lost its SA state, or the path between the two broke (a NAT "
                "mapping that expired, a routing change, a firewall). The checking side will soon declare the "
                "peer dead and tear the SA down.",
    wire="IKEv2: empty INFORMATIONAL requests (the SK payload holds nothing) retransmitted without response. "
         "IKEv1: R-U-THERE notifies without R-U-THERE-ACK, or encrypted informationals from one side only at "
         "regular intervals.",
    remedy="Check whether the peer is running and still has the SA (its log at that time), and whether the path "
           "still passes UDP 500/4500; behind NAT, make sure keepalives are on so the mapping does not expire. "
           "If the peer restarted, it should accept a fresh negotiation.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 44: in disconnect state"),
                 CLAVISTER_ONE_SIDED),
)

DELETE_UNACKNOWLEDGED = CatalogEntry(
    code="ike.delete_unacknowledged",
    severity=Severity.WARNING,
    title="A delete was never acknowledged",
    explanation="One side announced that it removes an SA, but the other never confirmed. Either the peer is "
                "already gone, or the two now disagree: the peer still believes the tunnel is up and keeps "
                "sending into it, and the traffic is dropped until it notices.",
    wire="An IKEv2 INFORMATIONAL request opening with a Delete payload, retransmitted without a response.",
    remedy="Look at the peer at that moment: if it still lists the SA, clear it there by hand and check why the "
           "delete did not reach it (path, NAT mapping). Dead peer detection on both sides keeps such "
           "half-open tunnels short.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 16: rekey no find old sa"),
                 CLAVISTER_ONE_SIDED),
    versions=(2,),
)

REKEY_COLLISION = CatalogEntry(
    code="ike.rekey_collision",
    severity=Severity.WARNING,
    title="Both sides rekeyed at the same time",
    explanation="Each peer started a CREATE_CHILD_SA exchange before the other's had finished. IKEv2 resolves "
                "such collisions (RFC 7296 2.8.1: the SA with the lowest nonce is deleted), but implementations "
                "get it wrong now and then, leaving duplicate or missing SAs and short traffic loss. Identical "
                "lifetimes on both sides make it happen at every rekey.",
    wire="CREATE_CHILD_SA requests from both peers whose exchanges overlap in time.",
    remedy="Let one side rekey well before the other: shorter lifetime (or rekey margin with randomisation) on "
           "one gateway only. Update the side that ends with duplicate or missing SAs.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 17: rekey fail"),),
    versions=(2,),
)

SA_DELETED = CatalogEntry(
    code="ike.sa_deleted",
    severity=Severity.INFO,
    title="The SA was deleted",
    explanation="One side ended the IKE SA with a delete. This is normal at the end of a session, on a "
                "configuration change or after a rekey; it explains why traffic stops only if nobody meant it.",
    wire="IKEv2: the last INFORMATIONAL exchange opens with a Delete payload. IKEv1: an informational with a "
         "Delete payload, when it is readable.",
    remedy="If the tunnel should have stayed up, read the deleting side's log for why it closed it (idle "
           "timeout, lifetime without rekey, administrator, failed authentication of a rekey).",
)

ENTRIES = (DPD_UNANSWERED, DELETE_UNACKNOWLEDGED, REKEY_COLLISION, SA_DELETED)


def _request(sa: SaRecord, ex: Exchange) -> MessageRef | None:
    return next((sa.messages[i] for i in ex.messages if not sa.messages[i].response), None)


def _copies(sa: SaRecord, ex: Exchange) -> list[MessageRef]:
    return [sa.messages[i] for i in ex.messages if not sa.messages[i].response]


def _given_up_on(sa: SaRecord, ex: Exchange) -> bool:
    """Unanswered, and not merely cut off by the end of the capture."""
    if ex.answered:
        return False
    last = max(m.ts for m in _copies(sa, ex)) if _copies(sa, ex) else ex.first_ts
    return ex.retransmissions > 0 or sa.last_ts - last >= GRACE


def _v2_unanswered(sa: SaRecord, inner: int) -> list[Exchange]:
    out = []
    for ex in sa.exchanges:
        req = _request(sa, ex)
        if ex.exchange == EX_V2_INFORMATIONAL and req is not None and req.inner_next == inner and _given_up_on(sa, ex):
            out.append(ex)
    return out


def dpd_unanswered(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if ignored_then_replaced(sa) is not None:
        return  # the peer is alive and answers a new SA: ike.peer_lost_state says what happened
    if sa.version == 2:
        yield from _v2_dpd(sa)
    else:
        yield from _v1_dpd(sa)


def _v2_dpd(sa: SaRecord) -> Iterable[Finding]:
    silent = _v2_unanswered(sa, PL_NONE)
    if not silent:
        return
    side = silent[-1].requester_is_initiator
    # Only the checks after which the peer never answered again: an isolated loss is a retransmission.
    last_answer = max((e.first_ts for e in sa.exchanges if e.answered and e.requester_is_initiator == side),
                      default=float("-inf"))
    silent = [e for e in silent if e.requester_is_initiator == side and e.first_ts > last_answer]
    if not silent:
        return
    first = silent[0]
    checker = role_name(side)
    copies = [m for ex in silent for m in _copies(sa, ex)]
    answered = [r for e in sa.exchanges if e.exchange == EX_V2_INFORMATIONAL and e.answered
                and e.first_ts < first.first_ts and (r := _request(sa, e)) is not None and r.inner_next == PL_NONE]
    span = copies[-1].ts - copies[0].ts
    before = f"; {len(answered)} earlier check(s) were answered, so the peer stopped responding" if answered else ""
    ev = [evidence(answered[-1], "last answered check")] if answered else []
    ev += [evidence(m, "liveness check, no answer") for m in copies[:MAX_EVIDENCE]]
    yield make(DPD_UNANSWERED, Confidence.LIKELY,
               f"the {checker}'s liveness checks were sent {len(copies)} time(s) over {span:.1f} s without an "
               f"answer{before}", ev, sa=sa.id, exchange=first.index,
               details={"checker": checker, "transmissions": len(copies), "answered_before": len(answered)},
               reason="empty INFORMATIONAL requests (nothing inside the SK payload) repeated with no response")


def _v1_dpd(sa: SaRecord) -> Iterable[Finding]:
    readable = [m for m in sa.messages if N_V1_R_U_THERE in m.notifies and m.retransmit_of is None]
    if readable:
        unacked = [m for m in readable
                   if not any(N_V1_R_U_THERE_ACK in x.notifies and x.from_initiator != m.from_initiator
                              and x.ts >= m.ts for x in sa.messages)]
        if len(unacked) >= 2 or (unacked and sa.last_ts - unacked[-1].ts >= GRACE):
            checker = role_name(unacked[0].from_initiator)
            yield make(DPD_UNANSWERED, Confidence.CERTAIN,
                       f"{len(unacked)} R-U-THERE from the {checker} got no R-U-THERE-ACK",
                       [evidence(m, "R-U-THERE, not acknowledged") for m in unacked[:MAX_EVIDENCE]], sa=sa.id,
                       details={"checker": checker, "transmissions": len(unacked)},
                       reason="the R-U-THERE notifies are readable and no acknowledgement follows them")
        return
    if sa.outcome not in ("established", "incomplete"):
        return
    tail: list[MessageRef] = []
    for m in reversed(sa.messages):
        if (m.exchange != EX_V1_INFORMATIONAL or not m.encrypted
                or (tail and m.from_initiator != tail[0].from_initiator)):
            break
        tail.insert(0, m)
    if len(tail) < V1_DPD_MIN:
        return
    gaps = [b.ts - a.ts for a, b in zip(tail, tail[1:])]
    if min(gaps) < V1_DPD_SPACING:
        return
    checker = role_name(tail[0].from_initiator)
    both_before = any(m.exchange == EX_V1_INFORMATIONAL and m.from_initiator != tail[0].from_initiator
                      for m in sa.messages if m.ts < tail[0].ts)
    yield make(DPD_UNANSWERED, Confidence.LIKELY if both_before else Confidence.POSSIBLE,
               f"the {checker} sent {len(tail)} encrypted informationals every {min(gaps):.0f}-{max(gaps):.0f} s "
               "and the peer sent nothing back: likely unanswered dead peer detection",
               [evidence(m, "encrypted informational, nothing from the peer after it") for m in tail[:MAX_EVIDENCE]],
               sa=sa.id, details={"checker": checker, "transmissions": len(tail)},
               reason=("the peer answered such informationals before, then stopped" if both_before else
                       "the messages are encrypted; their rhythm is that of dead peer detection"))


def delete_unacknowledged(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version != 2:
        return
    for ex in _v2_unanswered(sa, PL_V2_D):
        copies = _copies(sa, ex)
        who = role_name(ex.requester_is_initiator)
        yield make(DELETE_UNACKNOWLEDGED, Confidence.LIKELY,
                   f"the {who}'s delete was sent {len(copies)} time(s) and never acknowledged: the peer may still "
                   "consider the SA up", [evidence(m, "INFORMATIONAL with Delete, no answer") for m in copies[:4]],
                   sa=sa.id, exchange=ex.index, reason="the request opens with a Delete payload and has no response")


def rekey_collision(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version != 2:
        return
    creates = [(e, r) for e in sa.exchanges
               if e.exchange == EX_V2_CREATE_CHILD_SA and (r := _request(sa, e)) is not None]
    for a, ra in creates:
        if not a.requester_is_initiator:
            continue
        for b, rb in creates:
            if b.requester_is_initiator:
                continue
            a_end = a.response_ts if a.response_ts is not None else sa.last_ts
            b_end = b.response_ts if b.response_ts is not None else sa.last_ts
            if a.first_ts <= b_end and b.first_ts <= a_end:
                kind = "CHILD SA rekeys" if PL_V2_N in (ra.inner_next, rb.inner_next) else "CREATE_CHILD_SA exchanges"
                yield make(REKEY_COLLISION, Confidence.LIKELY,
                           f"both peers started {kind} {abs(b.first_ts - a.first_ts):.3f} s apart, each before the "
                           "other's had finished",
                           [evidence(ra, "CREATE_CHILD_SA from the initiator"),
                            evidence(rb, "CREATE_CHILD_SA from the responder")],
                           sa=sa.id, exchange=a.index,
                           reason="the two exchanges overlap in time; the payloads are encrypted, so which SA each "
                                  "rekeys is not visible")
                return


def sa_deleted(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        if sa.outcome != "deleted" or not sa.exchanges:
            return
        ex = sa.exchanges[-1]
        req = _request(sa, ex)
        if req is None:
            return
        who = role_name(ex.requester_is_initiator)
        up = f", {req.ts - sa.established_ts:.3g} s after it was established" if sa.established_ts else ""
        earlier = sum(1 for e in sa.exchanges[:-1] if e.exchange == EX_V2_INFORMATIONAL
                      and (r := _request(sa, e)) is not None and r.inner_next == PL_V2_D)
        more = f" ({earlier} earlier delete(s) removed CHILD SAs)" if earlier else ""
        prev = sa.exchanges[-2] if len(sa.exchanges) > 1 else None
        prev_req = _request(sa, prev) if prev is not None and prev.exchange == EX_V2_CREATE_CHILD_SA else None
        # An IKE SA rekey opens with the SA payload; a CHILD SA rekey with the REKEY_SA notify.
        if prev is not None and prev_req is not None and prev.answered and prev_req.inner_next == PL_V2_SA:
            more += "; right after a CREATE_CHILD_SA, as when an IKE SA is rekeyed and the old one retired"
        ev = [evidence(req, f"delete from the {who}")]
        ev += [evidence(sa.messages[i], "acknowledged") for i in ex.messages if sa.messages[i].response][:1]
        yield make(SA_DELETED, Confidence.LIKELY, f"the {who} deleted the IKE SA{up}{more}", ev, sa=sa.id,
                   exchange=ex.index, details={"by": who, "child_deletes": earlier},
                   reason="the last exchange opens with a Delete payload (its content is encrypted)")
        return
    deletes = [m for m in sa.messages if PL_V1_D in m.payloads + m.inner_payloads and m.retransmit_of is None]
    if deletes:
        m = deletes[-1]
        who = role_name(m.from_initiator)
        yield make(SA_DELETED, Confidence.CERTAIN, f"the {who} sent a Delete in a readable informational",
                   [evidence(m, f"Delete from the {who}")], sa=sa.id, details={"by": who},
                   reason="the Delete payload is " + ("decrypted" if m.decrypted else "in clear"))


SA_RULES = (dpd_unanswered, delete_unacknowledged, rekey_collision, sa_deleted)
