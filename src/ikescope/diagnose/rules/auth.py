"""Authentication failures: a wrong pre-shared key, certificate or identity.

The decisive messages are encrypted in both versions, so this module reads
them two ways. When the notify is readable (sent in clear, or decrypted with
keys before the tracker saw it) the finding is certain. Without keys, the
shape of the exchange still tells: an IKEv2 IKE_AUTH response whose first
encrypted payload is a Notify rather than IDr (RFC 7296 3.14: the SK payload's
Next Payload travels in clear), or an IKEv1 main mode that stops at message 5
while the responder is demonstrably alive. Those findings are "likely" and say
what would confirm them. Notify numbers: RFC 2408 3.14.1, RFC 7296 3.10.1.
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
    EX_V1_QUICK,
    EX_V1_TRANSACTION,
    EX_V2_IKE_AUTH,
    EX_V2_INFORMATIONAL,
    N_V1_AUTHENTICATION_FAILED,
    N_V1_INVALID_HASH_INFORMATION,
    N_V1_PAYLOAD_MALFORMED,
    N_V2_AUTHENTICATION_FAILED,
    PL_V2_EAP,
    PL_V2_IDR,
    PL_V2_N,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make

# An initiator that rejects the responder's AUTH says so at once (RFC 7296 2.21.2).
PROMPT_SECONDS = 5.0
MAX_COPIES_SHOWN = 3

AUTH_FAILED = CatalogEntry(
    code="ike.auth_failed",
    severity=Severity.ERROR,
    title="Authentication failed (wrong pre-shared key, certificate or identity)",
    explanation="The two gateways agreed on algorithms and exchanged keys, but one of them could not verify "
                "the other's proof of identity. With pre-shared keys this almost always means the keys differ "
                "(a typo, or one side entered as a passphrase and the other as hex). It can also mean the "
                "gateway picked another tunnel definition with another key for this peer, or that the "
                "identity one side presents is not the one the other expects.",
    wire="IKEv2: AUTHENTICATION_FAILED (24), encrypted in the IKE_AUTH response; without keys the response "
         "opens with an encrypted Notify instead of IDr and the SA ends. IKEv1: main mode message 5 answered "
         "by PAYLOAD-MALFORMED (16), INVALID-HASH-INFORMATION (23) or AUTHENTICATION-FAILED (24), or not "
         "answered at all although the responder answered messages 1 to 4; in aggressive mode an error or "
         "deletion right after message 2 or 3.",
    remedy="Enter the pre-shared key again on both gateways, of the same type (passphrase or hex). Check "
           "that the identities each side sends are the ones the other expects, and that the peer's address "
           "does not first match another tunnel (a roaming or catch-all definition listed earlier) that has "
           "a different key. With certificates, check the CA chain and validity dates. To be sure, read the "
           "responder's log or decrypt the capture (strongSwan's save-keys plugin writes Wireshark key tables).",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 15: authentication fail"),
                 VendorRef("ZyWALL", "PYLD_MALFORMED (a malformed packet usually means the two ends do not use "
                                     "the same pre-shared key)"),
                 VendorRef("Clavister", "Incorrect pre-shared key"),
                 VendorRef("Clavister", "Payload_Malformed (pre-shared key of the wrong type: passphrase vs hex)")),
)

USER_AUTH_FAILED = CatalogEntry(
    code="ike.user_auth_failed",
    severity=Severity.ERROR,
    title="The user's credentials were refused (XAuth or EAP)",
    explanation="The gateways authenticated each other, then the gateway asked for the user's own credentials "
                "(IKEv1 XAuth after phase 1, or EAP inside IKEv2 IKE_AUTH) and refused them: the gateway's "
                "verdict (XAUTH-STATUS FAIL, EAP-Failure) ends the negotiation, and no quick mode or CHILD SA "
                "follows. The user name or password is wrong, the account is locked or expired, the client and "
                "the gateway use different EAP methods, or the gateway's user database or RADIUS server refused "
                "or did not answer.",
    wire="IKEv1: Transaction exchanges opened by the gateway after main or aggressive mode, then a Delete or "
         "silence instead of quick mode; with keys the XAUTH-STATUS attribute (0: FAIL) is readable. IKEv2: "
         "several IKE_AUTH round trips whose last answer opens with an EAP payload, after which the initiator "
         "never sends its final AUTH; with keys the EAP packet is an EAP-Failure (code 4).",
    remedy="Check the user name and password on the client, and the user's account on the gateway or its "
           "RADIUS/LDAP server (its log names the reason); make the EAP method the same on both sides (for "
           "example EAP-MD5 or EAP-MSCHAPv2); for XAuth, check that the client is configured for XAuth at all.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason: xauth authentication fail"),
                 VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason: eap authentication fail")),
)

ENTRIES = (AUTH_FAILED, USER_AUTH_FAILED)

CONFIRM = "Decrypting the capture (keys from strongSwan's save-keys plugin) or the responder's log would confirm it"


def _readable(m: MessageRef) -> bool:
    """Whether the message's payloads are known: sent in clear, or opened with keys."""
    return not m.encrypted or m.decrypted


def _fresh(sa: SaRecord) -> list[MessageRef]:
    return [m for m in sa.messages if m.retransmit_of is None]


def auth_failed(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        if _eap_refused(sa) is None:  # the initiator's AUTHENTICATION_FAILED after EAP is ike.user_auth_failed
            yield from _v2(sa)
    elif sa.version == 1:
        yield from _v1(sa)


def user_auth_failed(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.version == 2:
        yield from _eap(sa)
    elif sa.version == 1:
        yield from _v1_xauth(sa)


def _failed_on(sa: SaRecord, exchange: int) -> Exchange | None:
    if sa.outcome != "failed" or sa.failed_exchange is None or sa.failed_exchange >= len(sa.exchanges):
        return None
    ex = sa.exchanges[sa.failed_exchange]
    return ex if ex.exchange == exchange else None


def _v1_xauth(sa: SaRecord) -> Iterable[Finding]:
    """XAuth (draft-beaulieu-ike-xauth-02) refused the user: XAUTH-STATUS FAIL with keys; without
    them the tracker's reading that the SA ended on the XAuth exchanges instead of quick mode."""
    cfg = [m for m in sa.messages if m.exchange == EX_V1_TRANSACTION and m.retransmit_of is None]
    if sa.xauth_status == 0:
        ev = [evidence(m, "XAuth / mode-config exchange (decrypted)") for m in cfg[:4]]
        yield make(USER_AUTH_FAILED, Confidence.CERTAIN,
                   "phase 1 is up, but XAuth refused the user's credentials (XAUTH-STATUS FAIL)", ev, sa=sa.id,
                   details={"xauth_status": 0},
                   reason="the gateway's XAUTH-STATUS attribute is readable with the keys")
        return
    ex = _failed_on(sa, EX_V1_TRANSACTION)
    if ex is None or not cfg:
        return
    ends = [m for m in sa.messages if m.exchange == EX_V1_INFORMATIONAL and m.ts >= cfg[-1].ts][:1]
    gateway = role_name(next(e for e in sa.exchanges if e.exchange == EX_V1_TRANSACTION).requester_is_initiator)
    ev = [evidence(cfg[0], f"the {gateway} opens XAuth: a Transaction request (encrypted)")]
    ev += [evidence(m, "XAuth / mode-config message (encrypted)") for m in cfg[1:-1][:3]]
    if ends:
        ev += [evidence(m, "XAuth / mode-config message (encrypted)") for m in cfg[-1:] if m is not cfg[0]]
        ev.append(evidence(ends[0], f"an informational from the {role_name(ends[0].from_initiator)} (a Delete) "
                                    "instead of quick mode"))
        how = f"the {role_name(ends[0].from_initiator)} then ends the SA with an informational"
    else:
        quiet = sa.closed_at[0] - sa.last_ts if sa.closed_at is not None else 0.0
        ev.append(evidence(cfg[-1], f"last XAuth message; nothing follows for {quiet:.1f} s"))
        how = f"nothing follows for {quiet:.1f} s"
    yield make(USER_AUTH_FAILED, Confidence.LIKELY,
               f"phase 1 is up and the {gateway} asked for XAuth credentials, but no quick mode follows the "
               f"{len(cfg)} XAuth message(s): {how}; most likely the user's credentials were refused", ev,
               sa=sa.id, exchange=ex.index, details={"xauth_messages": len(cfg), "deleted": bool(ends)},
               reason="XAUTH-STATUS travels encrypted; a client the gateway lets in starts quick mode at once. "
                      + CONFIRM)


def _eap_refused(sa: SaRecord) -> tuple[Exchange, MessageRef] | None:
    """The IKE_AUTH exchange the SA failed on and its answer, when that answer opens with EAP: the
    EAP rounds ended on the responder's side (the tracker's reading, see track/outcome.py)."""
    ex = _failed_on(sa, EX_V2_IKE_AUTH)
    resp = sa.response(ex) if ex is not None else None
    return (ex, resp) if ex is not None and resp is not None and resp.inner_next == PL_V2_EAP else None


def _eap(sa: SaRecord) -> Iterable[Finding]:
    found = _eap_refused(sa)
    if found is None:
        return
    ex, resp = found
    rounds = [e for e in sa.exchanges if e.exchange == EX_V2_IKE_AUTH]
    req = sa.request(ex)
    ev = [evidence(req, "the initiator's EAP answer (encrypted)")] if req is not None else []
    details: dict[str, object] = {"ike_auth_rounds": len(rounds)}
    after = [m for m in sa.messages if m.frame > resp.frame][:1]
    if sa.eap_failure is not None:
        failure = next(m for m in sa.messages if m.frame == sa.eap_failure)
        ev.append(evidence(failure, "EAP-Failure from the responder (decrypted)"))
        ev += [evidence(m, "the initiator's notify that it gives up") for m in after]
        details["eap_failure"] = True
        yield make(USER_AUTH_FAILED, Confidence.CERTAIN,
                   f"the responder ended EAP with an EAP-Failure after {len(rounds)} IKE_AUTH round trip(s): the "
                   "user's credentials were refused", ev, sa=sa.id, exchange=ex.index, details=details,
                   reason="the EAP-Failure is readable with the keys")
        return
    ev.append(evidence(resp, "the responder's last IKE_AUTH answer opens with an EAP payload"))
    ev += [evidence(m, f"an INFORMATIONAL from the {role_name(m.from_initiator)} instead of the final AUTH")
           for m in after]
    yield make(USER_AUTH_FAILED, Confidence.LIKELY,
               f"after {len(rounds)} IKE_AUTH round trip(s) the responder's last answer carries an EAP message and "
               "the initiator never sends its final AUTH: most likely an EAP-Failure, the user's credentials "
               "refused", ev, sa=sa.id, exchange=ex.index, details=details,
               reason="the EAP payload travels encrypted; after an EAP-Success the initiator would send its AUTH "
                      "at once (RFC 7296 2.16). " + CONFIRM)


# -- IKEv2 ---------------------------------------------------------------------------------------

def _v2(sa: SaRecord) -> Iterable[Finding]:
    for m in _fresh(sa):
        if N_V2_AUTHENTICATION_FAILED in m.notifies:
            yield _v2_readable(sa, m)
            return
    auths = [e for e in sa.exchanges if e.exchange == EX_V2_IKE_AUTH]
    if not auths:
        return
    last = auths[-1]
    req, resp = sa.request(last), sa.response(last)
    if resp is None or req is None or _readable(resp):
        return
    later = [e for e in sa.exchanges if e.index > last.index]
    if resp.inner_next == PL_V2_N and not any(e.answered for e in later):
        ev = [evidence(req, "IKE_AUTH request: the initiator's identity and proof (encrypted)"),
              evidence(resp, "IKE_AUTH response opens with an encrypted Notify, not IDr: no IKE SA")]
        yield make(AUTH_FAILED, Confidence.LIKELY,
                   "the responder refused IKE_AUTH: its answer opens with an encrypted Notify and the SA ends "
                   "there (most likely AUTHENTICATION_FAILED: a pre-shared key or identity the responder does "
                   "not accept)", ev, sa=sa.id, exchange=last.index,
                   details={"response_length": resp.length},
                   reason="the notify itself is encrypted; an IKE_AUTH answer without IDr that ends the SA is "
                          "how a responder refuses authentication. " + CONFIRM)
        return
    if resp.inner_next == PL_V2_IDR:
        yield from _v2_initiator_refuses(sa, last, resp, later)


def _v2_readable(sa: SaRecord, m: MessageRef) -> Finding:
    ex = next((e for e in sa.exchanges if any(sa.messages[i] is m for i in e.messages)), None)
    ev: list[Evidence] = []
    req = sa.request(ex) if m.response and ex is not None else None
    if req is not None:
        ev.append(evidence(req, "the request whose authentication was refused"))
    ev.append(evidence(m, f"AUTHENTICATION_FAILED from the {role_name(m.from_initiator)}"))
    if m.from_initiator:
        summary = "the initiator could not verify the responder's authentication and said so " \
                  "(AUTHENTICATION_FAILED in an INFORMATIONAL)"
    else:
        summary = "the responder refused the initiator's authentication (AUTHENTICATION_FAILED)"
    details: dict[str, object] = {"notify": N_V2_AUTHENTICATION_FAILED, "refused_by": role_name(m.from_initiator)}
    requested = [text for ptype, _, text in (req.ids if req is not None else ()) if ptype == PL_V2_IDR]
    if requested:
        # The initiator named the identity it expects; a responder without that identity refuses the same way.
        details["requested_responder_id"] = requested[0]
        summary += f"; the initiator asked for the responder identity {requested[0]}, so check that too"
    return make(AUTH_FAILED, Confidence.CERTAIN, summary, ev, sa=sa.id,
                exchange=ex.index if ex is not None else None, details=details,
                reason="the AUTHENTICATION_FAILED notify is readable" + (" (decrypted)" if m.encrypted else ""))


def _v2_initiator_refuses(sa: SaRecord, auth: Exchange, resp: MessageRef,
                          later: list[Exchange]) -> Iterable[Finding]:
    """IKE_AUTH succeeded for the responder, then the initiator at once sends a Notify-only INFORMATIONAL."""
    if not later:
        return
    nxt = later[0]
    req = sa.request(nxt)
    if (nxt.exchange != EX_V2_INFORMATIONAL or not nxt.requester_is_initiator or req is None
            or req.inner_next != PL_V2_N or _readable(req) or req.ts - resp.ts > PROMPT_SECONDS):
        return
    if any(e.answered and e.exchange != EX_V2_INFORMATIONAL for e in later):
        return
    ev = [evidence(resp, "IKE_AUTH response: the responder's identity and proof (encrypted)"),
          evidence(req, "the initiator answers at once with an encrypted Notify")]
    yield make(AUTH_FAILED, Confidence.LIKELY,
               "the initiator rejected the responder's authentication: right after IKE_AUTH it sent an "
               "INFORMATIONAL that opens with a Notify (most likely AUTHENTICATION_FAILED)", ev, sa=sa.id,
               exchange=nxt.index, details={"refused_by": "initiator"},
               reason="RFC 7296 2.21.2 has an initiator report a failed check of the responder this way; the "
                      "notify is encrypted. " + CONFIRM)


# -- IKEv1 ---------------------------------------------------------------------------------------

def _v1(sa: SaRecord) -> Iterable[Finding]:
    phase1 = next((e for e in sa.exchanges if e.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)), None)
    if phase1 is None:
        return
    msgs = [sa.messages[i] for i in phase1.messages]
    init = [m for m in msgs if m.from_initiator and m.retransmit_of is None]
    resp = [m for m in msgs if not m.from_initiator and m.retransmit_of is None]
    main = phase1.exchange == EX_V1_MAIN
    # The point from which a refusal concerns authentication: main mode message 5, or
    # aggressive mode message 2 (the responder's proof, which the initiator checks).
    if main:
        start = next((m for m in init if m.encrypted), None)
    else:
        start = resp[0] if resp else None
    if start is None:
        return
    phase2 = [m for m in sa.messages if m.exchange in (EX_V1_QUICK, EX_V1_TRANSACTION)]
    end_ts = phase2[0].ts if phase2 else float("inf")
    for m in _fresh(sa):
        if not (start.ts <= m.ts < end_ts) or m is start:
            continue
        for n in m.notifies:
            if n in (N_V1_INVALID_HASH_INFORMATION, N_V1_AUTHENTICATION_FAILED) or (
                    n == N_V1_PAYLOAD_MALFORMED and _answers_encrypted(sa, m)):
                yield _v1_readable(sa, phase1, start, m, n)
                return
    if phase2:
        return
    if main:
        yield from _v1_main_silent(sa, phase1, start, init, resp)
    else:
        yield from _v1_aggressive(sa, phase1, init, resp)


def _answers_encrypted(sa: SaRecord, m: MessageRef) -> bool:
    return any(o.encrypted and o.from_initiator != m.from_initiator and o.ts <= m.ts for o in sa.messages)


def _v1_readable(sa: SaRecord, phase1: Exchange, start: MessageRef, m: MessageRef, n: int) -> Finding:
    name = reg.notify_name(1, n)
    by = role_name(m.from_initiator)
    ev = [evidence(start, "main mode message 5: the initiator's identity and hash (encrypted)"
                   if start.from_initiator else "aggressive mode message 2: the responder's proof"),
          evidence(m, f"{name} from the {by}")]
    confidence = Confidence.LIKELY if n == N_V1_PAYLOAD_MALFORMED else Confidence.CERTAIN
    why = ("PAYLOAD-MALFORMED after an encrypted message means the receiver decrypted garbage, which a "
           "different pre-shared key produces" if n == N_V1_PAYLOAD_MALFORMED
           else f"the {by} says so with a readable {name} notify")
    if n == N_V1_PAYLOAD_MALFORMED and m.decrypted and _keys_disagree(sa, m):
        confidence = Confidence.CERTAIN
        why = (f"the {by}'s key opens its own messages but not the other side's phase-1 message: the two gateways "
               "derived different keys, which different pre-shared keys cause")
    return make(AUTH_FAILED, confidence, f"the {by} refused the phase-1 authentication: {name}", ev,
                sa=sa.id, exchange=phase1.index, details={"notify": n, "name": name, "refused_by": by},
                reason=why)


def _keys_disagree(sa: SaRecord, m: MessageRef) -> bool:
    """Messages of the other side in the same phase 1 fail to open where ``m``'s sender's key works."""
    return any(o.from_initiator != m.from_initiator and o.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)
               and any(p.code in ("crypto.bad_plaintext", "crypto.icv_mismatch", "crypto.bad_padding")
                       for p in o.problems) for o in sa.messages)


def _v1_main_silent(sa: SaRecord, phase1: Exchange, mm5: MessageRef, init: list[MessageRef],
                    resp: list[MessageRef]) -> Iterable[Finding]:
    """Main mode stops at message 5 although the responder answered messages 1 to 4."""
    clear_answers = [m for m in resp if not m.encrypted]
    if len(clear_answers) < 2 or any(m.encrypted for m in resp):
        return
    copies = [m for m in sa.messages if m.retransmit_of == mm5.frame]
    complaints = [m for m in sa.messages if m.exchange == EX_V1_INFORMATIONAL and not m.from_initiator
                  and m.ts >= mm5.ts and m.retransmit_of is None]
    if not copies and not complaints:
        return
    ev = [evidence(clear_answers[-1], "main mode message 4: the responder is alive and keyed"),
          evidence(mm5, "main mode message 5: the initiator's identity and hash (encrypted)")]
    ev += [evidence(m, "message 5 sent again") for m in copies[:MAX_COPIES_SHOWN]]
    ev += [evidence(m, "the responder answers with an encrypted Informational instead of message 6")
           for m in complaints[:MAX_COPIES_SHOWN]]
    if complaints:
        what = (f"the responder answers message 5 with {len(complaints)} encrypted Informational(s) (typically "
                "PAYLOAD-MALFORMED or INVALID-HASH-INFORMATION) instead of message 6")
    else:
        what = f"message 5 is sent {len(copies) + 1} times and never answered"
    ev.sort(key=lambda e: e.frame)
    yield make(AUTH_FAILED, Confidence.LIKELY,
               f"main mode stops at message 5: {what}; most likely the pre-shared keys differ", ev, sa=sa.id,
               exchange=phase1.index,
               details={"retransmissions": len(copies), "informationals": len(complaints)},
               reason="the responder answered messages 1-4, so it is alive and agreed on the proposal; message 5 "
                      "is the first one encrypted with a key derived from the pre-shared key, and a responder "
                      "with another key cannot read it. " + CONFIRM)


def _v1_aggressive(sa: SaRecord, phase1: Exchange, init: list[MessageRef],
                   resp: list[MessageRef]) -> Iterable[Finding]:
    """Aggressive mode: an error or deletion right after the proofs of message 2 or 3."""
    if not resp or len(init) < 1:
        return
    am2 = resp[0]
    am3 = init[1] if len(init) > 1 else None
    after = am3 or am2
    info = next((m for m in _fresh(sa)
                 if m.exchange == EX_V1_INFORMATIONAL and m.ts >= after.ts and m is not after), None)
    if info is None:
        return
    if am3 is not None:
        if info.from_initiator:
            return
        ev = [evidence(am2, "aggressive mode message 2: the responder's proof"),
              evidence(am3, "aggressive mode message 3: the initiator's proof"),
              evidence(info, "the responder answers with an Informational instead of going on")]
        summary = "the responder refused aggressive mode message 3 (the initiator's proof): most likely the " \
                  "pre-shared keys differ"
    else:
        if not info.from_initiator:
            return
        ev = [evidence(am2, "aggressive mode message 2: the responder's proof"),
              evidence(info, "the initiator sends an Informational instead of message 3")]
        summary = "the initiator rejected aggressive mode message 2 (the responder's proof): most likely the " \
                  "pre-shared keys differ"
    yield make(AUTH_FAILED, Confidence.LIKELY, summary, ev, sa=sa.id, exchange=phase1.index,
               reason="the proposals were accepted (message 2 came), and the next message is an error or "
                      "deletion where the negotiation should go on to quick mode. " + CONFIRM)


SA_RULES = (auth_failed, user_auth_failed)
