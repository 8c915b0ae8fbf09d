"""Scanners and probes: a first message sent to see what the responder answers, never followed up.

A scanner such as ike-scan sends one main mode, aggressive mode or IKE_SA_INIT request, reads
the answer and stops: the responder's answer tells it which proposals are accepted, which
software runs there (vendor IDs) and, in aggressive mode with a pre-shared key, a hash of
that key which can be attacked offline. A real initiator that gets an acceptable answer
sends its next message within a fraction of a second; one that gets a refusal stops too,
so a refusal alone does not make a probe.

ike-scan's tells (ike-scan 1.9, measured against the lab's responders): a first message
with nothing but the SA payload in main mode; SA, KE, Nonce and ID in aggressive mode; SA,
KE and Nonce in IKEv2 (no NAT detection, no vendor ID, no notify at all), and, unless told
otherwise, the same default proposals every time: IKEv1 3DES/DES with SHA-1/MD5 and a
pre-shared key over MODP 1024 (and MODP 768 in main mode), lifetime 28800 s; IKEv2 AES-CBC
256/128, 3DES and DES with SHA-1/MD5 and MODP 1024/1536/2048.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.outcome import ignored_answers
from ...track.records import MessageRef, SaRecord
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_MAIN,
    EX_V2_IKE_SA_INIT,
    N_V2_NAT_DETECTION_SOURCE_IP,
    PL_V1_HASH,
    PL_V1_ID,
    PL_V1_KE,
    PL_V1_NONCE,
    PL_V1_SA,
    PL_V2_KE,
    PL_V2_NONCE,
    PL_V2_SA,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, evidence, make
from ..suite import suites
from .audit import _weak_v1, _weak_v2

# A real initiator answers an acceptable first response within this many seconds.
FOLLOW_UP = 1.0

PROBE = CatalogEntry(
    code="ike.probe",
    severity=Severity.WARNING,
    title="A scanner probed the gateway (a first message, never followed up)",
    explanation="Someone sent a first IKE message only to see what the gateway answers, as ike-scan and "
                "similar tools do, and stopped once it had the answer. It is not a tunnel that failed. What "
                "matters is what the answer gave away: the proposals the gateway accepts (weak ones make a "
                "later attack easier), the software it runs (vendor IDs), and in IKEv1 aggressive mode with "
                "a pre-shared key a hash of that key which can be cracked offline.",
    wire="One main mode, aggressive mode or IKE_SA_INIT request (sometimes resent), the responder's answer, and "
         "nothing more from the initiator although the answer would let it go on. Scanners often send a bare "
         "first message: no vendor IDs, no NAT detection, a fixed set of old proposals.",
    remedy="If the source is not yours, treat it as reconnaissance: restrict who may reach UDP 500/4500. "
           "Disable aggressive mode with pre-shared keys (or use certificates), drop weak proposals (DES, "
           "3DES, MD5, SHA-1, MODP 768/1024), and consider hiding vendor IDs.",
)

ENTRIES = (PROBE,)

_V1_BARE = {EX_V1_MAIN: (PL_V1_SA,), EX_V1_AGGRESSIVE: (PL_V1_SA, PL_V1_KE, PL_V1_NONCE, PL_V1_ID)}
_V2_BARE = (PL_V2_SA, PL_V2_KE, PL_V2_NONCE)
_IKE_SCAN_V1 = {"encryption": {"3des-cbc", "des-cbc"}, "integrity": {"sha1", "md5"}, "dh": {"modp1024", "modp768"},
                "auth": {"Pre-Shared Key"}, "lifetime": {"28800s"}}
_IKE_SCAN_V2 = {"encryption": {"aes-cbc-256", "aes-cbc-128", "3des-cbc", "des-cbc"}, "integrity": {"sha1", "md5"},
                "prf": {"sha1", "md5"}, "dh": {"modp1024", "modp1536", "modp2048"}}


def _ike_scan(sa: SaRecord, first: MessageRef) -> bool:
    """The request is ike-scan's default: bare payloads and its fixed proposals."""
    bare = _V2_BARE if sa.version >= 2 else _V1_BARE.get(first.exchange)
    if first.payloads != bare or first.notifies or not first.proposals:
        return False
    wanted = _IKE_SCAN_V2 if sa.version >= 2 else _IKE_SCAN_V1
    offered = suites(sa.version, first.proposals)
    return all(s.get(attr) and s.get(attr) <= allowed for s in offered for attr, allowed in wanted.items())


def prepares_to_go_on(sa: SaRecord, first: MessageRef) -> bool:
    """An IKEv2 first request that announces NAT detection prepares the move to UDP 4500 that only
    an initiator meaning to go on needs (ike-scan sends none): when such an initiator stops at the
    answer, its next message was blocked or it gave up, which ike.initiator_silent reports."""
    return sa.version >= 2 and N_V2_NAT_DETECTION_SOURCE_IP in first.notifies and not _ike_scan(sa, first)


def probe(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    first_exchanges = (EX_V2_IKE_SA_INIT,) if sa.version >= 2 else (EX_V1_MAIN, EX_V1_AGGRESSIVE)
    if len(sa.exchanges) != 1 or sa.exchanges[0].exchange not in first_exchanges or not sa.initiator_known:
        return
    ex = sa.exchanges[0]
    requests = [sa.messages[i] for i in ex.messages if sa.messages[i].from_initiator]
    answers = [sa.messages[i] for i in ex.messages if not sa.messages[i].from_initiator]
    if not requests or not answers or any(m.retransmit_of is None for m in requests[1:]):
        return  # a second distinct message from the initiator: it went on
    if prepares_to_go_on(sa, requests[0]) or ignored_answers(sa, ex):
        return  # a client that stopped, or one that kept asking past the answers: not a scan
    answer = answers[0]
    accepted = answer.proposals is not None and not any(n < 16384 for n in answer.notifies)
    scanner = _ike_scan(sa, requests[0])
    watched = (sa.closed_at[0] if sa.closed_at is not None else sa.last_ts) - answer.ts
    if not scanner and (not accepted or watched < FOLLOW_UP):
        return  # a refused client stops too, and a capture that ends at the answer cannot tell
    gave: list[str] = []
    if accepted and answer.proposals:
        chosen = suites(sa.version, answer.proposals[:1])
        if chosen:
            p = answer.proposals[0]
            weak = _weak_v2(p, False) if sa.version >= 2 else _weak_v1(p)
            gave.append("its accepted proposal (" + ", ".join(
                f"{k} {'/'.join(sorted(v))}" for k, v in chosen[0].values.items() if k not in ("protocol",) and v)
                + ")" + (f", weak: {', '.join(n for n, _ in weak)}" if weak else ""))
    vendors = [label for from_init, label in sa.vendor_ids if not from_init]
    if vendors:
        gave.append(f"{len(vendors)} vendor ID(s) ({', '.join(vendors[:4])})")
    crackable = sa.version == 1 and answer.exchange == EX_V1_AGGRESSIVE and PL_V1_HASH in answer.payloads
    if crackable:
        gave.append("a hash of the pre-shared key that can be attacked offline (aggressive mode)")
    who = "ike-scan (its default first message)" if scanner else "a scanner"
    kind = {EX_V1_MAIN: "main mode", EX_V1_AGGRESSIVE: "aggressive mode"}.get(ex.exchange, "IKE_SA_INIT")
    summary = (f"{who} probed {sa.responder.address} from {sa.initiator.address} with one {kind} request and "
               f"stopped at the answer" + ("; the answer gave away " + "; ".join(gave) if gave else ""))
    ev = [evidence(requests[0], f"{kind} request" + (", ike-scan's defaults" if scanner else "")),
          evidence(answer, "the answer: " + ("accepted, then nothing from the initiator" if accepted else "refused"))]
    confidence = Confidence.LIKELY if scanner or accepted else Confidence.POSSIBLE
    reason = ("the request is ike-scan's default, byte for byte in its structure and proposals" if scanner else
              f"the responder accepted, and the initiator sent nothing in the {watched:.1f} s after; "
              "a client that gave up at once would look the same")
    yield make(PROBE, confidence, summary, ev, sa=sa.id, exchange=ex.index, reason=reason,
               details={"tool": "ike-scan" if scanner else None, "accepted": accepted,
                        "crackable_hash": crackable, "vendor_ids": vendors},
               severity=Severity.WARNING if crackable or accepted else Severity.INFO)


SA_RULES = (probe,)
