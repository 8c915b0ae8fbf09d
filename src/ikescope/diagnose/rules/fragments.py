"""Messages too large for the path: lost IP fragments, IKE fragment sets that
never complete, and big messages sent without IKE fragmentation.

IKE_AUTH with certificates easily exceeds 1500 bytes; IP then splits it, and
many firewalls and NATs drop IP fragments (or the second of them). IKEv2 avoids
this with its own fragmentation (RFC 7383, negotiated with the
IKEV2_FRAGMENTATION_SUPPORTED notify); IKEv1 has a vendor extension announced
by Vendor ID. The net layer reports IP datagrams that never completed as
problem events; this module turns them into findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ...model import NetEvent, Severity
from ...track.records import Exchange, MessageRef, SaRecord
from ...wire import registry as reg
from ...wire.numbers import N_V2_IKEV2_FRAGMENTATION_SUPPORTED
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make

# Above this, a message plus IP/UDP headers no longer fits a typical 1280-1500 byte path MTU.
LARGE = 1200
MAX_SETS_LISTED = 3  # incomplete messages of one SA described one by one; the rest are counted
LOST_CODES = ("net.fragments_incomplete", "net.fragment_timeout")
_FRAMES = re.compile(r"frame\(s\) ([\d, ]+)")

HUAWEI_50 = VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 50: fragment packet limit")
HUAWEI_51 = VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 51: fragment packet reassemble timeout")

FRAGMENTS_LOST = CatalogEntry(
    code="net.fragments_lost",
    severity=Severity.ERROR,
    title="IP fragments never completed",
    explanation="Part of an IP-fragmented datagram is in the capture, the rest never came. An IKE message that "
                "big cannot be read by the receiver either if the missing fragments were lost on the path, and "
                "the sender sees only silence. Firewalls, NATs and some providers drop non-first fragments; a "
                "lower MTU somewhere on the path makes it worse.",
    wire="IP fragments with the same identification, without the rest of the datagram, until the end of the "
         "capture or the reassembly timeout.",
    remedy="Enable IKE fragmentation on both gateways (IKEv2 RFC 7383, or the IKEv1 vendor extension), or allow "
           "IP fragments through the firewalls in between; check that the MTU configured on the gateways fits the "
           "path, and shorten the certificate chain. If the capture itself may have dropped packets, capture "
           "again with a larger buffer.",
    vendor_refs=(HUAWEI_51, HUAWEI_50),
)

IKE_FRAGMENTS_INCOMPLETE = CatalogEntry(
    code="ike.fragments_incomplete",
    severity=Severity.ERROR,
    title="An IKE fragment set never completed",
    explanation="The sender split a message with IKE fragmentation, but not all fragments arrived, so the "
                "receiver cannot reassemble or answer it. IKE fragments are small UDP packets, so their loss "
                "points at plain packet loss or a rate limit rather than at IP fragment filtering.",
    wire="IKEv2 SKF payloads (RFC 7383) carrying Fragment Number / Total Fragments with numbers missing, or "
         "IKEv1 fragment payloads without all numbers up to the one flagged last.",
    remedy="Look for packet loss or rate limiting of UDP 500/4500 between the peers; lowering the IKE fragment "
           "size on the sender can help when a link drops larger packets.",
    vendor_refs=(HUAWEI_51, HUAWEI_50),
)

LARGE_UNFRAGMENTED = CatalogEntry(
    code="ike.large_unfragmented",
    severity=Severity.ERROR,
    title="A large message sent without IKE fragmentation went unanswered",
    explanation="A message too big for one packet was sent whole, so IP had to fragment it, and no answer came. "
                "The usual reason is a device on the path that drops IP fragments; the peer then never sees the "
                "message. It happens most with certificates in IKE_AUTH (or IKEv1 main mode messages 5/6).",
    wire="An unanswered request longer than about 1200 bytes, carried in several IP fragments, in an SA where "
         "IKE fragmentation was not negotiated (no IKEV2_FRAGMENTATION_SUPPORTED notify from both sides, or no "
         "fragmentation Vendor ID in IKEv1).",
    remedy="Enable IKE fragmentation on both gateways (strongSwan fragmentation=yes, Cisco 'crypto ikev2 "
           "fragmentation', Windows registry EnableFragmentation), or let IP fragments through the path; "
           "shorter certificate chains or smaller keys shrink the message.",
    vendor_refs=(HUAWEI_50, HUAWEI_51),
)

ENTRIES = (FRAGMENTS_LOST, IKE_FRAGMENTS_INCOMPLETE, LARGE_UNFRAGMENTED)


def _frag_support(sa: SaRecord) -> tuple[bool, bool]:
    """Whether (initiator, responder) announced IKE fragmentation support."""
    def announced(side: bool) -> bool:
        if sa.version == 2:
            return any(n == N_V2_IKEV2_FRAGMENTATION_SUPPORTED and fi == side for _, fi, n in sa.notifies)
        return any("ragmentation" in name and fi == side for fi, name in sa.vendor_ids)
    return announced(True), announced(False)


def _stalled(sa: SaRecord, ex: Exchange) -> list[MessageRef]:
    """The copies of the request ``ex`` ended on: in IKEv1 phase 1 (one exchange for all six
    messages) only the requester's last distinct message, elsewhere every request."""
    reqs = [sa.messages[i] for i in ex.messages if not sa.messages[i].response]
    if sa.version == 1 and reqs:
        last = next((m for m in reversed(reqs) if m.retransmit_of is None), reqs[-1])
        reqs = [m for m in reqs if m.frame == last.frame or m.retransmit_of == last.frame]
    return reqs


def large_unanswered(sa: SaRecord, ex: Exchange) -> str:
    """A short description when the SA failed because ``ex``'s request, large or IP-fragmented
    and not IKE-fragmented, was never answered; "" otherwise. Shared with the no-response rule."""
    if sa.outcome != "failed" or sa.failed_exchange != ex.index:
        return ""
    reqs = _stalled(sa, ex)
    if not reqs or any(m.fragment is not None for m in reqs):
        return ""
    if any(m.from_initiator != reqs[0].from_initiator and m.ts >= reqs[0].ts for m in sa.messages):
        return ""  # the peer said something after it: not silence
    biggest = max(reqs, key=lambda m: (len(m.frames), m.length))
    if biggest.length <= LARGE and len(biggest.frames) < 2:
        return ""
    what = f"{biggest.length} bytes"
    if len(biggest.frames) > 1:
        what += f" in {len(biggest.frames)} IP fragments"
    return what


def fragments_lost(ev: NetEvent) -> Iterable[Finding]:
    p = ev.problem
    if ev.kind != "problem" or p is None or p.code not in LOST_CODES:
        return
    m = _FRAMES.search(p.detail)
    frames = sorted({int(f) for f in m.group(1).replace(" ", "").split(",") if f} | {ev.frame}) if m else [ev.frame]
    evs = [Evidence(frame=f, ts=ev.ts, text="fragment of the incomplete datagram") for f in frames[:8]]
    known = p.severity is Severity.ERROR
    between = f" from {ev.src} to {ev.dst}" if ev.src else ""
    yield make(FRAGMENTS_LOST, Confidence.LIKELY if known else Confidence.POSSIBLE,
               f"an IP-fragmented datagram{between} arrived only in part: {p.detail.partition(': ')[2] or p.detail}",
               evs,
               details={"problem": p.code, "bytes_seen": p.length},
               reason=("the first fragment shows IKE ports; the rest may have been lost on the path or by the "
                       "capture" if known else "the first fragment is missing, so it may not have been IKE"),
               severity=None if known else Severity.WARNING)


def fragments_incomplete(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """One finding per incomplete message, the first ``MAX_SETS_LISTED``; the rest of a storm of them in one SA
    (a peer that keeps sending first fragments under new message IDs) is one more finding that counts them."""
    sets: dict[tuple[bool, int, int, bool], list[MessageRef]] = {}
    for m in sa.messages:
        if m.fragment is not None:
            sets.setdefault((m.from_initiator, m.exchange, m.message_id, m.response), []).append(m)
    if not sets:
        return
    exchange_of = {id(sa.messages[i]): e for e in sa.exchanges for i in e.messages}
    found = [f for key, msgs in sets.items()
             if (f := _incomplete_set(sa, key, msgs, exchange_of.get(id(msgs[0])))) is not None]
    yield from found[:MAX_SETS_LISTED]
    rest = found[MAX_SETS_LISTED:]
    if rest:
        ids = sorted(f.details["message_id"] for f in rest)
        names = sorted({f.details["exchange"] for f in rest})
        # a warning: the count ranks below the messages described, one of which is the root cause
        yield make(IKE_FRAGMENTS_INCOMPLETE, Confidence.LIKELY,
                   f"{len(rest):,} more {' and '.join(names)} messages of this SA were sent as IKE fragments and "
                   f"never completed either (message IDs {ids[0]} to {ids[-1]})",
                   [f.evidence[0] for f in rest[:8]], sa=sa.id,
                   details={"more_messages": len(rest), "message_ids": ids[:20]},
                   reason="the fragment numbers in the capture leave gaps", severity=Severity.WARNING)


def _incomplete_set(sa: SaRecord, key: tuple[bool, int, int, bool], msgs: list[MessageRef],
                    ex: Exchange | None) -> Finding | None:
    """The finding for one message sent as IKE fragments (``msgs``, in exchange ``ex``), if it never completed."""
    from_init, exchange, msgid, response = key
    numbers = {m.fragment[0] for m in msgs if m.fragment}
    # IKEv2 carries the total in every fragment; IKEv1 only in the one flagged last (0 elsewhere).
    total = max((m.fragment[1] for m in msgs if m.fragment), default=0)
    missing = sorted(set(range(1, total + 1)) - numbers) if total else []
    if total and not missing:
        return None
    if ex is not None and not response and ex.answered:
        return None  # the receiver had the whole message; the capture missed a piece
    name = reg.exchange_name(sa.version, exchange)
    side = "initiator" if from_init else "responder"
    have = ", ".join(str(n) for n in sorted(numbers))
    gap = (f"fragments {', '.join(map(str, missing))} of {total} never arrived" if total
           else "the last fragment never arrived")
    details: dict[str, Any] = {"exchange": name, "message_id": msgid, "received": sorted(numbers),
                               "total": total or None}
    return make(IKE_FRAGMENTS_INCOMPLETE, Confidence.LIKELY,
                f"{name} {'response' if response else 'request'} from the {side} was sent as IKE fragments; "
                f"{gap} (have {have})",
                [evidence(m, f"IKE fragment {m.fragment[0]}" if m.fragment else "IKE fragment")
                 for m in msgs[:8]],
                sa=sa.id, exchange=ex.index if ex else None, details=details,
                reason="the fragment numbers in the capture leave gaps; the receiver never answered",
                severity=None if not response and ex is not None and not ex.answered else Severity.WARNING)


def large_unfragmented(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    i_frag, r_frag = _frag_support(sa)
    for ex in sa.exchanges:
        what = large_unanswered(sa, ex)
        if not what:
            continue
        reqs = _stalled(sa, ex)
        name = reg.exchange_name(sa.version, ex.exchange)
        if i_frag and r_frag:
            negotiated = "although both sides announced IKE fragmentation"
        elif i_frag or r_frag:
            negotiated = f"only the {'initiator' if i_frag else 'responder'} announced IKE fragmentation"
        else:
            negotiated = "IKE fragmentation was not negotiated"
        alive = any(m.from_initiator != reqs[0].from_initiator for m in sa.messages if m.ts < reqs[0].ts)
        ev = [evidence(m, f"{name} request, {m.length} bytes in {len(m.frames)} IP fragment(s)") for m in reqs[:6]]
        yield make(LARGE_UNFRAGMENTED, Confidence.LIKELY if alive else Confidence.POSSIBLE,
                   f"{name} request ({what}) was sent {len(reqs)} time(s) and never answered; {negotiated}: "
                   "its fragments are likely dropped on the path", ev, sa=sa.id, exchange=ex.index,
                   details={"length": reqs[0].length, "ip_fragments": len(reqs[0].frames),
                            "fragmentation": {"initiator": i_frag, "responder": r_frag}},
                   reason=("the peer answered the smaller messages before this one, then went silent"
                           if alive else "the peer never answered anything, so it may simply be down"))


SA_RULES = (fragments_incomplete, large_unfragmented)
NET_RULES = (fragments_lost,)
