"""Real negotiations with bytes changed at random go through the whole chain
without an exception and without any rule failing: bad input is data."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import REPO
from ikescope import api
from ikescope.capture.pcapfile import open_capture
from ikescope.model import Frame
from ikescope.report.model import SaResult

CAPTURES = ("ikev2-psk-mismatch.pcap", "ikev1-main-psk-success.pcap", "ikev2-invalid-ke-retry.pcap",
            "ikev2-cert-ikefrag-success.pcap", "ikev1-xauth-modecfg.pcap")
FRAMES = {name: list(open_capture(REPO / "pcaps" / name)) for name in CAPTURES}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CAPTURES), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12),
       st.integers(0, 3))
def test_mutated_captures_never_break_the_analysis(name: str, flips: list, drop: int) -> None:
    frames = list(FRAMES[name])
    for pos, value in flips:
        i = pos % len(frames)
        f = frames[i]
        data = bytearray(f.data)
        at = 42 + pos % max(1, len(data) - 42) if len(data) > 42 else 0  # past Ethernet/IPv4/UDP headers
        if at < len(data):
            data[at] = value
        frames[i] = Frame(f.index, f.ts, f.linktype, bytes(data), f.wirelen)
    if drop and len(frames) > drop:
        del frames[drop]
    items = list(api.analyze_frames(frames))
    findings = [f for it in items for f in (it.findings if isinstance(it, SaResult) else [it.finding])]
    assert not [f for f in findings if f.code == "ikescope.rule_error"], [f.summary for f in findings]
