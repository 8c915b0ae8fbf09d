"""Decides how each IKE SA ended, from the finished record alone.

The verdict is the tracker's reading of the message flow; diagnosis later says
*why*. Without keys the decisive IKEv2 messages are encrypted, but the type of
the first encrypted payload travels in clear (RFC 7296 3.14: the SK payload's
Next Payload field), and an IKE_AUTH response that opens with a Notify rather
than IDr is, in practice, an error response. Such verdicts say "likely" in
``outcome_detail``.
"""

from __future__ import annotations

from ..model import Severity
from ..wire.registry import notify_is_error, notify_name
from ..wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V1_QUICK,
    EX_V1_TRANSACTION,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_IKE_AUTH,
    EX_V2_IKE_SA_INIT,
    EX_V2_INFORMATIONAL,
    N_V2_COOKIE,
    N_V2_REDIRECT,
    N_V2_INVALID_KE_PAYLOAD,
    PL_V2_D,
    PL_V2_EAP,
    PL_V2_IDR,
    PL_V2_N,
    PL_V2_SA,
)
from .records import Exchange, MessageRef, SaRecord

# A request unanswered this close to the end of the capture may simply be cut off.
GRACE_SECONDS = 2.0
# A peer whose turn it is goes on within milliseconds once it has an answer; this much quiet
# (room for a slow DH or signature) means it stopped there.
STALL_SECONDS = 4.0
# Copies of an answered request, each answered again, that show the requester does not take
# the answers up: one copy is an ordinary crossing of a retransmission with a late answer.
IGNORED_COPIES = 2


def _error_notifies(m: MessageRef, version: int) -> list[int]:
    return [n for n in m.notifies if notify_is_error(version, n)]


def _unanswered(sa: SaRecord, ex: Exchange, end_ts: float, what: str) -> None:
    last = max(sa.messages[i].ts for i in ex.messages)
    # Every message of an unanswered exchange is a request: copies, or the request sent anew.
    tries = len(ex.messages)
    if tries == 1 and end_ts - last < GRACE_SECONDS:
        sa.outcome, sa.outcome_detail = "incomplete", f"the capture ends right after the {what} request"
    else:
        sa.outcome = "failed"
        sa.outcome_detail = f"no response to {what} ({tries} transmission{'s' if tries > 1 else ''})"
    sa.failed_exchange = ex.index


def ignored_answers(sa: SaRecord, ex: Exchange) -> list[MessageRef]:
    """The copies of ``ex``'s last request that its requester sent after the peer had answered it,
    when each was answered again and the requester sent nothing new after the first answer.

    A requester that keeps asking while every copy is answered has not taken the answers up:
    they do not reach it, or it cannot use them. Empty when there are fewer than
    IGNORED_COPIES such copies. In IKEv1 phase 1 the request is the requester's last step
    (message 1, 3 or 5); a request sent in IKE or IKEv1 fragments counts once per repetition.
    """
    side = ex.requester_is_initiator
    idx = ex.messages
    last = next((k for k in range(len(idx) - 1, -1, -1)
                 if sa.messages[idx[k]].from_initiator == side and sa.messages[idx[k]].retransmit_of is None), None)
    if last is None:
        return []
    # The step's fragments: the requester's new messages since the peer's last new one before it.
    step = {sa.messages[idx[last]].frame}
    for k in range(last - 1, -1, -1):
        m = sa.messages[idx[k]]
        if m.from_initiator != side and m.retransmit_of is None:
            break
        if m.from_initiator == side and m.retransmit_of is None:
            step.add(m.frame)
    answer = next((idx[k] for k in range(last + 1, len(idx)) if sa.messages[idx[k]].from_initiator != side), None)
    if answer is None:
        return []
    # A refusal the requester ignores is explained by the refusal. A COOKIE demand is no refusal: a
    # requester that keeps repeating its request without the cookie has not taken the demands up.
    if any(n == N_V2_INVALID_KE_PAYLOAD or notify_is_error(sa.version, n)
           for k in range(last + 1, len(idx)) if sa.messages[idx[k]].from_initiator != side
           for n in sa.messages[idx[k]].notifies):
        return []
    # Each repetition of the request starts with a copy of its first fragment; the peer answers
    # it once it recognises the copy, which may be before the copy's last fragment.
    first = min(step)
    rounds: list[MessageRef] = []
    answered: list[bool] = []
    mine = set(idx)
    for j in range(answer + 1, len(sa.messages)):
        m = sa.messages[j]
        if m.from_initiator != side:
            if j in mine and rounds:
                answered[-1] = True
            continue
        if m.retransmit_of not in step:
            return []  # the requester went on with something else
        if m.retransmit_of == first:
            rounds.append(m)
            answered.append(False)
    if rounds and not answered[-1]:
        rounds.pop()  # the last copy's answer is not in the capture
        answered.pop()
    if not all(answered):
        return []  # the peer stopped answering: silence, not answers left unused
    return rounds if len(rounds) >= IGNORED_COPIES else []


def conclude(sa: SaRecord, end_ts: float) -> None:
    """Fill ``outcome``, ``outcome_detail``, ``failed_exchange``, ``child_sas`` and
    ``established_ts`` of a closed SA; ``end_ts`` is the last time in the capture.

    It may run more than once on an open SA (the tracker asks early whether an outcome is
    settled), so it starts from a blank verdict each time."""
    sa.outcome, sa.outcome_detail, sa.failed_exchange = "incomplete", "", None
    sa.child_sas, sa.established_ts, sa.deleted_by_initiator = 0, None, None
    if sa.version >= 2:
        _conclude_v2(sa, end_ts)
    else:
        _conclude_v1(sa, end_ts)


def _conclude_v2(sa: SaRecord, end_ts: float) -> None:
    inits = [e for e in sa.exchanges if e.exchange == EX_V2_IKE_SA_INIT]
    auths = [e for e in sa.exchanges if e.exchange == EX_V2_IKE_AUTH]
    if inits:
        last = inits[-1]
        if not last.answered:
            _unanswered(sa, last, end_ts, "IKE_SA_INIT")
            return
        resp = sa.response(last)
        errors = _error_notifies(resp, 2) if resp else []
        if sa.restarted_as is not None and resp is not None and N_V2_INVALID_KE_PAYLOAD in resp.notifies:
            sa.outcome = "restarted"
            sa.outcome_detail = f"INVALID_KE_PAYLOAD; the initiator started over as SA {sa.restarted_as}"
            sa.failed_exchange = last.index
            return
        if sa.redirect_to is not None and resp is not None and N_V2_REDIRECT in resp.notifies:
            followed = sa.redirected_as is not None
            sa.outcome = "restarted" if followed else "incomplete"
            sa.outcome_detail = (f"redirected to {sa.redirect_to} (REDIRECT, RFC 5685); " +
                                 (f"the initiator followed as SA {sa.redirected_as}" if followed else
                                  "no attempt there in the capture"))
            sa.failed_exchange = last.index
            return
        if errors or (resp and N_V2_COOKIE in resp.notifies):
            sa.outcome = "failed"
            sa.failed_exchange = last.index
            what = notify_name(2, errors[0]) if errors else "a COOKIE the initiator never returned"
            sa.outcome_detail = f"IKE_SA_INIT answered with {what}"
            return
        if not auths:
            if _answers_ignored(sa, last, "IKE_SA_INIT"):
                return
            sa.outcome, sa.outcome_detail = "incomplete", "IKE_SA_INIT done, no IKE_AUTH in the capture"
            if end_ts - (last.response_ts or last.first_ts) >= STALL_SECONDS:
                sa.outcome = "failed"
                sa.outcome_detail = "IKE_SA_INIT done but the initiator never sent IKE_AUTH"
                sa.failed_exchange = last.index
            return
    if auths:
        last = auths[-1]
        if not last.answered:
            _unanswered(sa, last, end_ts, "IKE_AUTH")
            return
        if _answers_ignored(sa, last, "IKE_AUTH"):
            return
        resp = sa.response(last)
        if resp is not None and resp.decrypted:
            errors = _error_notifies(resp, 2)
            if errors and PL_V2_IDR not in resp.inner_payloads:
                sa.outcome, sa.failed_exchange = "failed", last.index
                sa.outcome_detail = f"IKE_AUTH answered with {notify_name(2, errors[0])}"
                return
        elif resp is not None and resp.inner_next == PL_V2_N:
            sa.outcome = "failed"
            sa.failed_exchange = last.index
            sa.outcome_detail = "IKE_AUTH answered with an encrypted Notify first (likely an error such as " \
                                "AUTHENTICATION_FAILED or TS_UNACCEPTABLE)"
            return
        if resp is not None and resp.encrypted is False and _error_notifies(resp, 2):
            sa.outcome, sa.failed_exchange = "failed", last.index
            sa.outcome_detail = f"IKE_AUTH answered with {notify_name(2, _error_notifies(resp, 2)[0])}"
            return
        if resp is not None and resp.inner_next == PL_V2_EAP:
            _eap_ended(sa, last, end_ts)
            return
        sa.outcome, sa.outcome_detail = "established", ""
        sa.established_ts = last.response_ts
        auth_resp = resp
        children: list[bool | None] = [_child_created(sa, last)]
    else:
        # The SA was negotiated before the capture started: judge by what follows. Messages the
        # decoder could not read (a fuzzed header, an unknown version) prove no SA at all.
        answered = [e for e in sa.exchanges if e.answered]
        if all(any(p.severity is Severity.ERROR for p in m.problems) for m in sa.messages):
            sa.outcome, sa.outcome_detail = "incomplete", "only malformed messages: no SA can be told from them"
        else:
            sa.outcome = "established" if answered else "incomplete"
            sa.outcome_detail = ("created by a rekey of SA " + str(sa.rekeyed_from) if sa.rekeyed_from is not None
                                 else "negotiated before the capture started")
        auth_resp = None
        children = []
    children += [_child_created(sa, e) for e in sa.exchanges if e.exchange == EX_V2_CREATE_CHILD_SA and e.answered]
    sa.child_sas = None if None in children else sum(1 for c in children if c)
    if auth_resp is not None and children[0] is False:
        refusal = next((n for n in auth_resp.notifies if notify_is_error(2, n)), None)
        if refusal is not None:
            sa.outcome_detail = f"the IKE SA is up, but its CHILD SA was refused ({notify_name(2, refusal)})"
    _v2_deleted(sa)


def _answers_ignored(sa: SaRecord, ex: Exchange, what: str) -> bool:
    """Fail the SA on ``ex`` when its requester kept asking although every copy was answered."""
    copies = ignored_answers(sa, ex)
    if not copies:
        return False
    sa.outcome, sa.failed_exchange = "failed", ex.index
    sa.outcome_detail = (f"the {'initiator' if ex.requester_is_initiator else 'responder'} sent {what} "
                         f"{len(copies)} more time(s) after it was answered, and each copy was answered: the "
                         "answers do not reach it or it cannot use them")
    return True


def _eap_ended(sa: SaRecord, ex: Exchange, end_ts: float) -> None:
    """IKE_AUTH whose last answer opens with EAP: the EAP rounds are not over, so the SA is up only
    after the initiator's final AUTH (RFC 7296 2.16). The responder's last word being EAP means an
    EAP-Failure, or a request the initiator left alone."""
    later = any(e.index > ex.index for e in sa.exchanges)
    if sa.eap_failure is None and not later and end_ts - (ex.response_ts or ex.first_ts) < STALL_SECONDS:
        sa.outcome, sa.outcome_detail = "incomplete", "the capture ends during the EAP rounds of IKE_AUTH"
        return
    sa.outcome, sa.failed_exchange = "failed", ex.index
    sa.outcome_detail = ("IKE_AUTH ended with an EAP-Failure from the responder" if sa.eap_failure is not None
                         else "IKE_AUTH ended with an EAP message from the responder and the initiator never "
                              "sent its final AUTH (likely an EAP-Failure)")


def _child_created(sa: SaRecord, ex: Exchange) -> bool | None:
    """Whether an IKE_AUTH or CREATE_CHILD_SA exchange created a CHILD (or IKE) SA: its response
    carries an SA payload and no error notify. None when the response is encrypted and was not
    decrypted. An IKE_AUTH without any SA payload is a childless initiation (RFC 6023)."""
    resp = sa.response(ex)
    if resp is None:
        return False
    if resp.encrypted and not resp.decrypted:
        return None
    return PL_V2_SA in resp.payloads + resp.inner_payloads and not any(notify_is_error(2, n) for n in resp.notifies)


def _v2_deleted(sa: SaRecord) -> None:
    """An SA whose last exchange is an INFORMATIONAL opening with Delete was deleted by its requester,
    unless the answer opens with a Delete too: that is how a CHILD SA delete is answered, while an
    IKE SA delete gets an empty answer (RFC 7296 1.4.1)."""
    if not sa.exchanges:
        return
    last = sa.exchanges[-1]
    if last.exchange != EX_V2_INFORMATIONAL:
        return
    req = next((sa.messages[i] for i in last.messages if not sa.messages[i].response), None)
    resp = next((sa.messages[i] for i in last.messages if sa.messages[i].response), None)
    if req is not None and req.inner_next == PL_V2_D and (resp is None or resp.inner_next != PL_V2_D):
        sa.outcome = "deleted"
        sa.deleted_by_initiator = last.requester_is_initiator
        sa.outcome_detail = "deleted by the " + ("initiator" if last.requester_is_initiator else "responder")


def _conclude_v1(sa: SaRecord, end_ts: float) -> None:
    phase1 = next((e for e in sa.exchanges if e.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)), None)
    sa.child_sas = sum(1 for e in sa.exchanges if e.exchange == EX_V1_QUICK and _distinct(sa, e, responder=True))
    errors = [(m.frame, n) for m in sa.messages if m.retransmit_of is None for n in _error_notifies(m, 1)]
    if phase1 is None:
        sa.outcome = "established" if sa.child_sas else "incomplete"
        sa.outcome_detail = "phase 1 happened before the capture started"
        if errors:
            sa.outcome, sa.outcome_detail = "failed", f"{notify_name(1, errors[0][1])} in frame {errors[0][0]}"
        return
    mode_name = "main mode" if sa.mode == "main" else "aggressive mode"
    need_i, need_r = (3, 3) if sa.mode == "main" else (2, 1)
    got_i = _distinct(sa, phase1, responder=False)
    got_r = _distinct(sa, phase1, responder=True)
    if got_i >= need_i and got_r >= need_r:
        sa.outcome = "established"
        sa.established_ts = max(sa.messages[i].ts for i in phase1.messages)
        if sa.xauth_status == 0:
            sa.outcome, sa.outcome_detail = "failed", "phase 1 is up, but XAuth refused the user (XAUTH-STATUS FAIL)"
            sa.failed_exchange = next((e.index for e in sa.exchanges if e.exchange == EX_V1_TRANSACTION), None)
        elif not _answers_ignored(sa, phase1, f"its last {mode_name} message"):
            stalled = xauth_stalled(sa, end_ts)
            if stalled is not None:
                sa.outcome, sa.failed_exchange = "failed", stalled.index
                sa.outcome_detail = ("phase 1 is up, but no quick mode follows the XAuth exchanges (likely the user "
                                     "was refused; XAUTH-STATUS travels encrypted)")
        return
    sa.failed_exchange = phase1.index
    if errors:
        sa.outcome = "failed"
        sa.outcome_detail = f"{mode_name} stopped by {notify_name(1, errors[0][1])} (frame {errors[0][0]})"
        return
    if got_r == 0:
        _unanswered(sa, phase1, end_ts, f"{mode_name} message 1")
        return
    step = got_i + got_r
    last = max(sa.messages[i].ts for i in phase1.messages)
    if end_ts - last < GRACE_SECONDS and phase1.retransmissions == 0:
        sa.outcome, sa.outcome_detail = "incomplete", f"the capture ends during {mode_name} (after message {step})"
        return
    sa.outcome = "failed"
    sa.outcome_detail = f"{mode_name} stopped after message {step} of {need_i + need_r}"


def xauth_stalled(sa: SaRecord, end_ts: float) -> Exchange | None:
    """The last Transaction exchange, when the gateway (the responder) opened XAuth / mode config
    exchanges after phase 1 and, instead of quick mode, the SA ends there: an informational (a
    Delete) follows, or the last one was answered and STALL_SECONDS pass in silence. A client
    let in goes on to quick mode at once. None when XAUTH-STATUS is readable and says OK."""
    txs = [e for e in sa.exchanges if e.exchange == EX_V1_TRANSACTION]
    if sa.xauth_status == 1 or not txs or txs[0].requester_is_initiator:
        return None
    last = txs[-1]
    after = [e for e in sa.exchanges if e.index > last.index]
    if any(e.exchange == EX_V1_QUICK for e in after):
        return None
    quiet = end_ts - max(sa.messages[i].ts for i in last.messages)
    if any(e.exchange == EX_V1_INFORMATIONAL for e in after) or (last.answered and quiet >= STALL_SECONDS):
        return last
    return None


def _distinct(sa: SaRecord, ex: Exchange, responder: bool) -> int:
    return sum(1 for i in ex.messages
               if sa.messages[i].retransmit_of is None and sa.messages[i].from_initiator != responder)
