"""Caps on what the pipeline holds, and the one report each gives once it is reached.

Every table that grows with the input (pending IP fragments, TCP streams, IKE
fragment sets, open SAs) has a cap, so a flood cannot exhaust memory. A cap that
is reached lets something go: a datagram never completed, a set never joined, an
SA concluded before its time. That must not go unsaid, yet a flood reaches a cap
once per item, so a ``Limit`` only counts, and at the end of the input hands on
one problem event for the whole run (``LIMIT_REACHED``), which diagnosis turns
into one finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import NetEvent, Problem, Severity

LIMIT_REACHED = "ikescope.limit_reached"


@dataclass(slots=True)
class Limit:
    """One cap and how often it was reached.

    name: a stable key for the details (``ip_fragments``, ``open_sas``...).
    cap: the size of the table. count: items let go because it was full.
    """

    name: str
    cap: int
    count: int = 0
    first_frame: int = 0
    first_ts: float = 0.0

    def hit(self, frame: int, ts: float, n: int = 1) -> None:
        """``n`` items were let go at ``frame`` to stay within the cap."""
        if not self.count:
            self.first_frame, self.first_ts = frame, ts
        self.count += n

    def event(self, holds: str, gone: str, consequence: str) -> NetEvent | None:
        """The problem event saying so, or None when the cap was never reached: ``holds`` says
        what the table keeps, ``gone`` what happened to the items let go, ``consequence`` what
        that changes in the analysis."""
        if not self.count:
            return None
        detail = f"{holds}; {self.count:,} {gone} once it was full, the first at frame {self.first_frame}: {consequence}"
        problem = Problem(LIMIT_REACHED, detail, length=self.count, severity=Severity.WARNING)
        return NetEvent("problem", self.first_frame, self.first_ts, problem=problem, limit=(self.name, self.cap))
