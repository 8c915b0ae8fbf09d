"""IKE_SA_INIT sent again because the responder asked for something first: a cookie, or another
Diffie-Hellman group. Neither is a failure, but each costs a round trip before the IKE SA can
start, and a gateway that asks for cookies is telling something about its load.

RFC 7296 2.6: a responder that holds many half-open negotiations (or is set to) answers the
first IKE_SA_INIT with only N(COOKIE); the initiator repeats the request with that notify
first. RFC 7296 1.2 and 3.10.1: INVALID_KE_PAYLOAD names the group the responder wants, and
the initiator repeats the request with a KE of it. The tracker keeps each repeat as an
exchange that restarts the one before (``Exchange.attempt_of``), with the notify that caused
it (``retry_reason``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ...model import Severity
from ...track.records import Exchange, SaRecord
from ...wire import registry as reg
from ...wire.numbers import EX_V2_IKE_SA_INIT, N_V2_COOKIE
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, evidence, make

# A COOKIE this close to the end of the capture may simply have had no time to be answered.
GRACE = 2.0

COOKIE_CHALLENGE = CatalogEntry(
    code="ike.cookie_challenge",
    severity=Severity.INFO,
    title="The responder demanded a cookie first",
    explanation="The responder answered the first IKE_SA_INIT with a COOKIE instead of its proposal: before it "
                "spends memory and a Diffie-Hellman computation on a new negotiation, it wants proof that the "
                "initiator really owns its address. Gateways do this when they hold many half-open "
                "negotiations (a flood, or many tunnels starting at once after a reboot) or when they are set "
                "to always ask. The initiator repeats IKE_SA_INIT with the cookie and the negotiation goes on, "
                "one round trip later. If the initiator never comes back with the cookie, the negotiation ends "
                "there: the COOKIE answer did not reach it, or it does not support cookies.",
    wire="An IKE_SA_INIT response holding only N(COOKIE) (16390), then the same request again with that COOKIE "
         "notify as its first payload (RFC 7296 2.6).",
    remedy="Nothing is broken when the negotiation went on. If every negotiation pays the extra round trip, "
           "find out why the responder counts so many half-open negotiations (peers that stop after the first "
           "message, a flood, many tunnels starting together) or whether it is set to always ask (libreswan "
           "ddos-mode=busy, strongSwan cookie_threshold). If the initiator never returns the cookie, check that "
           "the answer reaches it and that it supports cookies.",
    versions=(2,),
)

ENTRIES = (COOKIE_CHALLENGE,)


@dataclass(frozen=True, slots=True)
class Retry:
    """One IKE_SA_INIT that was answered with a request for something, and the repeat that gave it.

    seconds: from the refused request's first transmission to the repeat, which is what the
    detour cost in time (a lost answer and its retransmissions included)."""

    refused: Exchange
    retry: Exchange | None
    reason: int
    seconds: float | None


def init_retries(sa: SaRecord) -> list[Retry]:
    """Every IKE_SA_INIT the responder sent back for a cookie or another group, in order."""
    if sa.version != 2:
        return []
    inits = [e for e in sa.exchanges if e.exchange == EX_V2_IKE_SA_INIT]
    out = []
    for ex in inits:
        retry = next((e for e in inits if e.attempt_of == ex.index), None)
        reason = retry.retry_reason if retry is not None else _asked_for(sa, ex)
        if reason is None:
            continue
        seconds = retry.first_ts - ex.first_ts if retry is not None else None
        out.append(Retry(ex, retry, reason, seconds))
    return out


def _asked_for(sa: SaRecord, ex: Exchange) -> int | None:
    resp = sa.response(ex)
    return N_V2_COOKIE if resp is not None and N_V2_COOKIE in resp.notifies else None


def cost_text(sa: SaRecord, this: Retry) -> str:
    """The cost of one retry, and of all of them when there were several."""
    text = "one extra round trip"
    if this.seconds is not None:
        text += f" ({this.seconds * 1000:.3g} ms from the refused request to the repeat)"
    everything = [r for r in init_retries(sa) if r.retry is not None]
    if len(everything) > 1:
        names = ", ".join(reg.notify_name(2, r.reason) for r in everything)
        total = sum(r.seconds or 0.0 for r in everything)
        text += (f"; {len(everything)} extra round trips in all before the IKE SA could start ({names}, "
                 f"{total * 1000:.3g} ms)")
    return text


def cookie_challenge(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    for r in init_retries(sa):
        if r.reason != N_V2_COOKIE:
            continue
        req, resp = sa.request(r.refused), sa.response(r.refused)
        if req is None or resp is None:
            continue
        ev = [evidence(req, "IKE_SA_INIT from the initiator"), evidence(resp, "the responder asks for a COOKIE")]
        details = {"round_trips": 1, "seconds": None if r.seconds is None else round(r.seconds, 6)}
        if r.retry is not None and (again := sa.request(r.retry)) is not None:
            ev.append(evidence(again, "IKE_SA_INIT again, with the cookie"))
            yield make(COOKIE_CHALLENGE, Confidence.CERTAIN,
                       f"the responder demanded a cookie before it would negotiate (it is under load or set to ask "
                       f"every peer), and the initiator repeated IKE_SA_INIT with it: {cost_text(sa, r)}",
                       ev, sa=sa.id, exchange=r.refused.index, details=details,
                       reason="the COOKIE notify and the repeated request carrying it are in clear")
            continue
        end = max(sa.last_ts, sa.closed_at[0] if sa.closed_at is not None else 0.0)
        if end - resp.ts < GRACE:
            continue  # the capture ends before the initiator could answer
        later = [sa.messages[i] for i in r.refused.messages if sa.messages[i].ts > resp.ts]
        copies = [m for m in later if m.from_initiator]
        if copies:  # it asked again without the cookie: the demand did not reach it, or it cannot use one
            again = len([m for m in later if not m.from_initiator]) >= len(copies)
            why = (f"and the initiator repeated IKE_SA_INIT {len(copies)} more time(s) without it"
                   + (", each answered with a COOKIE again" if again else "")
                   + ": the demand does not reach it (lost after this capture point), or it does not support "
                     "cookies")
            ev.append(evidence(copies[0], "IKE_SA_INIT again, without the cookie"))
        else:
            why = "and the initiator never repeated IKE_SA_INIT with it: the negotiation stopped there"
        details["copies_without_cookie"] = len(copies)
        yield make(COOKIE_CHALLENGE, Confidence.CERTAIN, "the responder demanded a cookie, " + why, ev, sa=sa.id,
                   exchange=r.refused.index, details=details,
                   reason="the COOKIE notify is in clear and no IKE_SA_INIT carrying it follows",
                   severity=Severity.WARNING)


SA_RULES = (cookie_challenge,)
