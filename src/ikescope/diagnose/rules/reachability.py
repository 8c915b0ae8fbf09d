"""The network says the peer cannot be reached: ICMP errors quoting IKE datagrams.

A host with no IKE daemon on UDP 500/4500 answers with ICMP port unreachable
(RFC 792 code 3, RFC 4443 code 4); a router or firewall may answer host
unreachable or administratively prohibited. Such an answer explains a silent
responder better than any guess, so it is the root cause when it is there.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import SaRecord
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, make

PEER_UNREACHABLE = CatalogEntry(
    code="ike.peer_unreachable",
    severity=Severity.ERROR,
    title="IKE packets refused by the network (ICMP unreachable)",
    explanation="The peer's host, or a router or firewall on the way, answered the IKE packets with an ICMP "
                "destination-unreachable error. \"Port unreachable\" from the peer itself means nothing listens "
                "for IKE there: the IKE daemon is stopped, listens on another address, or the packets go to the "
                "wrong host. \"Administratively prohibited\" means a firewall rejects them.",
    wire="ICMP (or ICMPv6) destination unreachable messages that quote the IKE datagram, usually after each "
         "retransmission of the same request.",
    remedy="Check that the IKE service runs on the peer and listens on the address the initiator uses "
           "(UDP 500 and 4500), that the configured peer address is right, and that no firewall between the "
           "gateways rejects UDP 500/4500.",
    vendor_refs=(VendorRef("Clavister", "tunnel can only be initiated from one side (the other side never "
                                        "sees the request)"),),
)

ENTRIES = (PEER_UNREACHABLE,)


def peer_unreachable(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if not sa.unreachable:
        return
    answered = any(not sa.messages[i].from_initiator for e in sa.exchanges for i in e.messages)
    first = sa.unreachable[0]
    ev = [Evidence(frame, ts, detail.split(": ", 1)[-1]) for frame, ts, _, detail in sa.unreachable[:6]]
    req = next((m for m in sa.messages if m.frame < first[0]), None)
    if req is not None:
        ev.insert(0, Evidence(req.frame, req.ts, "the IKE request the first ICMP error quotes"))
    kind = "port unreachable" if "port unreachable" in first[3] else "unreachable"
    summary = (f"{len(sa.unreachable)} ICMP {kind} error(s) answer the IKE packets to "
               f"{sa.responder.address if first[2] else sa.initiator.address}")
    yield make(PEER_UNREACHABLE, Confidence.CERTAIN if not answered else Confidence.POSSIBLE, summary, ev,
               sa=sa.id, severity=None if not answered else Severity.WARNING,
               reason="ICMP errors quoting the IKE datagrams are in the capture" if not answered else
               "the peer also answered some IKE messages, so the errors may come from a path or a moment only")


SA_RULES = (peer_unreachable,)
