"""What ikescope itself let go to stay within its memory limits.

The pipeline's caps (``ikescope.limits``) let something go once they are full:
an incomplete datagram, a fragment set, an SA concluded before its time, the
messages of an SA beyond the number kept. A flood does that once per item, so
each cap reports once for the whole input, with a count; an SA that had more
messages than are kept says so on that SA.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...limits import LIMIT_REACHED
from ...model import NetEvent, Severity
from ...track.records import SaRecord
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, evidence, make

LIMIT = CatalogEntry(
    code=LIMIT_REACHED,
    severity=Severity.WARNING,
    title="ikescope reached one of its memory limits",
    explanation="To read captures of any length in bounded memory, ikescope caps what it holds at once: IP "
                "datagrams waiting for their fragments, IKE-over-TCP streams, IKE fragment sets, open IKE SAs, "
                "the messages kept per SA. This capture filled a cap, so something was let go; the finding says "
                "what, how often and from which frame. It is what a flood, a scan or a retransmission storm "
                "leaves, or a very busy link. The conclusions about what was let go are incomplete; the rest "
                "of the analysis is not affected.",
    wire="Nothing wrong as such: more at once than the cap allows (the guide lists the limits), such as many "
         "distinct SPIs, fragments that never complete, or one IKE SA with a great many messages.",
    remedy="Treat the flood itself as a finding (the groups show who sent it). To see the traffic that was let "
           "go in full, cut the capture down to the peers or the time of interest (tcpdump host ..., editcap "
           "-A/-B) and analyse that part; a shorter --idle-timeout keeps fewer IKE SAs open.",
    supporting=True,
)

ENTRIES = (LIMIT,)


def limit_reached(ev: NetEvent) -> Iterable[Finding]:
    p = ev.problem
    if ev.kind != "problem" or p is None or p.code != LIMIT_REACHED:
        return
    name, cap = ev.limit or ("", 0)
    yield make(LIMIT, Confidence.CERTAIN, p.detail, [Evidence(frame=ev.frame, ts=ev.ts, text="the first let go")],
               details={"limit": name, "cap": cap, "dropped": p.length or 0},
               reason="ikescope counts what its caps let go")


def messages_dropped(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """An SA with more messages than the tracker keeps: its exchanges and counts cover the first ones only.
    A warning when the SA did not come up (a storm), a remark on a long-lived tunnel."""
    if not sa.dropped_messages or not sa.messages:
        return
    kept, dropped = len(sa.messages), sa.dropped_messages
    came_up = sa.outcome in ("established", "deleted")
    yield make(LIMIT, Confidence.CERTAIN,
               f"this SA had {kept + dropped:,} messages and only its first {kept:,} are kept: the last {dropped:,} "
               "were counted, not analysed, so its exchanges, retransmissions and findings describe the first "
               f"{kept:,}", [evidence(sa.messages[-1], "the last message kept")], sa=sa.id,
               details={"limit": "messages_per_sa", "cap": kept, "dropped": dropped},
               reason="the tracker counts the messages it does not keep",
               severity=Severity.INFO if came_up else None)


NET_RULES = (limit_reached,)
SA_RULES = (messages_dropped,)
