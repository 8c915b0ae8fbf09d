"""IKE-over-TCP streams that could not be read to the end become findings; those dropped to bound
memory are left to the limit they reached."""

from __future__ import annotations

from ikescope.diagnose.engine import Diagnoser
from ikescope.model import NetEvent, Problem, Severity


def event(code: str, detail: str) -> NetEvent:
    return NetEvent("problem", 7, 1.0, "192.0.2.1", "198.51.100.2", 40000, 4500, Problem(code, detail, length=99))


def test_lost_framing_is_a_warning_and_a_capture_ending_mid_message_a_remark() -> None:
    diag = Diagnoser()
    (lost,) = diag.net_event(event("net.tcp_framing", "frame 7: RFC 8229 framing lost at stream offset 0: "
                                                      "length field says 3, below the minimum of 6"))
    assert lost.code == "net.tcp_stream_broken" and lost.severity is Severity.WARNING
    assert lost.summary.startswith("192.0.2.1:40000 -> 198.51.100.2:4500: frame 7: RFC 8229 framing lost")
    (end,) = diag.net_event(event("net.tcp_stream_incomplete", "TCP stream was still open at the end of the "
                                                               "capture with 99 bytes that never formed a "
                                                               "complete message (last frame 7)"))
    assert end.severity is Severity.INFO and end.details == {"problem": "net.tcp_stream_incomplete", "bytes": 99}


def test_a_stream_dropped_to_bound_memory_is_counted_by_its_limit_instead() -> None:
    dropped = event("net.tcp_stream_incomplete", "TCP stream was dropped to bound memory with 99 bytes that "
                                                 "never formed a complete message (last frame 7)")
    assert Diagnoser().net_event(dropped) == []
