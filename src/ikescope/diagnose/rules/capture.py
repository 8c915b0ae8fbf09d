"""The capture itself lost packets: what the analysis can no longer conclude.

A live capture reads the kernel's drop counter. Packets the kernel dropped
before ikescope saw them are indistinguishable from packets the network lost,
so every conclusion that rests on silence (no response, a dead peer, lost
fragments) is unsafe for the time of the drops.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import NetEvent, Severity
from ..finding import CatalogEntry, Confidence, Evidence, Finding, make

KERNEL_DROPS = CatalogEntry(
    code="capture.kernel_drops",
    severity=Severity.WARNING,
    title="The capture dropped packets",
    explanation="The kernel dropped packets of the live capture because ikescope did not read them fast enough "
                "(or its buffer was full). Those packets were on the wire but are not in the analysis, so a "
                "request that looks unanswered, a peer that looks silent or fragments that look lost may only "
                "have been dropped by the capture.",
    wire="Nothing on the wire: the packet socket's drop counter (PACKET_STATISTICS) grew.",
    remedy="Narrow the capture filter (-f) to the peers in question, give the machine more CPU, or capture "
           "with tcpdump to a file and analyse it afterwards; treat findings about silence during the drops "
           "with care.",
)

ENTRIES = (KERNEL_DROPS,)


def kernel_drops(ev: NetEvent) -> Iterable[Finding]:
    p = ev.problem
    if ev.kind != "problem" or p is None or p.code != KERNEL_DROPS.code:
        return
    yield make(KERNEL_DROPS, Confidence.CERTAIN, p.detail,
               [Evidence(frame=ev.frame, ts=ev.ts, text="the kernel's drop counter had grown by this frame")],
               details={"dropped": p.length or 0},
               reason="the kernel counts the packets it dropped")


NET_RULES = (kernel_drops,)
