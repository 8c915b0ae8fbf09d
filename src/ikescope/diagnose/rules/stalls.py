"""Negotiations that stop although nobody refused anything: answers the requester never
takes up, answers that lose a piece on their way back, and an initiator that never goes on
after the answer it asked for.

A responder that considers an exchange done answers every copy of its request again with
the answer it cached (RFC 7296 2.1; IKEv1 responders resend their last message). A
requester that keeps sending copies regardless has no usable answer. From one capture point
two reasons look the same: the answer is lost between the capture and the requester, or it
arrives and the requester throws it away because it fails the integrity check. Keys settle
half of it: the responder answered, so it verified the request and derived the same keys as
the requester; an answer that fails its ICV in the capture was changed after the responder
sealed it, and one that passes was intact at least this far.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...model import Severity
from ...track.outcome import ignored_answers
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire import registry as reg
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_MAIN,
    EX_V2_IKE_AUTH,
    EX_V2_IKE_SA_INIT,
    N_V2_COOKIE,
    N_V2_INVALID_KE_PAYLOAD,
    N_V2_NAT_DETECTION_SOURCE_IP,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, VendorRef, evidence, make
from .fragments import HUAWEI_51
from .keys import KEY_FAILURES
from .nat import behind_nat
from .probes import prepares_to_go_on

MAX_EVIDENCE = 8

RESPONSE_IGNORED = CatalogEntry(
    code="ike.response_ignored",
    severity=Severity.ERROR,
    title="The requester does not take up the answers",
    explanation="The responder answered the request, and answered again every time the requester repeated it, "
                "yet the requester went on repeating as if nothing had come back and the negotiation went no "
                "further. The answers either never reach the requester (lost between the capture point and the "
                "requester: a firewall or NAT that passes only one direction, an asymmetric route), or reach it "
                "and are thrown away: they fail its integrity check or cannot be decrypted, because their bytes "
                "were changed on the way (a device rewriting UDP payloads, a faulty checksum or segmentation "
                "offload on a network card) or because the requester itself is at fault. The responder typically "
                "logs the SA as established while the requester logs retransmissions and a timeout.",
    wire="A request repeated several times after its response, each copy answered again with the same bytes "
         "(an IKEv2 responder replays its cached answer, RFC 7296 2.1; an IKEv1 responder resends its last "
         "message), and nothing new from the requester afterwards.",
    remedy="Capture on the requester's side as well. If the answers are missing there, find what drops them "
           "between the two capture points (filters on UDP 500/4500 in the return direction, NAT mappings, "
           "routing). If they arrive, read the requester's log for integrity or decryption errors (strongSwan: "
           "'integrity check failed'; libreswan: 'failed to match authenticator'), switch off checksum and "
           "segmentation offloads on its interfaces to test, and look for devices that rewrite UDP payloads. "
           "With the keys (--keys) ikescope checks whether the captured answers are intact.",
    vendor_refs=(VendorRef("ZyWALL", "!! Duplicate requests with the same cookie"),),
)

RESPONSE_LOST = CatalogEntry(
    code="ike.response_lost",
    severity=Severity.ERROR,
    title="Part of the answer is lost on its way back",
    explanation="The responder answered with a message split into IKE fragments, and answered every copy of "
                "the request the same way, but the same fragment is missing from every answer in the capture. "
                "Without it the requester cannot put the answer together, so it keeps asking until it gives up. "
                "IKE fragments are ordinary UDP datagrams, so one that never passes points at something on the "
                "path that drops that particular packet (by size, or by a rule that matches its bytes) rather "
                "than at random loss.",
    wire="A request repeated after its answer; each answer is a set of IKEv2 SKF fragments (RFC 7383) or IKEv1 "
         "fragments in which the same numbers never appear.",
    remedy="Look for what drops the missing fragment between the responder and the capture point: an MTU "
           "smaller than the fragment (lower the responder's IKE fragment size), a firewall or IPS rule, or a "
           "rate limit on UDP 500/4500. A capture on the responder's side shows whether it sent the fragment.",
    vendor_refs=(HUAWEI_51,),
)

INITIATOR_SILENT = CatalogEntry(
    code="ike.initiator_silent",
    severity=Severity.ERROR,
    title="The initiator never goes on after the answer",
    explanation="The responder answered the initiator's first request (or main mode message 3), and then "
                "nothing more came from the initiator: no IKE_AUTH (or main mode message 5), not on UDP 500 and "
                "not on UDP 4500. The initiator had shown that it meant to go on (NAT detection in its "
                "IKE_SA_INIT, or main mode message 3); a lone first message left at the answer is ike.probe. When a NAT was detected, the initiator moves to UDP 4500 for exactly that "
                "message, so a path that blocks UDP 4500 (or a NAT that does not forward it) swallows it before "
                "it reaches the capture point; many initiators move to 4500 even without a NAT. Otherwise the "
                "initiator gave up on the answer: it could not use it (a proposal, key exchange or cookie it "
                "cannot handle), its own configuration lacks what the next message needs (identity, key, "
                "certificate), or it never meant to go on (some clients open IKE_SA_INIT with several servers "
                "and continue with one).",
    wire="IKEv2: IKE_SA_INIT with NAT detection notifies, answered without an error, then no IKE_AUTH from the "
         "initiator until the capture ends. IKEv1: main mode message 4, then nothing from the initiator.",
    remedy="Capture on the initiator's side or read its log: if it sends the next message, follow it along the "
           "path and open UDP 4500 (and forward it through the NAT) where it disappears; if it does not, its "
           "log says why it gave up on the answer.",
)

ENTRIES = (RESPONSE_IGNORED, RESPONSE_LOST, INITIATOR_SILENT)

CONFIRM = ("the requester's log (integrity errors, or nothing received), a capture on its side, or the keys "
           "(--keys) would tell which")


def _name(sa: SaRecord, ex: Exchange, request: MessageRef | None = None) -> str:
    """The exchange's name; in IKEv1 phase 1 (one exchange for all its messages) with the number
    of ``request`` in it."""
    if sa.version == 1 and ex.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE):
        mode = "main mode" if ex.exchange == EX_V1_MAIN else "aggressive mode"
        if request is None:
            return mode
        k = sum(1 for i in ex.messages if sa.messages[i].from_initiator == request.from_initiator
                and sa.messages[i].retransmit_of is None and sa.messages[i].frame <= request.frame)
        return f"{mode} message {2 * k - 1}"
    return reg.exchange_name(sa.version, ex.exchange)


def _request_word(name: str) -> str:
    """"IKE_AUTH request", but "main mode message 1" as it is."""
    return name if " message " in name else f"{name} request"


def _answers(sa: SaRecord, ex: Exchange, after: MessageRef) -> list[MessageRef]:
    """The peer's messages of ``ex`` from ``after`` on: the answer and its repetitions."""
    return [sa.messages[i] for i in ex.messages
            if sa.messages[i].from_initiator != ex.requester_is_initiator and sa.messages[i].frame > after.frame]


def _request(sa: SaRecord, copies: list[MessageRef]) -> MessageRef:
    original = copies[0].retransmit_of
    return next(m for m in sa.messages if m.frame == original)


def _missing_fragments(answers: list[MessageRef]) -> list[int]:
    """Fragment numbers absent from every transmission of a fragmented answer ([] if it is whole)."""
    frags = [m.fragment for m in answers if m.fragment is not None]
    if not frags or len(frags) < len(answers):
        return []
    # IKEv2 repeats the total in each fragment; IKEv1 names it only in the one flagged last.
    total = max(t for _, t in frags)
    seen = {n for n, _ in frags}
    if not total:
        return [max(seen) + 1]
    return sorted(set(range(1, total + 1)) - seen)


def response_ignored(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    for ex in sa.exchanges:
        copies = ignored_answers(sa, ex)
        if not copies:
            continue
        request = _request(sa, copies)
        answers = _answers(sa, ex, request)
        if _missing_fragments(answers):
            continue  # ike.response_lost
        name = _name(sa, ex, request)
        requester, responder = role_name(ex.requester_is_initiator), role_name(not ex.requester_is_initiator)
        head = (f"{name} from the {requester} was answered, then sent {len(copies)} more time(s), each copy "
                f"answered again; the {requester} does not take the answers up")
        details: dict[str, Any] = {"exchange": name, "requester": requester, "copies_after_answer": len(copies),
                                   "answers": len(answers), "answers_intact": None}
        broken = [m for m in answers if any(p.code in KEY_FAILURES for p in m.problems)]
        opened = [m for m in answers if m.decrypted]
        keys_fit = any(m.decrypted for m in sa.messages if m.from_initiator == ex.requester_is_initiator)
        if broken and keys_fit:
            details["answers_intact"] = False
            confidence = Confidence.CERTAIN
            summary = (f"{head}; the captured answers fail their integrity check with the keys that open the "
                       f"{requester}'s messages, so they were changed after the {responder} sealed them (on the "
                       f"way to this capture point, or in the {responder}'s own sending path) and the {requester} "
                       "rightly drops them")
            reason = (f"the {responder} answered, so it verified the request and holds the same keys; its answers "
                      "as captured do not verify with them")
        elif opened:
            details["answers_intact"] = True
            confidence = Confidence.LIKELY
            summary = (f"{head}; the captured answers are intact, so they are lost or changed after this capture "
                       f"point, or the {requester} drops them itself (its receive path: a network card offload, a "
                       "local firewall, a fault in the implementation)")
            reason = ("the answers verify with the keys, so they were good as far as the capture point; a capture "
                      f"on the {requester}'s side or its log would tell whether they arrived")
        elif any(m.encrypted for m in answers):
            confidence = Confidence.LIKELY
            summary = (f"{head}: they do not reach it (lost after the capture point) or fail its integrity check "
                       "(changed on the way)")
            reason = f"a requester that repeats an answered request has no usable answer; {CONFIRM}"
        else:
            confidence = Confidence.LIKELY
            summary = (f"{head}: they do not reach it (lost after the capture point), or it cannot use them "
                       "(changed on the way, or content it silently rejects)")
            reason = ("a requester that repeats an answered request has no usable answer; the answers are in "
                      f"clear, so a capture on the {requester}'s side or its log would tell which")
        flaw = {m.frame: " (fails its integrity check)" for m in broken}
        ev = [evidence(request, f"{_request_word(name)} from the {requester}"),
              evidence(answers[0], f"the {responder}'s answer" + flaw.get(answers[0].frame, ""))]
        for c in copies[:3]:
            ev.append(evidence(c, "the same request again, after the answer"))
            reply = next((m for m in answers if m.frame > c.frame), None)
            if reply is not None:
                ev.append(evidence(reply, "answered again" + flaw.get(reply.frame, "")))
        yield make(RESPONSE_IGNORED, confidence, summary, ev[:MAX_EVIDENCE], sa=sa.id, exchange=ex.index,
                   reason=reason, details=details)


def response_lost(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    for ex in sa.exchanges:
        copies = ignored_answers(sa, ex)
        if not copies:
            continue
        request = _request(sa, copies)
        answers = _answers(sa, ex, request)
        missing = _missing_fragments(answers)
        if not missing:
            continue
        name = _name(sa, ex, request)
        requester, responder = role_name(ex.requester_is_initiator), role_name(not ex.requester_is_initiator)
        rounds = len(copies) + 1
        which = ", ".join(map(str, missing))
        ev = [evidence(request, f"{_request_word(name)} from the {requester}")]
        ev += [evidence(m, f"answer fragment {m.fragment[0] if m.fragment else '?'}") for m in answers[:3]]
        ev += [evidence(c, "the request again: the answer could not be put together") for c in copies[:3]]
        ev.sort(key=lambda e: e.frame)
        yield make(RESPONSE_LOST, Confidence.LIKELY,
                   f"the {responder} answered {name} {rounds} times in IKE fragments, and fragment(s) {which} "
                   f"never appear in any of them: the piece is lost between the {responder} and this capture "
                   f"point, so the {requester} cannot reassemble the answer and keeps asking", ev[:MAX_EVIDENCE],
                   sa=sa.id, exchange=ex.index,
                   details={"exchange": name, "missing_fragments": missing, "answers": rounds},
                   reason="the same fragment numbers are missing from every repetition of the answer, which random "
                          "loss (or a capture that dropped packets) would not do")


def _quiet(sa: SaRecord) -> float:
    """Seconds the capture went on after the SA's last message."""
    return max(0.0, sa.closed_at[0] - sa.last_ts) if sa.closed_at is not None else 0.0


def _stopped_answer(sa: SaRecord) -> tuple[Exchange, MessageRef, str] | None:
    """The exchange, the responder's answer and the name of the message the initiator owed next,
    when the SA failed on the initiator's turn with nothing from it after that answer."""
    if sa.outcome != "failed" or sa.failed_exchange is None or sa.failed_exchange >= len(sa.exchanges):
        return None
    ex = sa.exchanges[sa.failed_exchange]
    if ignored_answers(sa, ex):
        return None  # ike.response_ignored
    if sa.version >= 2:
        if ex.exchange != EX_V2_IKE_SA_INIT or any(e.exchange == EX_V2_IKE_AUTH for e in sa.exchanges):
            return None
        req, resp = sa.request(ex), sa.response(ex)
        if req is None or resp is None or any(reg.notify_is_error(2, n) or n in (N_V2_COOKIE, N_V2_INVALID_KE_PAYLOAD)
                                              for n in resp.notifies):
            return None
        if not prepares_to_go_on(sa, req):
            return None  # a first message alone, from an initiator that did not prepare to go on: ike.probe
        nxt = "IKE_AUTH"
    else:
        # Main mode message 5, after the initiator has shown with message 3 that it means to go on
        # (one first message answered and left is ike.probe's).
        if ex.exchange != EX_V1_MAIN:
            return None
        msgs = [sa.messages[i] for i in ex.messages if sa.messages[i].retransmit_of is None]
        if len(msgs) != 4 or msgs[-1].from_initiator or any(reg.notify_is_error(1, n) for m in msgs
                                                             for n in m.notifies):
            return None
        resp = msgs[-1]
        nxt = "main mode message 5"
    if any(m.from_initiator and m.frame > resp.frame for m in sa.messages):
        return None
    return ex, resp, nxt


def initiator_silent(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    found = _stopped_answer(sa)
    if found is None:
        return
    ex, resp, nxt = found
    name = _name(sa, ex)
    req = sa.request(ex) if sa.version >= 2 else next(
        (m for m in reversed(sa.messages) if m.from_initiator and m.frame < resp.frame), None)
    quiet = _quiet(sa)
    nat = bool(behind_nat(sa))
    nat_t = sa.version >= 2 and {fi for _, fi, n in sa.notifies if n == N_V2_NAT_DETECTION_SOURCE_IP} == {True, False}
    ev = [evidence(req, f"{_request_word(_name(sa, ex, req))} from the initiator")] if req is not None else []
    ev.append(evidence(resp, f"the responder's answer; nothing from the initiator after it for {quiet:.1f} s"))
    details: dict[str, Any] = {"next": nxt, "quiet_seconds": round(quiet, 3), "nat": nat}
    if nat:
        summary = (f"{name} was answered and showed a NAT, but the initiator's {nxt} never came, on UDP 4500 or "
                   f"anywhere ({quiet:.1f} s of capture after the answer): either UDP 4500, where the NAT makes "
                   "the initiator move, is blocked between it and this capture point, or the initiator gave up "
                   "on the answer")
        reason = ("with a NAT the initiator sends its next message to UDP 4500 at once (RFC 7296 2.23, RFC 3947 4); "
                  "the initiator's log or a capture on its side would confirm that it sent it")
    else:
        tail = (" (many initiators move to UDP 4500 here whenever both sides support NAT traversal, so a filter on "
                "UDP 4500 does the same)" if nat_t else "")
        summary = (f"{name} was answered, but the initiator never sent {nxt} ({quiet:.1f} s of capture after the "
                   "answer): it gave up on the answer, or its next message was lost before this capture point"
                   + tail)
        reason = ("an initiator sends its next message within milliseconds of the answer; its log says whether it "
                  "gave up or sent it")
    yield make(INITIATOR_SILENT, Confidence.LIKELY, summary, ev, sa=sa.id, exchange=ex.index, details=details,
               reason=reason)


SA_RULES = (response_ignored, response_lost, initiator_silent)
