"""Messages for an SA the receiver does not know: invalid cookies and SPIs, SAs lost on one side.

A gateway that restarted, expired an SA early or deleted it without the peer
noticing receives traffic for SPIs it no longer has. It says so with a notify
(INVALID-COOKIE / INVALID_IKE_SPI / INVALID_SPI) or, more often, says nothing.
The capture shows the second case as an SA whose start is missing (no
IKE_SA_INIT or main mode) and whose requests go unanswered, or as requests on
an IKE SA after its deletion was acknowledged. Notify numbers: RFC 2408
3.14.1, RFC 7296 3.10.1 and 2.21.4; Delete answers RFC 7296 1.4.1.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire import registry as reg
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V2_IKE_SA_INIT,
    EX_V2_INFORMATIONAL,
    N_V1_INVALID_COOKIE,
    N_V1_INVALID_SPI,
    N_V1_R_U_THERE,
    N_V2_INVALID_IKE_SPI,
    N_V2_INVALID_SPI,
    PL_NONE,
    PL_V2_D,
    PL_V2_N,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make

MAX_EVIDENCE = 5

LOST_STATE = CatalogEntry(
    code="ike.peer_lost_state",
    severity=Severity.ERROR,
    title="A peer lost the SA the other still uses (restart, crash, a deletion it missed)",
    explanation="One gateway no longer has an SA the other keeps using: it restarted or crashed, let the SA "
                "expire, or deleted it without the other noticing. Its traffic on the old SA finds nothing: "
                "liveness checks go unanswered, or come back as INVALID-COOKIE / INVALID_SPI. When the same "
                "peer accepts a fresh negotiation moments later, it is alive and reachable, so this is not a "
                "path or a down peer: it has forgotten the SA. Until the other side gives up on the old SA, "
                "the tunnel is up on one side only and its traffic is dropped.",
    wire="Requests on an SA that was up (IKEv2 INFORMATIONAL liveness checks, IKEv1 encrypted informationals such "
         "as R-U-THERE) that the peer no longer answers, followed by a new IKE_SA_INIT or main mode between the "
         "same addresses that the peer does answer, often with ICMP port unreachable in between while its IKE "
         "daemon was down; INVALID-COOKIE (4) or INVALID-SPI (11) in IKEv1, INVALID_IKE_SPI (4) or "
         "INVALID_SPI (11) in IKEv2; requests on an IKE SA after both sides acknowledged its deletion.",
    remedy="Look in the silent peer's log and system log for a restart, crash or failover at that time. Enable "
           "dead peer detection on both sides with similar timers so a lost SA is noticed and renegotiated "
           "quickly, align the lifetimes, and send INITIAL_CONTACT so a restarted peer tells the other to drop "
           "its old SAs. If the tunnel stays half-up, reset it on the side that still lists the SA.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 21: invalid cookie"),
                 VendorRef("Huawei", "reason code 31: cookie mismatch"),
                 VendorRef("Huawei", "reason code 16: rekey no find old sa"),
                 VendorRef("Huawei", "reason code 17: rekey fail"),
                 VendorRef("Clavister", "Ike_invalid_cookie (the tunnel initiates from one side only)")),
)

# A fresh negotiation this soon after an SA fell silent is read as its replacement.
RESTART_WINDOW = 300.0
# IKEv1 informationals at the end of an SA, one side only, at least this far apart: not a Delete pair.
V1_SPACING = 1.0

UNKNOWN_SA = CatalogEntry(
    code="ike.unknown_sa",
    severity=Severity.WARNING,
    title="Requests on an SA whose start is not in the capture go unanswered",
    explanation="The capture shows traffic on an IKE SA that was negotiated before the capture began, and the "
                "peer either does not answer it or answers with an error. The likely story is that one side "
                "lost the SA (restart, expiry, a deletion the other side missed) and the other keeps using it. "
                "It can also be a peer that is simply down; the earlier part of the conversation would tell.",
    wire="Encrypted requests (INFORMATIONAL, CREATE_CHILD_SA, quick mode) with both SPIs set and no IKE_SA_INIT "
         "or main mode before them, retransmitted without answer or answered by an error.",
    remedy="Check on both gateways whether this SA (the SPIs are in the finding) is still listed. If only one "
           "side has it, reset the tunnel there and enable dead peer detection on both sides, so a lost SA is "
           "noticed and renegotiated.",
    vendor_refs=(VendorRef("Clavister", "Ike_invalid_cookie (the tunnel is up on one side only; DPD or "
                                        "keep-alive used on one side only)"),
                 VendorRef("Huawei", "reason code 16: rekey no find old sa")),
)

ENTRIES = (LOST_STATE, UNKNOWN_SA)


def _spi_text(m: MessageRef, n: int) -> str:
    if len(m.notify_data) != len(m.notifies):
        return ""
    data = m.notify_data[m.notifies.index(n)]
    return data.hex() if data else ""


def peer_lost_state(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    yield from _readable_notify(sa)
    if sa.version == 2:
        yield from _after_delete(sa)
    yield from _ignored_then_replaced(sa)


def ignored_then_replaced(sa: SaRecord) -> tuple[list[MessageRef], int, float, int] | None:
    """The requests at the end of an SA that was up which the peer never answered, when the same
    peer then answered a fresh negotiation from the same asker: (those requests, the new SA, its
    start, the frame of the peer's first answer in it). None when that did not happen."""
    if sa.successor is None or sa.established_ts is None or not sa.messages:
        return None
    new_id, new_ts, new_initiator, answer = sa.successor
    asker = sa.messages[-1].from_initiator
    asker_addr = (sa.initiator if asker else sa.responder).address
    if answer is None or new_initiator != asker_addr:
        return None
    peer_last = max((m.ts for m in sa.messages if m.from_initiator != asker), default=float("-inf"))
    tail = [m for m in sa.messages if m.from_initiator == asker and m.ts > peer_last and not m.response]
    if not tail or not 0 <= new_ts - tail[0].ts <= RESTART_WINDOW:
        return None
    if sa.version == 1:
        # the informationals after the asker's last message of another kind (quick mode's third, say)
        while tail and any(m.exchange != EX_V1_INFORMATIONAL for m in tail):
            tail.pop(0)
        if len(tail) < 2 or tail[-1].ts - tail[0].ts < V1_SPACING:
            return None
    elif len(tail) < 2 and new_ts - tail[-1].ts < 1.0:
        return None  # one request just before the new negotiation: the asker may have moved on by itself
    return tail, new_id, new_ts, answer


def _ignored_then_replaced(sa: SaRecord) -> Iterable[Finding]:
    found = ignored_then_replaced(sa)
    if found is None:
        return
    tail, new_id, new_ts, answer = found
    asker = tail[0].from_initiator
    who, peer = role_name(asker), role_name(not asker)
    peer_addr = tail[0].dst
    checks = sa.version == 2 and all(m.inner_next == PL_NONE for m in tail)
    readable_dpd = sa.version == 1 and any(N_V1_R_U_THERE in m.notifies for m in tail)
    what = ("liveness checks" if checks or readable_dpd else
            "encrypted informationals" if sa.version == 1 else "requests")
    icmp = [u for u in sa.unreachable if u[1] >= tail[0].ts and u[2] == asker]
    ev = [evidence(m, f"{what[:-1]} from the {who}, no answer" + (" (copy)" if m.retransmit_of else ""))
          for m in tail[:MAX_EVIDENCE]]
    ev += [Evidence(frame=u[0], ts=u[1], text=f"ICMP from {peer_addr}: {u[3]}") for u in icmp[:2]]
    ev.append(Evidence(frame=answer, ts=new_ts, text=f"{peer} answers a fresh negotiation (SA {new_id})"))
    down = (f"; ICMP port unreachable came back meanwhile, so its IKE daemon was not running: a restart"
            if icmp else "")
    summary = (f"the {peer} ({peer_addr}) stopped answering this SA ({len(tail)} {what} from the {who} over "
               f"{tail[-1].ts - tail[0].ts:.1f} s), then answered a fresh negotiation (SA {new_id}) "
               f"{new_ts - tail[0].ts:.1f} s after the first unanswered one: it lost this SA (restart, crash, "
               f"or it dropped the SA without a Delete){down}")
    if sa.version == 1 and not readable_dpd:
        confidence, reason = Confidence.POSSIBLE, ("the informationals are encrypted: their rhythm is that of dead "
                                                   "peer detection, and the keys would show R-U-THERE")
    else:
        confidence, reason = Confidence.LIKELY, (f"the {peer} is alive (it answers SA {new_id}) yet ignores "
                                                 "this SA's requests; its own log would show the restart")
    yield make(LOST_STATE, confidence, summary, sorted(ev, key=lambda e: (e.ts, e.frame)), sa=sa.id,
               severity=Severity.WARNING, reason=reason,
               details={"silent": peer, "requests": len(tail), "replaced_by": new_id,
                        "icmp_unreachable": len(icmp)})


def _readable_notify(sa: SaRecord) -> Iterable[Finding]:
    ike_sa, ipsec_sa = ((N_V1_INVALID_COOKIE, N_V1_INVALID_SPI) if sa.version == 1
                        else (N_V2_INVALID_IKE_SPI, N_V2_INVALID_SPI))
    for m in sa.messages:
        if m.retransmit_of is not None:
            continue
        n = next((c for c in (ike_sa, ipsec_sa) if c in m.notifies), None)
        if n is None:
            continue
        name = reg.notify_name(sa.version, n)
        by, other = role_name(m.from_initiator), role_name(not m.from_initiator)
        before = [o for o in sa.messages if o.from_initiator != m.from_initiator and o.ts <= m.ts]
        ev = ([evidence(before[-1], f"the {other}'s message for the SA")] if before else []) + \
             [evidence(m, f"{name} from the {by}")]
        spi = _spi_text(m, n)
        if n == ipsec_sa:
            what = f"an IPsec SA{' (SPI ' + spi + ')' if spi else ''} it does not have"
        else:
            what = "an IKE SA it does not have (these cookies/SPIs are unknown to it)"
        went_on = any(e.answered and e.first_ts > m.ts for e in sa.exchanges)
        yield make(LOST_STATE, Confidence.CERTAIN,
                   f"the {by} received traffic for {what}: {name}", ev, sa=sa.id,
                   severity=Severity.WARNING if went_on else None,
                   details={"notify": n, "name": name, "spi": spi, "sa_went_on": went_on},
                   reason=f"{name} is readable" + (" (decrypted)" if m.encrypted else ""))
        return


def _after_delete(sa: SaRecord) -> Iterable[Finding]:
    """Requests on an IKEv2 SA after a Delete of the IKE SA itself was acknowledged."""
    deleted: tuple[MessageRef, MessageRef] | None = None
    for ex in sa.exchanges:
        req, resp = sa.request(ex), sa.response(ex)
        # The answer to a CHILD SA delete carries the peer's own Delete; to an IKE SA delete it is empty.
        if (ex.exchange == EX_V2_INFORMATIONAL and req is not None and resp is not None and req.inner_next == PL_V2_D
                and resp.inner_next in (PL_NONE, None)):
            deleted = (req, resp)
            break
    if deleted is None:
        return
    # Requests the peer still answers normally show the SA alive on both sides after all.
    after = [req for e in sa.exchanges if (req := sa.request(e)) is not None and req.ts > deleted[1].ts
             and (not e.answered or _refused(sa, e))]
    if not after:
        return
    senders = {role_name(m.from_initiator) for m in after}
    ev: list[Evidence] = [evidence(deleted[0], "the IKE SA is deleted"), evidence(deleted[1], "deletion acknowledged")]
    ev += [evidence(m, f"request from the {role_name(m.from_initiator)} on the deleted SA") for m in after[:MAX_EVIDENCE]]
    yield make(LOST_STATE, Confidence.LIKELY,
               f"{len(after)} request(s) from the {' and '.join(sorted(senders))} on the IKE SA after its deletion "
               f"was acknowledged (frame {deleted[1].frame}) go unanswered or are refused: a side still uses an "
               "SA that no longer exists",
               ev, sa=sa.id, details={"deleted_frame": deleted[0].frame, "requests_after": len(after)},
               reason="an empty answer to a Delete is how an IKE SA deletion is acknowledged (RFC 7296 1.4.1), and "
                      "the later requests find no SA; without keys the Delete could also have been for a CHILD SA "
                      "answered improperly")


def _refused(sa: SaRecord, ex: Exchange) -> bool:
    resp = sa.response(ex)
    return resp is not None and (any(reg.notify_is_error(2, n) for n in resp.notifies) or _encrypted_refusal(resp))


def _started_here(sa: SaRecord) -> bool:
    first = sa.messages[0]
    if sa.version == 1:
        return first.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)
    return first.exchange == EX_V2_IKE_SA_INIT


def unknown_sa(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """An SA negotiated before the capture whose requests get no answer, or only errors."""
    if not sa.messages or _started_here(sa) or sa.rekeyed_from is not None:
        return
    requests = [(e, req) for e in sa.exchanges if (req := sa.request(e)) is not None]
    if not requests:
        return
    asker = requests[0][1].from_initiator
    other = [m for m in sa.messages if m.from_initiator != asker]
    errors = [m for m in other if any(reg.notify_is_error(sa.version, n) for n in m.notifies)
              or (sa.version == 2 and _encrypted_refusal(m))]
    if len(errors) < len(other):
        return  # the other side speaks on this SA without complaint: it still has it
    unanswered = [req for e, req in requests if req.from_initiator == asker and not e.answered]
    copies = sum(e.retransmissions for e, _ in requests)
    if not errors and copies == 0 and len(unanswered) < 2:
        return
    ev = [evidence(sa.messages[0], "first message of this SA in the capture: it was negotiated earlier")]
    ev += [evidence(m, "error answer") for m in errors[:MAX_EVIDENCE]]
    ev += [evidence(req, "request never answered") for req in unanswered[:MAX_EVIDENCE] if req is not sa.messages[0]]
    how = "answered only with errors" if errors else \
        f"never answered ({len(unanswered)} request(s), {copies} retransmission(s))"
    yield make(UNKNOWN_SA, Confidence.POSSIBLE,
               f"IKEv{sa.version} SA {sa.ispi.hex()}/{sa.rspi.hex()} was set up before the capture and the "
               f"{role_name(asker)}'s requests on it are {how}: the {role_name(not asker)} may have lost the SA",
               sorted(ev, key=lambda e: e.frame), sa=sa.id,
               details={"ispi": sa.ispi.hex(), "rspi": sa.rspi.hex(), "unanswered": len(unanswered),
                        "retransmissions": copies, "errors": len(errors)},
               reason="without the SA's start the capture cannot show whether the peer lost the SA or is down")


def _encrypted_refusal(m: MessageRef) -> bool:
    """An IKEv2 INFORMATIONAL answer that opens with an encrypted Notify: an error such as INVALID_SPI."""
    return (m.response and m.exchange == EX_V2_INFORMATIONAL and m.encrypted and not m.decrypted
            and m.inner_next == PL_V2_N)


SA_RULES = (peer_lost_state, unknown_sa)
