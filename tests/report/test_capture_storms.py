"""A short report reads as a whole, but a storm of one kind of capture-level finding (lost fragments,
broken streams) is shown as a few examples and a group, however few SAs the capture holds."""

from __future__ import annotations

import pytest

from ikescope.diagnose.engine import Diagnoser
from ikescope.model import NetEvent, Problem
from ikescope.report.model import CaptureFinding, InputEnded, InputRecord, InputStarted
from ikescope.report.stream import BUFFER_SAS, MarkdownStream, TextStream
from ikescope.report.summary import GROUP_EXAMPLES


def report(fmt: type, lost: int) -> str:
    """The report of a capture holding ``lost`` first fragments whose datagrams never completed."""
    chunks: list[str] = []
    out = fmt(chunks.append)
    diag = Diagnoser()
    out.feed(InputStarted(0, "storm.pcap"))
    for n in range(1, lost + 1):
        problem = Problem("net.fragments_incomplete", f"IP datagram never completed: 1480 bytes (last fragment not "
                                                      f"seen) arrived in frame(s) {n}", length=1480)
        for f in diag.net_event(NetEvent("problem", n, float(n), "192.0.2.1", "198.51.100.1", problem=problem)):
            out.feed(CaptureFinding(0, f))
    out.feed(InputEnded(0, InputRecord(path="storm.pcap", frames=lost)))
    out.close()
    return "".join(chunks)


@pytest.mark.parametrize(("fmt", "shown"), [(TextStream, "ERROR net.fragments_lost  capture"),
                                            (MarkdownStream, "net.fragments_lost")])
def test_a_few_findings_are_all_listed_and_a_storm_of_them_is_grouped(fmt: type, shown: str) -> None:
    few = report(fmt, BUFFER_SAS)
    assert "Groups" not in few and few.count("frame(s) ") >= BUFFER_SAS
    storm = report(fmt, 100)
    assert "Groups" in storm and "net.fragments_lost: 100 times" in storm
    assert storm.count("arrived in frame(s)") <= 2 * GROUP_EXAMPLES  # the examples, and the group's first
    if fmt is TextStream:
        assert few.count(shown) == BUFFER_SAS and storm.count(shown) == GROUP_EXAMPLES
