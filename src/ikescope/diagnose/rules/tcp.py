"""IKE over TCP (RFC 8229) streams that could not be read to the end.

The net layer reports a stream whose length framing it lost, one with a gap it
gave up waiting for, and bytes that never formed a whole message. The IKE
messages in those bytes are missing from the analysis, so each is a finding
(streams dropped to bound memory are counted by ``limits`` instead). A capture
that ends while a stream is open is normal, and only remarked on.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import NetEvent, Severity
from ..finding import CatalogEntry, Confidence, Evidence, Finding, make

BROKEN_CODES = ("net.tcp_framing", "net.tcp_gap", "net.tcp_stream_incomplete")
AT_THE_END = "still open at the end of the capture"
DROPPED = "dropped to bound memory"

TCP_STREAM_BROKEN = CatalogEntry(
    code="net.tcp_stream_broken",
    severity=Severity.WARNING,
    title="Part of an IKE-over-TCP stream could not be read",
    explanation="IKE over TCP (RFC 8229) puts a 2-byte length before each message. When that framing cannot "
                "be followed (a length below the minimum, bytes the capture never kept, a message that never "
                "ends), the IKE messages in the rest of the stream are missing from the analysis. If the stream "
                "broke on the wire as well, the peer never received them either.",
    wire="A TCP stream on port 4500 (or opened with the IKETCP prefix) whose length field is below 6, points "
         "across a gap in the capture, or announces more bytes than came before the stream ended.",
    remedy="Capture with the full snap length (-s 0) and without drops. If the connection really ended in the "
           "middle of a message, look for what closed or reset it: a proxy, a firewall's idle timeout, or a "
           "peer that restarted.",
)

ENTRIES = (TCP_STREAM_BROKEN,)


def tcp_stream_broken(ev: NetEvent) -> Iterable[Finding]:
    p = ev.problem
    if ev.kind != "problem" or p is None or p.code not in BROKEN_CODES or DROPPED in p.detail:
        return
    between = f"{ev.src}:{ev.sport} -> {ev.dst}:{ev.dport}: " if ev.src else ""
    at_end = AT_THE_END in p.detail
    yield make(TCP_STREAM_BROKEN, Confidence.CERTAIN if at_end else Confidence.LIKELY, between + p.detail,
               [Evidence(frame=ev.frame, ts=ev.ts, text="the last segment of the stream read")],
               details={"problem": p.code, "bytes": p.length},
               reason=("the capture ends before the message does" if at_end else
                       "the length framing of the stream cannot be followed past this point"),
               severity=Severity.INFO if at_end else None)


NET_RULES = (tcp_stream_broken,)
