"""Differential diagnosis: the other causes that fit the same wire evidence as a root cause.

A notify says what the peer decided, not always why: strongSwan answers an IKE_SA_INIT
from an address it has no configuration for with the same NO_PROPOSAL_CHOSEN as a
proposal mismatch, and an unknown identity with the same AUTHENTICATION_FAILED as a wrong
key. Silence fits even more stories. For each root-cause code this module lists the
causes that would leave the same packets, keeps those the SA's evidence does not rule
out, and says what would tell each apart: a log line, the key file, a capture taken on
the other side. A root cause stays *certain* only when none is left.

Rules:
1. An alternative is dropped only on evidence (an earlier SA that got further with the
   same peer, the engineer's own --expect-ike, readable payloads); lacking evidence, it
   stays on the list.
2. The list is short and ranked most plausible first; it never replaces the root cause.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..track.records import SaRecord
from ..wire.numbers import EX_V1_AGGRESSIVE, EX_V1_MAIN, PORT_NAT_T
from .context import RuleContext
from ..model import Severity
from .finding import Alternative, Confidence, Finding

MAX_ALTERNATIVES = 4


def _got_further_before(sa: SaRecord, ctx: RuleContext) -> bool:
    """An earlier SA between these peers, in this IKE version, got past its first exchange: the
    responder has a configuration for this initiator."""
    for other in ctx.earlier(sa):
        if other.version == sa.version and other is not sa and (
                other.established_ts is not None or len({e.exchange for e in other.exchanges}) > 1):
            return True
    return False


def _against_expected(f: Finding) -> bool:
    return "expect" in str(f.details.get("diff_against", ""))


NO_CONFIG = Alternative(
    cause="the responder has no configuration for this initiator (its address or IKE version)",
    why="strongSwan and others answer a first request from a peer they have no connection for with the same "
        "NO_PROPOSAL_CHOSEN a proposal mismatch gives",
    tell_apart="the responder's log: 'no IKE config found for <addresses>' (no configuration) against 'no "
               "acceptable proposal found' / 'received proposals ... configured proposals ...' (a mismatch)",
)
ONLY_OTHER_VERSION = Alternative(
    cause="the responder runs the other IKE version for this peer",
    why="a responder configured for IKEv2 only (or IKEv1 only) often refuses the other version with "
        "NO_PROPOSAL_CHOSEN rather than staying silent",
    tell_apart="the responder's configuration (ikev2=insist, version=2, 'IKE version' setting) or a capture of a "
               "retry in the other version",
    code="ike.version_mismatch",
)


def _proposal(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    if _against_expected(f):
        return []  # the engineer's own configuration shows the difference
    out = []
    if not _got_further_before(sa, ctx):
        out.append(NO_CONFIG)
        out.append(ONLY_OTHER_VERSION)
    return out


WRONG_PSK = Alternative(
    cause="the pre-shared keys differ",
    why="a wrong key and a refused identity or certificate end in the same AUTHENTICATION_FAILED",
    tell_apart="the responder's log: 'MAC mismatch' / 'verification of AUTH payload failed' (key) against 'no "
               "shared key found for <ids>' (identity)",
    code="ike.auth_failed",
)
ID_REFUSED = Alternative(
    cause="the responder does not accept the identity the initiator sent (IDi) or asked for (IDr)",
    why="responders answer an identity they have no configuration for with AUTHENTICATION_FAILED, byte for byte "
        "what a wrong key gives",
    tell_apart="the identities in the finding (readable with --keys) against the responder's configured remote "
               "ID; its log says 'no shared key found' or 'no matching peer config found'",
    code="ike.id_mismatch",
)
CERT_REFUSED = Alternative(
    cause="the certificate is not trusted, expired or revoked at the responder",
    why="certificate trouble is reported with the same AUTHENTICATION_FAILED",
    tell_apart="the responder's log: 'no trusted RSA public key found' / 'certificate status is not available'; "
               "with --keys ikescope checks the certificate's validity dates",
)


def _auth(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    """IKEv2's AUTHENTICATION_FAILED (readable or inferred) covers key, identity and certificate alike.
    IKEv1 says more: INVALID-HASH-INFORMATION is the key, INVALID-ID-INFORMATION the identity, an
    XAUTH-STATUS FAIL the user's credentials, and keys that cannot open the other side's phase-1
    message prove the pre-shared keys differ."""
    if sa.version == 1:
        return []
    # CERT (37) or CERTREQ (38), in clear or decrypted: the peers authenticate with certificates
    with_certs = any(m.certs or {37, 38} & {*m.payloads, *m.inner_payloads} for m in sa.messages)
    return [ID_REFUSED, CERT_REFUSED] if with_certs else [ID_REFUSED, WRONG_PSK]


CHILD_CAUSES = (
    Alternative(cause="the traffic selectors (protected networks) do not match",
                why="TS_UNACCEPTABLE travels inside the encrypted answer",
                tell_apart="--keys (the decrypted notify names it), or the responder's log: 'traffic selectors "
                           "... unacceptable' / 'no matching CHILD_SA config found'",
                code="ike.ts_mismatch"),
    Alternative(cause="the ESP/AH proposals differ",
                why="NO_PROPOSAL_CHOSEN for the CHILD SA travels inside the encrypted answer",
                tell_apart="--keys, or the responder's log: 'no acceptable proposal found' for the CHILD_SA; "
                           "--expect-esp with the responder's ESP proposals shows the difference",
                code="ike.child_proposal_mismatch"),
    Alternative(cause="PFS is configured on one side only",
                why="a KE payload the responder does not expect, or one missing, is refused the same way",
                tell_apart="the CHILD SA proposals of both gateways: one lists a DH group (modp2048, ecp256), the "
                           "other none",
                code="ike.pfs_mismatch"),
)


def _child(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    return [a for a in CHILD_CAUSES if a.code != f.code]


ESP_CHANGED = Alternative(
    cause="the ESP proposals changed on one side since the CHILD SA came up",
    why="a rekey offers the proposals as configured now, and NO_PROPOSAL_CHOSEN travels encrypted",
    tell_apart="--keys (the decrypted notify and proposals), or both gateways' ESP proposals now against those the "
               "CHILD SA was set up with",
    code="ike.child_proposal_mismatch",
)
NETWORKS_CHANGED = Alternative(
    cause="the protected networks changed on one side since the CHILD SA came up",
    why="TS_UNACCEPTABLE (INVALID-ID-INFORMATION in IKEv1) travels encrypted as well",
    tell_apart="--keys, or the responder's log: 'traffic selectors ... unacceptable' / 'no matching CHILD_SA "
               "config found'",
    code="ike.ts_mismatch",
)
CHILD_GONE = Alternative(
    cause="the responder no longer has the CHILD SA being rekeyed",
    why="CHILD_SA_NOT_FOUND (RFC 7296 2.25) is an encrypted notify like the others",
    tell_apart="--keys, or the responder's list of its SAs (swanctl --list-sas, ipsec whack --trafficstatus)",
)
REKEY_CAUSES = (CHILD_CAUSES[2], ESP_CHANGED, NETWORKS_CHANGED, CHILD_GONE)


def _rekey(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    """A refused rekey names its first candidate (PFS on one side) when the sizes or the proposals
    say so; what else fits depends on how much of the refusal is readable."""
    notify, pfs = f.details.get("notify"), f.details.get("pfs_mismatch")
    if notify is not None:
        if pfs is not None or "PROPOSAL" not in notify:
            return []  # the notify and the proposals compared say it all
        return [CHILD_CAUSES[2], ESP_CHANGED]
    rest = [ESP_CHANGED, NETWORKS_CHANGED, CHILD_GONE]
    return rest if pfs is not None else [CHILD_CAUSES[2], *rest]


PATH_BLOCKED = Alternative(
    cause="a firewall or ACL on the path drops the IKE packets",
    why="a filter leaves exactly the same silence as a peer that is down",
    tell_apart="a capture on the responder's side (do the requests arrive?), the firewalls' logs for UDP 500/4500",
)
PEER_DOWN = Alternative(
    cause="the responder is down or its IKE service is not running",
    why="nothing comes back, as with a filter",
    tell_apart="ICMP port unreachable in the capture would say the service is down; ping the peer, check the service",
)
SILENT_NO_CONFIG = Alternative(
    cause="the responder has no configuration for this initiator and drops the request without a word",
    why="several implementations ignore a first request from an address they have no peer for",
    tell_apart="the responder's log: 'no suitable connection' / 'no IKE config found' for this address",
)
V1_MODE = Alternative(
    cause="IKEv1 exchange-mode mismatch (main against aggressive mode)",
    why="many responders drop a first message in a mode they are not configured for without answering",
    tell_apart="the responder's configuration of the mode for this peer; its log names the mode it expected",
    code="ike.exchange_mode_mismatch",
)
FRAGMENTS = Alternative(
    cause="the request's IP fragments are dropped on the path",
    why="a request split into IP fragments is lost whole when one fragment is",
    tell_apart="a capture on the responder's side; enable IKE fragmentation (RFC 7383) or lower the MTU",
    code="ike.large_unfragmented",
)
ANSWER_LOST = Alternative(
    cause="the responder answers, but its answer is lost on the way back (asymmetric routing, a one-way filter)",
    why="a capture on the requester's side cannot tell an unsent answer from a lost one",
    tell_apart="a capture on the responder's side, or its log: it shows the answer sent",
)
REFUSES_QUIETLY = Alternative(
    cause="the responder refuses this request without telling (policy, proposal, identity)",
    why="it answered earlier messages, so it is alive and reachable; some refusals are silent",
    tell_apart="the responder's log for this SA's SPIs",
)
UDP4500 = Alternative(
    cause="UDP 4500 is blocked or not forwarded on the path",
    why="the peers answered on UDP 500 and went silent after the move to 4500",
    tell_apart="the firewall or NAT port forwarding for UDP 4500; a capture on the responder's side",
    code="ike.nat_no_float",
)


def _silence(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    d = f.details
    if d.get("udp_4500_silent"):
        return [UDP4500, ANSWER_LOST, PEER_DOWN]
    if d.get("peer_alive"):
        return [REFUSES_QUIETLY, ANSWER_LOST] + ([FRAGMENTS] if d.get("ip_fragments", 1) > 1 else [])
    first = sa.exchanges[f.exchange] if f.exchange is not None and f.exchange < len(sa.exchanges) else None
    out = [PEER_DOWN, PATH_BLOCKED, SILENT_NO_CONFIG]
    if sa.version == 1 and first is not None and first.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE):
        out.insert(2, V1_MODE)
    if d.get("ip_fragments", 1) > 1:
        out.insert(0, FRAGMENTS)
    if any(PORT_NAT_T in (m.sport, m.dport) for m in sa.messages):
        out.append(UDP4500)
    return out


GONE = Alternative(
    cause="the peer crashed or lost power and is still down",
    why="an unanswered liveness check looks the same whatever silenced the peer",
    tell_apart="whether the peer accepts a new negotiation later (then it lost the SA: ike.peer_lost_state); its "
               "uptime and log",
)
LOST_SA = Alternative(
    cause="the peer restarted or dropped the SA and now ignores traffic for it",
    why="a peer without the SA stays as silent as a dead one",
    tell_apart="a fresh negotiation it accepts, or its log; INITIAL_CONTACT in its next IKE_AUTH",
    code="ike.peer_lost_state",
)
NAT_MAPPING = Alternative(
    cause="a NAT on the path forgot the mapping of this SA's UDP 4500 flow",
    why="when the mapping times out, the checks leave on a flow the NAT no longer forwards back",
    tell_apart="NAT keepalives (every 20 s) in the capture; the NAT device's UDP timeout",
)


def _dpd(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    out = [LOST_SA, PATH_BLOCKED]
    if sa.nat_t:
        out.append(NAT_MAPPING)
    return out


LOST_BEYOND = Alternative(
    cause="the answers are lost between the capture point and the requester (a one-way filter, asymmetric "
          "routing, a NAT mapping that went away)",
    why="captured nearer the responder, an answer that never arrives looks like one the requester throws away",
    tell_apart="a capture on the requester's side: whether the answers are there",
    code="ike.response_lost",
)
ALTERED = Alternative(
    cause="the answers are altered on the way (a device rewriting UDP payloads, a faulty checksum or "
          "segmentation offload)",
    why="a changed byte fails the requester's integrity check, and it drops the answer in silence",
    tell_apart="--keys: ikescope checks the captured answers' ICV; a capture on the requester's side compared "
               "byte for byte with this one",
)
REQUESTER_FAULT = Alternative(
    cause="the requester cannot use intact answers (its own receive path, keys or implementation)",
    why="an answer dropped inside the requester leaves the same repetitions",
    tell_apart="the requester's log: strongSwan 'integrity check failed', libreswan 'failed to match "
               "authenticator', or no line at all for the answers",
)


def _ignored(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    """Keys narrow it down: answers that fail their ICV in the capture were altered (no other
    cause left); answers that pass were intact at least as far as the capture point."""
    intact = f.details.get("answers_intact")
    if intact is False:
        return []
    return [LOST_BEYOND, REQUESTER_FAULT] if intact else [LOST_BEYOND, ALTERED, REQUESTER_FAULT]


GAVE_UP = Alternative(
    cause="the initiator gave up on the answer (it could not use it, its own configuration is incomplete, or it "
          "meant to try several servers and keep one)",
    why="an initiator that stops on its side leaves the same silence as one whose next message is lost",
    tell_apart="the initiator's log for this SA; a capture on its side shows whether it sent the next message",
)
NEXT_LOST = Alternative(
    cause="the initiator's next message is lost before this capture point (a filter on UDP 4500 or on large "
          "packets)",
    why="a message dropped on the way never reaches the capture",
    tell_apart="a capture on the initiator's side, or the firewalls' logs for UDP 500/4500",
)


def _initiator_silent(sa: SaRecord, f: Finding, ctx: RuleContext) -> list[Alternative]:
    return [NEXT_LOST, GAVE_UP] if f.details.get("nat") else [GAVE_UP, NEXT_LOST]


MODE_OR_KEY = Alternative(
    cause="the pre-shared keys differ (aggressive mode refuses a wrong key with the same notify)",
    why="in aggressive mode the responder checks the key in the first exchange",
    tell_apart="the responder's log: 'expected aggressive mode' / 'main mode' against 'MAC mismatch'",
    code="ike.auth_failed",
)

# code -> (the alternatives that fit an SA's evidence, whether they make a certain finding likely,
# every alternative the code may list). Liveness checks that went unanswered are a fact however
# certain; what lies behind them is listed without touching that. A refusal's notify, by contrast,
# names a decision, not its cause.
_BY_CODE: dict[str, tuple[Callable[[SaRecord, Finding, RuleContext], list[Alternative]], bool,
                          tuple[Alternative, ...]]] = {
    "ike.proposal_mismatch": (_proposal, True, (NO_CONFIG, ONLY_OTHER_VERSION)),
    "ike.dh_group_mismatch": (_proposal, True, (NO_CONFIG, ONLY_OTHER_VERSION)),
    "ike.auth_failed": (_auth, True, (ID_REFUSED, CERT_REFUSED)),
    "ike.exchange_mode_mismatch": (lambda sa, f, ctx: [MODE_OR_KEY], True, (MODE_OR_KEY,)),
    "ike.child_sa_rejected": (_child, True, CHILD_CAUSES),
    "ike.no_response": (_silence, True, (PEER_DOWN, PATH_BLOCKED, SILENT_NO_CONFIG, V1_MODE, FRAGMENTS,
                                         UDP4500, REFUSES_QUIETLY, ANSWER_LOST)),
    "ike.dpd_unanswered": (_dpd, False, (LOST_SA, PATH_BLOCKED, NAT_MAPPING)),
    "ike.response_ignored": (_ignored, False, (LOST_BEYOND, ALTERED, REQUESTER_FAULT)),
    "ike.initiator_silent": (_initiator_silent, False, (NEXT_LOST, GAVE_UP)),
    "ike.rekey_refused": (_rekey, False, REKEY_CAUSES),
}


def possible(code: str) -> tuple[Alternative, ...]:
    """Every other cause a root cause of ``code`` may list, for the finding catalog."""
    entry = _BY_CODE.get(code)
    return () if entry is None else tuple(a for a in entry[2] if a.code != code)


def differential(sa: SaRecord, findings: list[Finding], ctx: RuleContext) -> list[Finding]:
    """Give the root cause of ``sa`` (ranked findings, root cause first) its alternatives; a certain root
    cause with alternatives left becomes likely, and says why."""
    if not findings or not findings[0].root_cause or findings[0].severity is not Severity.ERROR:
        return findings
    root = findings[0]
    entry = _BY_CODE.get(root.code)
    if entry is None:
        return findings
    lister, downgrade, _ = entry
    alts = tuple(a for a in lister(sa, root, ctx) if a.code != root.code)[:MAX_ALTERNATIVES]
    if not alts:
        return findings
    confidence, reason = root.confidence, root.confidence_reason
    if downgrade and confidence is Confidence.CERTAIN:
        confidence = Confidence.LIKELY
        also = f"{alts[0].cause} leaves the same packets (see the other causes that fit)"
        reason = f"{reason}; but {also}" if reason else also
    return [replace(root, alternatives=alts, confidence=confidence, confidence_reason=reason), *findings[1:]]
