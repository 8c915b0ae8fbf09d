"""A capture whose clock steps back or leaps ahead: every timeout the analysis applies is off.

The net layer watches the frames' timestamps (``net.clock``) and reports once,
at the end of the input, how often the clock jumped; this module turns that
into a capture-level finding, so a report whose times look odd says why.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import NetEvent, Severity
from ...net.clock import TIME_JUMPS
from ..finding import CatalogEntry, Confidence, Evidence, Finding, make

CLOCK = CatalogEntry(
    code=TIME_JUMPS,
    severity=Severity.WARNING,
    title="The capture's clock jumps",
    explanation="The frames' timestamps go backwards, or leap more than a year ahead, from one frame to the "
                "next. ikescope times everything by the capture's clock, so near those frames idle timeouts "
                "close IKE SAs too early or too late (one negotiation may show as two SAs), retransmission "
                "intervals and round-trip times are wrong, and the times in the report are off. Devices "
                "without a real-time clock (dates in 1970), captures merged from machines whose clocks "
                "disagree, and damaged files do this.",
    wire="Frames stamped more than a second before the frame ahead of them, or more than a year after it.",
    remedy="Check the clock of the machine that captured (NTP) and how the file was made. Frames that are "
           "only out of order (a merge) can be sorted by time with Wireshark's reordercap before analysing "
           "again; with a clock that was simply wrong, the order of the messages within each SA still holds "
           "but the durations do not.",
)

ENTRIES = (CLOCK,)


def time_jumps(ev: NetEvent) -> Iterable[Finding]:
    p = ev.problem
    if ev.kind != "problem" or p is None or p.code != TIME_JUMPS:
        return
    yield make(CLOCK, Confidence.CERTAIN, p.detail,
               [Evidence(frame=ev.frame, ts=ev.ts, text="the first frame out of line with the one ahead of it")],
               details={"frames": p.length or 0}, reason="the timestamps themselves say so")


NET_RULES = (time_jumps,)
