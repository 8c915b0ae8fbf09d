"""ike.probe: ike-scan's probes against a real strongSwan responder (lab capture), and what is not a probe."""

from __future__ import annotations

from helpers import REPO
from ikescope import api
from ikescope.model import Tick

PCAPS = REPO / "pcaps"


def test_ike_scan_probes_are_probes_and_nothing_else() -> None:
    report = api.analyze([PCAPS / "ikev1-ike-scan-probes.pcap"])
    assert len(report.results) == 3
    for r in report.results:
        top = r.findings[0]
        assert top.code == "ike.probe" and top.root_cause and top.details["tool"] == "ike-scan"
        assert top.details["accepted"]
        assert "weak: " in top.summary and "3DES" in top.summary.split("weak: ")[1]
    assert [r.findings[0].details["crackable_hash"] for r in report.results] == [False, True, False]
    # strongSwan names itself by vendor ID in IKEv1, not in IKEv2
    assert ["XAuth" in r.findings[0].details["vendor_ids"] for r in report.results] == [True, True, False]
    assert [r.findings[0].severity.value for r in report.results] == ["warning"] * 3
    # a scan is no version or exchange-mode mismatch, and the probe finding carries the audit
    codes = {f.code for f in report.findings()}
    assert not codes & {"ike.version_mismatch", "ike.exchange_mode_mismatch", "ike.weak_crypto",
                        "ike.aggressive_psk"}


def _first_two(name: str, later: float | None) -> list:
    """The first two IKE frames of a lab capture, then optionally a clock tick ``later`` seconds on."""
    from ikescope.capture.pcapfile import open_capture
    frames = [f for f in open_capture(PCAPS / name)]
    ike = [f for f in frames if len(f.data) > 42 and f.data[36:38] == b"\x01\xf4"][:2]
    pipe = api.Pipeline()
    out = []
    for f in ike:
        out += pipe.feed(f)
    if later is not None:
        out += pipe.feed(Tick(ike[-1].ts + later))
    out += pipe.finish()
    return [f for r in out if hasattr(r, "findings") for f in r.findings]


def test_a_real_initiator_cut_off_by_the_capture_is_not_a_probe() -> None:
    assert "ike.probe" not in {f.code for f in _first_two("ikev1-main-psk-success.pcap", None)}


def test_an_accepted_answer_left_unused_for_seconds_is_a_likely_probe() -> None:
    (f,) = [f for f in _first_two("ikev1-main-psk-success.pcap", 5.0) if f.code == "ike.probe"]
    assert f.details["tool"] is None and f.confidence.value == "likely" and "a scanner probed" in f.summary


def test_a_refused_client_is_not_a_probe() -> None:
    report = api.analyze([PCAPS / "ikev1-p1-proposal-mismatch.pcap"])
    assert "ike.probe" not in {f.code for f in report.findings()}
