"""Silence, repetition and churn: requests nobody answers, copies of requests,
answers without a question and peers that keep starting over.

These are mostly symptoms. Retransmissions and duplicates are marked
``supporting`` so a real cause found by another rule heads the report; a
request that is never answered stays a root cause of its own (``ike.no_response``)
because often nothing else in the capture explains it. Timing comes from the
capture: RFC 7296 2.1 leaves the retransmission schedule to the implementation,
but exponential backoff is what gateways do, so the intervals are shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...model import Severity
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire import registry as reg
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V2_IKE_SA_INIT,
    EX_V2_INFORMATIONAL,
    PL_NONE,
    PL_V2_D,
    PORT_NAT_T,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, VendorRef, evidence, make
from .fragments import HUAWEI_50, HUAWEI_51, large_unanswered

FIRST_EXCHANGES = (EX_V1_MAIN, EX_V1_AGGRESSIVE, EX_V2_IKE_SA_INIT)
# Several new SAs between the same peers, each started within LOOP_GAP seconds of the
# previous one, make a loop once there are LOOP_MIN of them.
LOOP_MIN = 5
LOOP_GAP = 30.0
# Evidence lists are cut here: the frames that show the pattern, not every copy.
MAX_EVIDENCE = 6
# A copy this soon after the transmission before it is no retransmission: no implementation's
# timer is that short (strongSwan starts at 4 s, libreswan at 0.5 s, both configurable down to
# about 1 s in practice). The path, a doubled capture port or the sender duplicated it.
DUPLICATE_GAP = 0.1
# Copies of every request at intervals this close to each other (relative spread) are one
# sender's habit, not a timer that happened to fire after each of several lost answers.
SAME_INTERVAL = 0.1

NO_RESPONSE = CatalogEntry(
    code="ike.no_response",
    severity=Severity.ERROR,
    title="A request was never answered",
    explanation="One side sent a request, repeated it, and got no answer before it gave up or the capture "
                "ended, so the negotiation could not go on. If the silent peer answered other requests in the "
                "capture it is running and reachable, and it ignores this one on purpose: usually it has no "
                "matching configuration for this peer, refuses the proposals or identity without saying so, "
                "or cannot read the message (wrong pre-shared key in IKEv1 main mode). If it never answered "
                "anything, it is probably down, unreachable, filtered by a firewall (UDP 500 and 4500), or the "
                "initiator sends to the wrong address. A peer that answers on UDP 500 and falls silent once "
                "the negotiation moves to UDP 4500 (NAT traversal) sits behind something that blocks port "
                "4500. Large requests split into IP fragments are often dropped on the path, which looks "
                "exactly like silence.",
    wire="The same request (same message ID, same bytes) several times, with growing intervals, and no "
         "response from the other address.",
    remedy="Capture on the silent peer too, or read its log: if the requests arrive there, its configuration "
           "for this peer is the problem; if they do not, check routing, firewalls and NAT in between for UDP "
           "500/4500. For large or fragmented requests, enable IKE fragmentation (RFC 7383) on both sides or "
           "let IP fragments through the firewalls on the path.",
    vendor_refs=(VendorRef("ZyWALL", "Send <Symbol> Mode request to <IP>"),
                 VendorRef("Clavister", "The tunnel can only be initiated from one side."),
                 HUAWEI_50, HUAWEI_51),
)

RETRANSMISSION = CatalogEntry(
    code="ike.retransmission",
    severity=Severity.WARNING,
    title="Requests were retransmitted",
    explanation="A side sent the same request again because no answer arrived in time. A few copies followed by "
                "an answer mean packets were lost or the peer was slow; copies that are never answered are the "
                "visible part of a peer that stays silent (see the other findings on this SA). A peer that "
                "repeats its response means its own answer did not reach the requester.",
    wire="Byte-identical copies of a request with the same message ID, usually at growing intervals "
         "(exponential backoff).",
    remedy="If the exchange was answered in the end, look for packet loss or an overloaded gateway. If not, "
           "the other findings on this SA say why the peer is silent.",
    vendor_refs=(VendorRef("ZyWALL", "Send <Symbol> Mode request to <IP>"),),
    supporting=True,
)

DUPLICATE_REQUEST = CatalogEntry(
    code="ike.duplicate_request",
    severity=Severity.WARNING,
    title="Requests sent twice, or a new request while the first is still in progress",
    explanation="A request arrived again when no retransmission timer explains it: within milliseconds of "
                "the first copy, after the peer had already answered it, or as a second negotiation with the "
                "same peer before the first finished. The receiver answers each copy from its cache or treats "
                "the newcomer as a duplicate, so the tunnel usually comes up, but something sends datagrams "
                "twice: a path that duplicates packets (a switch loop, two uplinks, a doubled mirror port in "
                "front of the capture), a sender that transmits each message twice, or an initiator whose "
                "answers do not reach it (a firewall or NAT dropping them) and that restarts too eagerly.",
    wire="The same message (same SPIs, message ID and bytes) twice within milliseconds; IKEv2 requests each "
         "sent again at the same interval after their answer had arrived; IKEv1 main or aggressive mode "
         "message 1 with the same initiator cookie again after message 2, or a new initiator cookie from the "
         "same address while another negotiation with it is unfinished.",
    remedy="Copies within milliseconds: look for the duplication on the path (capture on both sides of each "
           "switch or firewall; a mirror port that sends both directions of a link twice). Copies after the "
           "answer: check that the answers get back to the sender (capture on the sender's side) and that only "
           "one tunnel definition on it points at this peer.",
    vendor_refs=(VendorRef("ZyWALL", "!! Duplicate requests with the same cookie"),
                 VendorRef("ZyWALL", "!! IKE Negotiation is in process")),
    supporting=True,
)

RESPONSE_WITHOUT_REQUEST = CatalogEntry(
    code="ike.response_without_request",
    severity=Severity.WARNING,
    title="Responses whose requests are not in the capture",
    explanation="The capture holds answers to requests it never saw. When only the first exchange is missing "
                "the capture simply started late. When requests are missing throughout, the capture point sees "
                "only one direction of the traffic (asymmetric routing, or a capture filter on one address), "
                "and conclusions about silence or answers from this capture are unsafe.",
    wire="An IKEv2 message with the Response flag set, for a message ID whose request did not appear.",
    remedy="Start the capture before the tunnel is initiated, and capture where both directions pass (or on "
           "both gateways).",
    versions=(2,),
    supporting=True,
)

NEGOTIATION_LOOP = CatalogEntry(
    code="ike.negotiation_loop",
    severity=Severity.WARNING,
    title="The same peers negotiate again and again",
    explanation="The two peers start one new IKE SA after another within seconds, and none of them stays in use. "
                "Whatever each negotiation achieves is thrown away: typically one side deletes or ignores the "
                "new SA (a CHILD SA that cannot be installed, a policy that does not match the traffic, "
                "duplicate tunnel definitions on one side), or a failed negotiation is retried in a tight loop.",
    wire="Many IKE_SA_INIT / main mode exchanges between the same two addresses with new SPIs, seconds apart.",
    remedy="Read both gateways' logs for what happens right after each negotiation (deletes, install errors); "
           "make sure only one tunnel is defined per peer pair and that the traffic selectors match the "
           "traffic that triggers the tunnel.",
)

ENTRIES = (NO_RESPONSE, RETRANSMISSION, DUPLICATE_REQUEST, RESPONSE_WITHOUT_REQUEST, NEGOTIATION_LOOP)


def _requests(sa: SaRecord, ex: Exchange) -> list[MessageRef]:
    return [sa.messages[i] for i in ex.messages if not sa.messages[i].response]


def _peer_answered_before(sa: SaRecord, req: MessageRef) -> bool:
    """Whether the side that should answer ``req`` sent anything earlier in this SA."""
    return any(m.from_initiator != req.from_initiator for m in sa.messages if m.ts < req.ts)


def _answered_elsewhere(sa: SaRecord, ctx: RuleContext, address: str) -> SaRecord | None:
    """An earlier SA in which ``address`` sent something: proof that it is alive."""
    for other in reversed(ctx.earlier(sa)):
        if any(m.src == address for m in other.messages):
            return other
    return None


def _unanswered_request(sa: SaRecord) -> tuple[Exchange, list[MessageRef]] | None:
    """The exchange the SA failed on, when its last request got no answer; for an SA that
    was up, its last exchange when that is a request repeated in vain (a rekey, say).

    IKEv1 phase 1 is one exchange in the tracker, so "unanswered" there means the
    initiator's last distinct message drew nothing at all from the responder. Liveness
    checks and deletes are left to the lifecycle rules, IKEv1's one-way informationals too.
    """
    if sa.outcome != "failed":
        return _last_unanswered(sa)
    if sa.failed_exchange is None or sa.failed_exchange >= len(sa.exchanges):
        return None
    ex = sa.exchanges[sa.failed_exchange]
    reqs = _requests(sa, ex)
    if not reqs:
        return None
    if sa.version == 2:
        return None if ex.answered else (ex, reqs)
    # IKEv1: the request that stalled is the requester's last distinct message; a refusal
    # comes back as a separate Informational, so any message from the peer after it counts.
    last = next((m for m in reversed(reqs) if m.retransmit_of is None), reqs[-1])
    if any(m.from_initiator != last.from_initiator and m.ts >= last.ts for m in sa.messages):
        return None
    return ex, [m for m in reqs if m.frame == last.frame or m.retransmit_of == last.frame]


def _last_unanswered(sa: SaRecord) -> tuple[Exchange, list[MessageRef]] | None:
    if not sa.exchanges:
        return None
    ex = sa.exchanges[-1]
    reqs = _requests(sa, ex)
    if ex.answered or not ex.retransmissions or not reqs or (sa.version == 1 and ex.exchange == EX_V1_INFORMATIONAL):
        return None
    # First payload inside SK: none (a liveness check) or Delete.
    if sa.version == 2 and ex.exchange == EX_V2_INFORMATIONAL and reqs[0].inner_next in (PL_NONE, PL_V2_D):
        return None
    if any(m.from_initiator != reqs[0].from_initiator and m.ts >= reqs[0].ts for m in sa.messages):
        return None
    return ex, reqs


def _schedule(copies: list[MessageRef]) -> tuple[list[float], str]:
    """Intervals between copies and a word on their pattern."""
    gaps = [round(b.ts - a.ts, 3) for a, b in zip(copies, copies[1:])]
    if len(gaps) >= 2 and all(g > 0 for g in gaps):
        ratios = [b / a for a, b in zip(gaps, gaps[1:])]
        if all(r > 1.2 for r in ratios):
            return gaps, f"exponential backoff (x{sum(ratios) / len(ratios):.1f})"
        if all(0.8 <= r <= 1.2 for r in ratios):
            return gaps, "at a fixed interval"
    return gaps, ""


def no_response(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    found = _unanswered_request(sa)
    if found is None:
        return
    ex, reqs = found
    name = reg.exchange_name(sa.version, ex.exchange)
    if sa.version == 1 and ex.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE):
        mode = "main" if ex.exchange == EX_V1_MAIN else "aggressive"
        if sa.initiator_known:
            step = sum(1 for i in ex.messages if sa.messages[i].retransmit_of is None
                       and sa.messages[i].ts <= reqs[0].ts)
            name = f"{mode} mode message {step}"
        else:
            name = f"a {mode} mode message"  # the capture starts inside phase 1: its count is unknown
    requester = role_name(ex.requester_is_initiator)
    silent = role_name(not ex.requester_is_initiator)
    silent_addr = reqs[0].dst
    span = reqs[-1].ts - reqs[0].ts
    tries = len(reqs)
    details: dict[str, Any] = {"exchange": name, "transmissions": tries, "over_seconds": round(span, 3),
                               "length": reqs[0].length, "ip_fragments": len(reqs[0].frames)}
    alive_here = _peer_answered_before(sa, reqs[0])
    alive_elsewhere = None if alive_here else _answered_elsewhere(sa, ctx, silent_addr)
    moved = PORT_NAT_T in (reqs[0].sport, reqs[0].dport) and alive_here and not any(
        m.from_initiator != reqs[0].from_initiator and PORT_NAT_T in (m.sport, m.dport) for m in sa.messages)
    if moved:
        verdict = (f"the {silent} answered on UDP 500, but nothing came back once the peers moved to UDP 4500: "
                   "UDP 4500 is likely blocked or not forwarded on the way (firewall, NAT port forwarding)")
        reason = f"the {silent} answers on port 500 and stays silent on port 4500"
        details["peer_alive"] = True
        details["udp_4500_silent"] = True
    elif alive_here or alive_elsewhere is not None:
        where = "earlier in this SA" if alive_here else f"in SA {alive_elsewhere.id}"
        verdict = (f"the {silent} answered {where}, so it is alive and ignores this request: likely a "
                   "configuration it does not accept (policy, proposal, identity or pre-shared key)")
        reason = f"the {silent} is reachable ({where}) but never answered this request"
        details["peer_alive"] = True
    else:
        verdict = (f"the {silent} ({silent_addr}) sent nothing in this or any earlier SA between these peers: "
                   "likely down, unreachable, filtered, or the wrong address")
        reason = f"no IKE packet from {silent_addr} to this peer before or during this SA"
        details["peer_alive"] = False
    confidence = Confidence.LIKELY
    big = large_unanswered(sa, ex)
    if big:
        # Size explains the silence better than configuration does: say that first.
        verdict = (f"the request is {big}, and such fragments are often dropped on the path"
                   + (f" (the {silent} did answer the smaller messages)" if details["peer_alive"] else ""))
        confidence = Confidence.POSSIBLE
        reason += "; the request is large and may simply be lost in fragments (see ike.large_unfragmented)"
    ev = [evidence(m, f"{name} request from the {requester}" + (" (copy)" if m.retransmit_of else ""))
          for m in reqs[:MAX_EVIDENCE]]
    sent = f"{tries} times over {span:.1f} s" if tries > 1 else "once"
    summary = f"{name} from the {requester} was sent {sent} and never answered; {verdict}"
    yield make(NO_RESPONSE, confidence, summary, ev, sa=sa.id, exchange=ex.index, reason=reason, details=details)


def retransmission(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """One finding per SA for every exchange with copies of its request (or response); copies that
    ``duplicate_request`` explains, and the answers repeated for them, are left to it."""
    rows: list[dict[str, Any]] = []
    ev = []
    unanswered = False
    dups = {c.frame for _, c, _ in _duplicates(sa)[0]}
    for ex in sa.exchanges:
        if not ex.retransmissions and not ex.response_retransmissions:
            continue
        copied = [sa.messages[i] for i in ex.messages if sa.messages[i].retransmit_of is not None]
        requests = [m for m in copied if not m.response and m.frame not in dups]
        # A repeated answer to a duplicated request is the peer answering the duplicate.
        answers = [m for m in copied if m.response and m.frame not in dups
                   and (requests or not any(not c.response for c in copied))]
        if not requests and not answers:
            continue
        name = reg.exchange_name(sa.version, ex.exchange)
        row: dict[str, Any] = {"exchange": ex.index, "name": name, "retransmissions": len(requests),
                               "response_retransmissions": len(answers), "answered": ex.answered}
        kept = {m.frame for m in requests + answers}
        for resp in (False, True):
            msgs = [sa.messages[i] for i in ex.messages if sa.messages[i].response == resp]
            for orig in [m for m in msgs if m.retransmit_of is None]:
                copies = [orig] + [m for m in msgs if m.retransmit_of == orig.frame and m.frame in kept]
                if len(copies) < 2:
                    continue
                gaps, pattern = _schedule(copies)
                unanswered = unanswered or (not resp and not any(
                    sa.messages[i].from_initiator != orig.from_initiator and sa.messages[i].ts > orig.ts
                    for i in ex.messages))
                row.setdefault("intervals", []).append({"frame": orig.frame, "seconds": gaps, "pattern": pattern})
                if len(ev) < MAX_EVIDENCE:
                    what = "response" if resp else "request"
                    ev.append(evidence(orig, f"{name} {what}, first transmission"))
                    ev.extend(evidence(c, f"copy after {c.ts - orig.ts:.2f} s") for c in copies[1:3])
        rows.append(row)
    if not rows:
        return
    if not ev:  # copies whose original sits in another exchange (odd captures): show the copies
        ev = [evidence(m, f"copy of frame {m.retransmit_of}") for m in sa.messages
              if m.retransmit_of is not None and m.frame not in dups][:MAX_EVIDENCE]
    total = sum(r["retransmissions"] for r in rows)
    parts = [f"{r['name']} {r['retransmissions']}x" + ("" if r["answered"] else " (never answered)")
             for r in rows if r["retransmissions"]]
    resp_total = sum(r["response_retransmissions"] for r in rows)
    summary = f"{total} retransmitted request(s): " + ", ".join(parts) if total else ""
    if resp_total:
        summary += ("; " if summary else "") + f"{resp_total} repeated response(s): answers did not get through"
    patterns = [i["pattern"] for r in rows for i in r.get("intervals", ()) if i["pattern"]]
    if patterns:
        summary += f" ({patterns[0]})"
    yield make(RETRANSMISSION, Confidence.CERTAIN, summary, ev, sa=sa.id, details={"exchanges": rows},
               reason="byte-identical copies of the same message are in the capture",
               severity=None if unanswered else Severity.INFO)


def _transmissions(sa: SaRecord) -> list[tuple[MessageRef, MessageRef, float]]:
    """Each copy with the transmission just before it (the original or an earlier copy) and the interval."""
    last: dict[int, MessageRef] = {}
    out = []
    for m in sa.messages:
        if m.retransmit_of is None:
            last[m.frame] = m
            continue
        before = last.get(m.retransmit_of)
        if before is not None:
            out.append((before, m, m.ts - before.ts))
        last[m.retransmit_of] = m
    return out


def _duplicates(sa: SaRecord) -> tuple[list[tuple[MessageRef, MessageRef, float]], str]:
    """Copies no retransmission timer explains, and which pattern gives them away ("" if none):
    "fast" (within DUPLICATE_GAP of the transmission before) or "after_answer" (IKEv2: every
    copied request copied once, after its answer arrived, at the same interval)."""
    if not any(ex.retransmissions or ex.response_retransmissions for ex in sa.exchanges):
        return [], ""
    copies = _transmissions(sa)
    fast = [c for c in copies if c[2] < DUPLICATE_GAP]
    if fast:
        return fast, "fast"
    if sa.version != 2:
        return [], ""
    late = []
    for ex in sa.exchanges:
        reqs = [(b, c, g) for b, c, g in copies if not c.response and any(sa.messages[i] is c for i in ex.messages)]
        if not reqs:
            continue
        if len(reqs) != 1 or ex.response_ts is None or reqs[0][1].ts <= ex.response_ts:
            return [], ""  # some copy is what a timer does: the answer had not come
        late.append(reqs[0])
    gaps = [g for _, _, g in late]
    if len(late) >= 2 and (max(gaps) - min(gaps)) <= SAME_INTERVAL * max(gaps):
        return late, "after_answer"
    return [], ""


def _copies_answered(sa: SaRecord, copied: list[MessageRef]) -> tuple[str, int, int] | None:
    """Whether the receiver answered the copied requests again. A copy that arrives while the first
    is still being worked on is dropped (strongSwan and libreswan alike, lab captures
    ikev2-path-duplicates and ikev2-path-duplicates-libreswan); one that comes after the answer
    gets the answer again. Unanswered copies are harmless, answered ones double the traffic."""
    exchanges = [ex for ex in sa.exchanges if ex.response_ts is not None
                 and any(sa.messages[i] in copied for i in ex.messages)]
    if not exchanges:
        return None
    again, total = sum(min(ex.response_retransmissions, 1) for ex in exchanges), len(exchanges)
    if again == total:
        return "the receiver answered every copy", again, total
    if again == 0:
        return "the receiver answered only the first of each", again, total
    return f"the receiver answered the copies in {again} of {total} exchanges", again, total


def _duplicate_copies(sa: SaRecord) -> Iterable[Finding]:
    copies, pattern = _duplicates(sa)
    if not copies:
        return
    senders = sorted({role_name(c.from_initiator) for _, c, _ in copies})
    names = list(dict.fromkeys(reg.exchange_name(sa.version, c.exchange) for _, c, _ in copies))
    gaps = [g for _, _, g in copies]
    ev = []
    for before, copy, gap in copies[:MAX_EVIDENCE // 2]:
        ev += [evidence(before, f"{reg.exchange_name(sa.version, before.exchange)} from the "
                                f"{role_name(before.from_initiator)}"),
               evidence(copy, f"the same message again {gap * 1000:.3g} ms later")]
    who = " and ".join(senders)
    if pattern == "fast":
        summary = (f"{len(copies)} message(s) from the {who} arrived twice within {max(gaps) * 1000:.3g} ms "
                   f"({', '.join(names)}): no retransmission timer is that short, so the path or the sender "
                   "duplicates datagrams")
        reason = f"each copy follows the transmission before it by less than {DUPLICATE_GAP * 1000:g} ms"
        answered = _copies_answered(sa, [c for _, c, _ in copies if not c.response])
        if answered is not None:
            summary += "; " + answered[0]
    else:
        answered = None
        spread = f"{min(gaps):.2f}" if f"{min(gaps):.2f}" == f"{max(gaps):.2f}" else f"{min(gaps):.2f}-{max(gaps):.2f}"
        summary = (f"each of {len(copies)} requests from the {who} ({', '.join(names)}) was sent again {spread} s "
                   "after the first, after its answer had arrived: the sender transmits every request twice")
        reason = ("every copied request was copied exactly once, after its answer, at the same interval; a timer "
                  "would fire only when an answer is missing, and would back off")
    came_up = sa.outcome in ("established", "deleted")
    yield make(DUPLICATE_REQUEST, Confidence.LIKELY, summary + ("; the peer coped and the SA came up" if came_up
                                                                 else ""),
               ev, sa=sa.id, details={"copies": len(copies), "pattern": pattern,
                                      "intervals": [round(g, 6) for g in gaps],
                                      "exchanges_answered_again": None if answered is None else list(answered[1:])},
               reason=reason, severity=Severity.INFO if came_up else None)


def duplicate_request(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    yield from _duplicate_copies(sa)
    if sa.version != 1:
        return
    phase1 = next((e for e in sa.exchanges if e.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)), None)
    if phase1 is not None and phase1.response_ts is not None:
        msgs = [sa.messages[i] for i in phase1.messages]
        first = next((m for m in msgs if m.from_initiator), None)
        # Only message 1 carries the initiator's SA payload, so a later one is message 1 again.
        late = [m for m in msgs if first is not None and m is not first and m.from_initiator
                and m.ts > phase1.response_ts and (m.retransmit_of == first.frame or m.proposals is not None)]
        if first is not None and late:
            ev = [evidence(first, "phase 1 message 1"),
                  *(evidence(m, "message 1 again, after the responder had answered") for m in late[:3])]
            yield make(DUPLICATE_REQUEST, Confidence.CERTAIN,
                       f"the initiator sent phase 1 message 1 again {len(late)} time(s) after the responder "
                       "answered it: the responder's answer likely did not reach the initiator", ev, sa=sa.id,
                       exchange=phase1.index, reason="the repeated message 1 carries the same initiator cookie "
                                                     "and follows the responder's message 2")
    for other in reversed(ctx.earlier(sa)):
        if (other.version == 1 and other.initiator.address == sa.initiator.address
                and other.responder.address == sa.responder.address and other.ispi != sa.ispi
                and other.first_ts < sa.first_ts < other.last_ts
                and (other.established_ts is None or other.established_ts > sa.first_ts)):
            ev = [evidence(other.messages[0], f"SA {other.id} starts"), evidence(sa.messages[0],
                                                                                   "a second negotiation starts")]
            yield make(DUPLICATE_REQUEST, Confidence.LIKELY,
                       f"the initiator started a new phase 1 while SA {other.id} with the same peer was still "
                       "being negotiated", ev, sa=sa.id,
                       reason=f"SA {other.id} was neither finished nor idle when this one began")
            break


def response_without_request(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version != 2:
        return
    orphans = [ex for ex in sa.exchanges if ex.messages and all(sa.messages[i].response for i in ex.messages)]
    if not orphans:
        return
    leading = all(ex.index == i for i, ex in enumerate(orphans))
    ev = [evidence(sa.messages[ex.messages[0]], f"{reg.exchange_name(2, ex.exchange)} response, "
                                                f"message ID {ex.message_id}, request not captured")
          for ex in orphans[:MAX_EVIDENCE]]
    if leading:
        summary = (f"{len(orphans)} response(s) at the start of the SA without their request: the capture "
                   "likely started late")
        reason = "only the first exchange(s) miss their request"
    else:
        summary = (f"{len(orphans)} response(s) without their request, also after the start: the capture "
                   "likely sees only one direction (asymmetric routing or a one-sided filter)")
        reason = "requests are missing in the middle of the SA, not only before the capture began"
    yield make(RESPONSE_WITHOUT_REQUEST, Confidence.LIKELY, summary, ev, sa=sa.id, exchange=orphans[0].index,
               reason=reason, severity=Severity.INFO if leading else None)


def _starts_fresh(sa: SaRecord) -> bool:
    """A negotiation from scratch, not a rekey or a retry after INVALID_KE/COOKIE."""
    return (bool(sa.exchanges) and sa.exchanges[0].exchange in FIRST_EXCHANGES
            and sa.rekeyed_from is None and sa.restart_of is None)


def tunnel_of(sa: SaRecord) -> frozenset[tuple[bool, str]] | None:
    """What tells one tunnel between two gateways from another, where it is readable: the identities
    both sides showed and the traffic selectors (quick mode IDs) the initiator asked for."""
    key = {(i, text) for i, _, _, text in sa.identities}
    key |= {(True, f"{kind} {text}") for _, i, kind, text in sa.traffic_selectors if i}
    return frozenset(key) or None


def _negotiated_at(sa: SaRecord) -> float:
    """When the SA's negotiation ended: it came up, or its last message before it was given up."""
    if sa.established_ts is not None:
        return sa.established_ts
    if sa.failed_exchange is not None and sa.failed_exchange < len(sa.exchanges):
        ex = sa.exchanges[sa.failed_exchange]
        return ex.response_ts if ex.response_ts is not None else sa.last_ts
    return sa.last_ts


def _loop_run(sas: list[SaRecord]) -> list[SaRecord]:
    """The trailing run of fresh SAs, each started soon after the one before finished negotiating.

    A loop is one tunnel negotiated again and again, so each attempt follows the previous one.
    Negotiations that overlap are different tunnels between the same gateways (a gateway that
    brings up all its tunnels at once after a reboot), not a loop."""
    run: list[SaRecord] = []
    for s in reversed(sas):
        if not _starts_fresh(s) or (run and (run[0].first_ts - s.first_ts > LOOP_GAP
                                             or _negotiated_at(s) > run[0].first_ts)):
            break
        run.insert(0, s)
    return run


def negotiation_loop(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """Reported once per loop, on the SA that makes the run LOOP_MIN long."""
    same = [s for s in ctx.earlier(sa) if s.version == sa.version and s.first_ts <= sa.first_ts]
    if len(same) < LOOP_MIN - 1:
        return
    tunnel = tunnel_of(sa)
    same = [s for s in same if tunnel is None or tunnel_of(s) in (tunnel, None)]
    run = _loop_run(sorted(same, key=lambda s: s.first_ts) + [sa])
    if len(run) != LOOP_MIN:
        return
    span = run[-1].first_ts - run[0].first_ts
    up = [s for s in run if s.outcome in ("established", "deleted")]
    gap = max(b.first_ts - a.first_ts for a, b in zip(run, run[1:]))
    how = (f"{len(up)} of them came up, and each was followed by a new one within {gap:.1f} s" if up
           else "none of them came up")
    ev = [evidence(s.messages[0], f"SA {s.id} starts ({s.outcome})") for s in run if s.messages]
    same_tunnel = tunnel is not None and all(tunnel_of(s) == tunnel for s in run)
    reason = (f"{len(run)} fresh negotiations between the same peers, each started after the previous one had "
              f"finished and none more than {LOOP_GAP:g} s after it")
    reason += ("; their identities and traffic selectors are the same, so it is one tunnel" if same_tunnel else
               "; which tunnel each is for is encrypted: one after another, rather than all at once, is what "
               "one tunnel negotiated again looks like")
    yield make(NEGOTIATION_LOOP, Confidence.LIKELY,
               f"{len(run)} IKE SAs between {sa.initiator.address} and {sa.responder.address} started one after "
               f"another within {span:.1f} s; {how}", ev, sa=sa.id,
               details={"sas": [s.id for s in run], "seconds": round(span, 3), "same_tunnel": same_tunnel},
               reason=reason)


SA_RULES = (no_response, retransmission, duplicate_request, response_without_request, negotiation_loop)
