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
    PL_V2_IDR,
    PL_V2_N,
    PL_V2_SA,
)
from .records import Exchange, MessageRef, SaRecord

# A request unanswered this close to the end of the capture may simply be cut off.
GRACE_SECONDS = 2.0


def _error_notifies(m: MessageRef, version: int) -> list[int]:
    return [n for n in m.notifies if notify_is_error(version, n)]


def _unanswered(sa: SaRecord, ex: Exchange, end_ts: float, what: str) -> None:
    last = max(sa.messages[i].ts for i in ex.messages)
    if ex.retransmissions == 0 and end_ts - last < GRACE_SECONDS:
        sa.outcome, sa.outcome_detail = "incomplete", f"the capture ends right after the {what} request"
    else:
        tries = ex.retransmissions + 1
        sa.outcome = "failed"
        sa.outcome_detail = f"no response to {what} ({tries} transmission{'s' if tries > 1 else ''})"
    sa.failed_exchange = ex.index


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
            sa.outcome, sa.outcome_detail = "incomplete", "IKE_SA_INIT done, no IKE_AUTH in the capture"
            if end_ts - (last.response_ts or last.first_ts) >= GRACE_SECONDS * 5:
                sa.outcome = "failed"
                sa.outcome_detail = "IKE_SA_INIT done but the initiator never sent IKE_AUTH"
                sa.failed_exchange = last.index
            return
    if auths:
        last = auths[-1]
        if not last.answered:
            _unanswered(sa, last, end_ts, "IKE_AUTH")
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


def _distinct(sa: SaRecord, ex: Exchange, responder: bool) -> int:
    return sum(1 for i in ex.messages
               if sa.messages[i].retransmit_of is None and sa.messages[i].from_initiator != responder)
