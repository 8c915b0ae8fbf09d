"""Messages that break the IKE encoding, seen by ikescope's decoder or reported by a peer.

Three views of the same trouble: the decoder found a fault in a message of an
SA (``ike.malformed``, with the byte offset), a peer said the other's message
was bad (``ike.malformed_reported``), or a message could not be given to any
SA at all (``ike.undecodable``). Notify numbers: RFC 2408 3.14.1 (IKEv1),
RFC 7296 3.10.1 (IKEv2).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Datagram, Severity
from ...track.records import MessageRef, role_name, SaRecord
from ...wire import registry as reg
from ...wire.message import Decoded
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_MAIN,
    N_V1_BAD_PROPOSAL_SYNTAX,
    N_V1_DOI_NOT_SUPPORTED,
    N_V1_INVALID_EXCHANGE_TYPE,
    N_V1_INVALID_FLAGS,
    N_V1_INVALID_MESSAGE_ID,
    N_V1_INVALID_MINOR_VERSION,
    N_V1_INVALID_PAYLOAD_TYPE,
    N_V1_INVALID_PROTOCOL_ID,
    N_V1_PAYLOAD_MALFORMED,
    N_V1_SITUATION_NOT_SUPPORTED,
    N_V1_UNEQUAL_PAYLOAD_LENGTHS,
    N_V1_UNSUPPORTED_EXCHANGE_TYPE,
    N_V2_INVALID_MESSAGE_ID,
    N_V2_INVALID_SYNTAX,
    N_V2_UNSUPPORTED_CRITICAL_PAYLOAD,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make

# Notifies by which a peer says the message it received was badly built.
REPORTED = {
    1: frozenset({N_V1_INVALID_PAYLOAD_TYPE, N_V1_DOI_NOT_SUPPORTED, N_V1_SITUATION_NOT_SUPPORTED,
                  N_V1_INVALID_MINOR_VERSION, N_V1_INVALID_EXCHANGE_TYPE, N_V1_INVALID_FLAGS, N_V1_INVALID_MESSAGE_ID,
                  N_V1_INVALID_PROTOCOL_ID, N_V1_BAD_PROPOSAL_SYNTAX, N_V1_PAYLOAD_MALFORMED,
                  N_V1_UNSUPPORTED_EXCHANGE_TYPE, N_V1_UNEQUAL_PAYLOAD_LENGTHS}),
    2: frozenset({N_V2_UNSUPPORTED_CRITICAL_PAYLOAD, N_V2_INVALID_SYNTAX, N_V2_INVALID_MESSAGE_ID}),
}
# Problems that describe a message cut short; when the capture's snap length did the
# cutting, the peer sent a whole message and nothing is wrong on the wire.
CUT_SHORT = frozenset({"ike.truncated", "ike.payload_truncated", "ike.payload_overrun", "ike.chain_unterminated",
                       "ike.substructure_overrun", "ike.payload_body_short"})
# Reported under their own code, with what they mean for the negotiation.
OWNED_ELSEWHERE = frozenset({"ike.unknown_version"})  # ike.version_mismatch
MAX_EVIDENCE = 5
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}

MALFORMED = CatalogEntry(
    code="ike.malformed",
    severity=Severity.ERROR,
    title="Malformed IKE message",
    explanation="A message of this negotiation breaks the IKE encoding: a length that does not add up, a "
                "payload that runs past the end, bits that must be zero, an unknown payload marked critical. "
                "The receiving gateway will usually drop such a message or answer with an error, so the "
                "negotiation stalls. Warnings and notes of this kind are tolerated by most implementations "
                "but point at a buggy sender or something rewriting packets in between.",
    wire="ikescope's decoder names the fault and the byte offset inside the IKE message (counted from the "
         "first byte of the ISAKMP header).",
    remedy="Look at the named offset in the named frame. If the sender is a gateway, update its software or "
           "report the bug to its vendor; if a middlebox (NAT, firewall with an IPsec helper, load balancer) "
           "sits between the peers, capture on both sides of it to see whether it rewrites the packet.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 24: invalid length"),
                 VendorRef("Huawei", "reason code 28: malformed payload"),
                 VendorRef("Huawei", "reason code 30: malformed message"),
                 VendorRef("Huawei", "reason code 33: unknown exchange type"),
                 VendorRef("Huawei", "reason code 34: critical drop (unidentified critical payload)"),
                 VendorRef("Huawei", "reason code 35: uncritical drop (unidentified non-critical payload)"),
                 VendorRef("Clavister", "Payload_Malformed")),
)

MALFORMED_REPORTED = CatalogEntry(
    code="ike.malformed_reported",
    severity=Severity.ERROR,
    title="A peer reports that the other's message was malformed",
    explanation="One gateway answered with a notify saying it could not parse the other's message: a "
                "payload type it does not know, bad syntax, a wrong message ID, an exchange type it does not "
                "support. Either the sender builds the message wrongly, or the receiver could not decrypt it "
                "(in IKEv1 a wrong pre-shared key makes the decrypted message 5 look like garbage, which is "
                "then reported as PAYLOAD-MALFORMED).",
    wire="An error notify such as PAYLOAD-MALFORMED (16), INVALID-PAYLOAD-TYPE (1), INVALID-MESSAGE-ID (9) in "
         "IKEv1, or INVALID_SYNTAX (7), UNSUPPORTED_CRITICAL_PAYLOAD (1), INVALID_MESSAGE_ID (9) in IKEv2.",
    remedy="If it answers an encrypted IKEv1 message, first check that both sides use the same pre-shared key "
           "and key type (passphrase or hex). Otherwise compare the software versions and features of the two "
           "gateways (one may send extensions the other does not know) and capture on both sides to rule out "
           "a device in between that alters packets.",
    vendor_refs=(VendorRef("ZyWALL", "PYLD_MALFORMED (usually means the two ends do not use the same "
                                     "pre-shared key)"),
                 VendorRef("Clavister", "Payload_Malformed"),
                 VendorRef("Clavister", "Ike_invalid_payload"),
                 VendorRef("Huawei", "reason code 28: malformed payload"),
                 VendorRef("Huawei", "reason code 30: malformed message"),
                 VendorRef("Huawei", "reason code 33: unknown exchange type"),
                 VendorRef("Huawei", "reason code 34: critical drop")),
)

UNDECODABLE = CatalogEntry(
    code="ike.undecodable",
    severity=Severity.WARNING,
    title="A message on the IKE ports is not IKE",
    explanation="Something arrived on UDP 500/4500 (or IKE over TCP) that cannot be an IKE message: too short "
                "for the 28-byte ISAKMP header, or with a major version that is neither IKEv1 nor IKEv2. "
                "Gateways drop such packets. A few stray ones are harmless (scanners, broken keepalives); a "
                "stream of them from a peer means it speaks something else on these ports.",
    wire="The UDP or TCP payload where the ISAKMP header should start; the decoder names what is wrong.",
    remedy="Find out which program sends these packets from the named address. If it is the VPN peer, check "
           "its IKE version setting and its software; if a NAT-T peer, check that it puts the four-zero "
           "non-ESP marker before IKE on port 4500.",
    vendor_refs=(VendorRef("Huawei", "reason code 26: unsupported version"),
                 VendorRef("Huawei", "reason code 24: invalid length"),
                 VendorRef("Huawei", "reason code 30: malformed message")),
)

ENTRIES = (MALFORMED, MALFORMED_REPORTED, UNDECODABLE)


def _cut_by_capture(m: MessageRef, code: str) -> bool:
    return m.truncated and code in CUT_SHORT


def malformed(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """One finding per decoder problem code per SA, with every message that shows it (up to a few)."""
    by_code: dict[str, list[tuple[MessageRef, int]]] = {}
    for m in sa.messages:
        if m.retransmit_of is not None:
            continue
        for i, p in enumerate(m.problems):
            if p.code.startswith("ike.") and p.code not in OWNED_ELSEWHERE and not _cut_by_capture(m, p.code):
                by_code.setdefault(p.code, []).append((m, i))
    for code, hits in by_code.items():
        problems = [m.problems[i] for m, i in hits]
        severity = min((p.severity for p in problems), key=_SEVERITY_ORDER.__getitem__)
        ev = [evidence(m, m.problems[i].detail, m.problems[i].offset) for m, i in hits[:MAX_EVIDENCE]]
        first = problems[0]
        where = f" at offset {first.offset}" if first.offset is not None else ""
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        senders = {("initiator" if m.from_initiator else "responder") for m, _ in hits}
        yield make(MALFORMED, Confidence.CERTAIN,
                   f"{code} in frame {hits[0][0].frame}{where}{more}, sent by the {' and '.join(sorted(senders))}: "
                   f"{first.detail}", ev, sa=sa.id, severity=severity,
                   details={"problem": code, "count": len(hits)},
                   reason="ikescope's decoder found the fault in the bytes of the message")


def _reported_after_encrypted(sa: SaRecord, m: MessageRef) -> bool:
    """An IKEv1 PAYLOAD-MALFORMED that answers the other side's encrypted phase-1 message."""
    return any(o.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE) and o.encrypted and o.from_initiator != m.from_initiator
               and o.ts <= m.ts for o in sa.messages)


def malformed_reported(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """Readable notifies by which a peer rejects the other's message as badly built, one finding
    per notify type and sender (a peer usually repeats it for every retransmission)."""
    wanted = REPORTED.get(sa.version, frozenset())
    seen: dict[tuple[int, bool], list[MessageRef]] = {}
    for m in sa.messages:
        if m.retransmit_of is None:
            for n in m.notifies:
                if n in wanted:
                    seen.setdefault((n, m.from_initiator), []).append(m)
    for (n, from_initiator), msgs in seen.items():
        name = reg.notify_name(sa.version, n)
        by, other = role_name(from_initiator), role_name(not from_initiator)
        first = msgs[0]
        ev = []
        before = [o for o in sa.messages if o.from_initiator != from_initiator and o.ts <= first.ts]
        if before:
            ev.append(evidence(before[-1], f"the {other}'s last message before it"))
        ev += [evidence(m, f"{name} ({n}) from the {by}") for m in msgs[:MAX_EVIDENCE]]
        severity = None
        times = f" ({len(msgs)} times)" if len(msgs) > 1 else ""
        summary = f"the {by} says a message from the {other} was malformed: {name}{times}"
        if sa.version == 1 and n == N_V1_PAYLOAD_MALFORMED and _reported_after_encrypted(sa, first):
            severity = Severity.WARNING
            summary += "; it answers an encrypted phase-1 message, so most likely the pre-shared keys differ"
        yield make(MALFORMED_REPORTED, Confidence.CERTAIN, summary, ev, sa=sa.id, severity=severity,
                   details={"notify": n, "name": name, "count": len(msgs)},
                   reason=f"the {by} says so with a readable {name} notify")


def undecodable(dg: Datagram, decoded: Decoded) -> Iterable[Finding]:
    """A message the tracker could not take: no ISAKMP header, or an unknown major version."""
    problem = next((p for p in decoded.problems if p.code in ("ike.too_short", "ike.unknown_version")), None)
    if decoded.message is not None and decoded.message.header.major in (1, 2):
        return
    if problem is None:
        detail, offset = "not an IKEv1 or IKEv2 message", None
    else:
        detail, offset = problem.detail, problem.offset
    ev = Evidence(frame=dg.frame, ts=dg.ts, text=detail, offset=offset)
    yield make(UNDECODABLE, Confidence.CERTAIN,
               f"{len(dg.payload)} bytes from {dg.src}:{dg.sport} to {dg.dst}:{dg.dport} are not IKE: {detail}",
               [ev], details={"problem": problem.code if problem else None, "length": len(dg.payload),
                              "src": dg.src, "dst": dg.dst},
               reason="the ISAKMP header cannot be read as IKEv1 or IKEv2")


SA_RULES = (malformed, malformed_reported)
MESSAGE_RULES = (undecodable,)
