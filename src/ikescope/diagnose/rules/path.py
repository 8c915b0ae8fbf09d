"""Findings from two capture points of one path (``track.path``): messages lost between the
points, and the address translation a NAT between them applies.

These are not SA rules: only an analysis of two captures at once (``analyze`` with two points)
knows where a message was seen, so it hands an SA's ``MessagePath``s to ``path_findings``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from ...model import Severity
from ...track.path import MessagePath
from ...track.records import SaRecord
from ...wire import registry as reg
from ..finding import CatalogEntry, Confidence, Evidence, Finding, make

LOST_BETWEEN_POINTS = CatalogEntry(
    code="path.lost_between_points",
    severity=Severity.WARNING,
    title="IKE messages lost between the two capture points",
    explanation="The same negotiation was captured at two points of its path (both gateways, or both sides of a "
                "NAT or firewall). Some copies of a message were captured at the point they passed first and never "
                "at the other, although the other point was capturing then: they were lost between the two "
                "points, by a firewall, a NAT, a router or the link in between, not by either gateway.",
    wire="A message (the same IKE bytes, whatever the IP and UDP headers) at one point with no copy at the other "
         "within a few seconds, after the clock offset between the two captures is taken out.",
    remedy="Look at what lies between the two points for the direction named: firewall rules for UDP 500/4500, "
           "IP fragments (a large IKE_AUTH: enable IKE fragmentation), rate limits, NAT state. A message lost "
           "every time points at a rule; one lost once and passed on retransmission, at congestion or a rate "
           "limit.",
)

REWRITTEN_BETWEEN_POINTS = CatalogEntry(
    code="path.rewritten_between_points",
    severity=Severity.INFO,
    title="Addresses or ports rewritten between the two capture points",
    explanation="The same IKE messages carry other IP addresses or UDP ports at one capture point than at the "
                "other: a NAT (or a load balancer) between the points rewrites them. The mapping shows which "
                "address and port each gateway is known by on each side, which is what the peers' configured "
                "addresses and identities must match.",
    wire="Matching IKE bytes at both points with different source or destination address or port.",
    remedy="Nothing to do if the NAT is expected; otherwise check the peers' remote addresses, and that UDP 4500 "
           "is forwarded once NAT-T is used.",
)

ENTRIES = (LOST_BETWEEN_POINTS, REWRITTEN_BETWEEN_POINTS)


def describe(mp: MessagePath) -> str:
    """"IKE_AUTH response (message ID 1) from 203.0.113.2:4500": the IKE header the bytes start
    with, and the sender as the first point saw it (else the second); an IKEv1 message is told
    by its first payload (or as encrypted)."""
    hdr = mp.header
    if len(hdr) < 24:
        return "a message too short for an IKE header"
    version = 1 if hdr[17] >> 4 == 1 else 2
    name = reg.exchange_name(version, hdr[18])
    mid = int.from_bytes(hdr[20:24], "big")
    flows = sorted(mp.flows[0] or mp.flows[1])
    sender = f" from {flows[0].split(' -> ')[0]}" if flows else ""
    if version == 2:
        return f"{name} {'response' if hdr[19] & 0x20 else 'request'} (message ID {mid}){sender}"
    # IKEv1 has no response flag, and phase 1 keeps message ID 0: the first payload tells its messages apart
    first = "encrypted" if hdr[19] & 0x01 else f"first payload {reg.payload_name(1, hdr[16])}"
    return f"{name} message (message ID {mid}, {first}){sender}"


def _copies(n: int) -> str:
    return f"{n} cop{'y' if n == 1 else 'ies'}"


def path_findings(sa: SaRecord, messages: list[MessagePath], names: tuple[str, str]) -> list[Finding]:
    """What two points tell of one SA: losses between them, and the NAT mapping. ``names``:
    the points' names for the summaries (the frames cited are the first point's where it
    saw the message, else the second's, which the text says)."""
    out: list[Finding] = []
    mapping = nat_mapping(messages)
    lost: list[str] = []
    details: list[dict[str, object]] = []
    ev: list[Evidence] = []
    for mp in messages:
        for point in (0, 1):
            n = mp.lost[point]
            if not n:
                continue
            seen = len(mp.frames[point])
            what = describe(mp)
            lost.append(f"{what}: {n} of {seen} {'copy' if seen == 1 else 'copies'} seen at {names[point]} "
                        f"never reached {names[1 - point]}")
            details.append({"message": what, "from_point": point, "to_point": 1 - point,
                            "copies_lost": n, "copies_passed": mp.passed,
                            "frames": mp.lost_frames[point], "packets": mp.packets[point], "flow": sorted(mp.flows[point])})
            at = point if mp.frames[point] and (point == 0 or not mp.frames[0]) else 0
            frames = ", ".join(map(str, mp.lost_frames[point]))
            ev.append(Evidence(frame=mp.frames[at][0], ts=mp.times[at][0],
                               text=f"{what}: {_copies(n)} lost from {names[point]} to {names[1 - point]} "
                                    f"(frame{'s' if n > 1 else ''} {frames} there)"))
    if lost:
        summary = "; ".join(lost[:3]) + (f"; and {len(lost) - 3} more" if len(lost) > 3 else "")
        out.append(make(LOST_BETWEEN_POINTS, Confidence.CERTAIN, f"Lost between the capture points: {summary}",
                        ev, sa=sa.id, reason="seen at one capture point and not at the other while it was capturing",
                        details={"lost": details, "nat_mapping": mapping}))
    if mapping:
        text = "; ".join(f"{m['point0']} at {names[0]} is {m['point1']} at {names[1]}" for m in mapping)
        first = next((mp for mp in messages if mp.passed), None)
        out.append(make(REWRITTEN_BETWEEN_POINTS, Confidence.CERTAIN, f"NAT between the capture points: {text}",
                        [Evidence(frame=first.frames[0][0], ts=first.times[0][0],
                                  text=f"{describe(first)}: {', '.join(sorted(first.flows[0]))} at {names[0]}, "
                                       f"{', '.join(sorted(first.flows[1]))} at {names[1]}")] if first else [],
                        sa=sa.id, reason="the same IKE bytes at both points under other addresses or ports",
                        details={"nat_mapping": mapping}))
    return out


def nat_mapping(messages: list[MessagePath]) -> list[dict[str, str]]:
    """Each address and port that matched messages carry differently at the two points, as
    {"point0": "address:port" there, "point1": "address:port" there}."""
    return [{"point0": a, "point1": b} for a, b in endpoint_mapping(
        (next(iter(mp.flows[0])), next(iter(mp.flows[1]))) for mp in messages
        if mp.passed and len(mp.flows[0]) == 1 and len(mp.flows[1]) == 1)]


def endpoint_mapping(flows: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(endpoint at point 0, endpoint at point 1) that differ, from pairs of flows
    ("src:port -> dst:port") of the same messages, in order first seen."""
    seen: dict[tuple[str, str], None] = {}
    for a, b in flows:
        for x, y in zip(a.split(" -> "), b.split(" -> ")):
            if x != y:
                seen[(x, y)] = None
    return list(seen)


def median_delay(mp: MessagePath) -> float | None:
    return round(statistics.median(mp.delays), 6) if mp.delays else None
