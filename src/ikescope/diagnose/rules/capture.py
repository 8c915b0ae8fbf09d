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

CUT_SHORT = CatalogEntry(
    code="capture.cut_short",
    severity=Severity.WARNING,
    title="The capture file was not read to its end",
    explanation="Reading stopped before the end of the file: it ends inside a packet (info: tcpdump was still "
                "writing it, or was stopped hard), its bytes stop making sense there (damaged), or a limit "
                "stopped the reading (a gzip file that inflates more than a capture can, a record of "
                "gigabytes). Everything before that point is analysed; what came after is not, so SAs open at "
                "the cut may have gone on, and silence at the end of the capture proves nothing.",
    wire="Nothing on the wire: the capture file itself, at the byte where reading stopped.",
    remedy="For a capture still being written, analyse it again when tcpdump has stopped. For a damaged file, "
           "cut it before the damage (editcap, or tcpdump -r ... -w ... -c N) or capture again; for a "
           "decompression bomb, nothing legitimate is lost: a real capture never inflates that much.",
)

ENTRIES = (KERNEL_DROPS, CUT_SHORT)


def kernel_drops(ev: NetEvent) -> Iterable[Finding]:
    p = ev.problem
    if ev.kind != "problem" or p is None or p.code != KERNEL_DROPS.code:
        return
    yield make(KERNEL_DROPS, Confidence.CERTAIN, p.detail,
               [Evidence(frame=ev.frame, ts=ev.ts, text="the kernel's drop counter had grown by this frame")],
               details={"dropped": p.length or 0},
               reason="the kernel counts the packets it dropped")


NET_RULES = (kernel_drops,)


def cut_short(detail: str, kind: str, frame: int, ts: float | None) -> Finding:
    """The finding for a file that was cut short after ``frame`` (its last whole frame); ``kind`` is
    the reader's (``pcapfile.CUT_ENDED`` for a file that simply ends: the common case, info only)."""
    ended = kind == "ended"
    what = {"ended": "the file ends after it", "limit": "a limit stopped the reading after it"}.get(
        kind, "the file is damaged after it")
    summary = (f"the capture was analysed up to frame {frame} and no further: {detail}" if frame else
               f"no frame of the capture could be read: {detail}")
    evidence = [Evidence(frame=frame, ts=ts or 0.0, text=f"the last frame read; {what}")] if frame else []
    return make(CUT_SHORT, Confidence.CERTAIN, summary, evidence,
                details={"kind": kind, "detail": detail, "last_frame": frame},
                reason="the reader stopped at this point of the file",
                severity=Severity.INFO if ended else None)
