"""A capture that shows only part of a negotiation supports no certainty about the part it lacks."""

from __future__ import annotations

from helpers import need_corpus
from ikescope import api


def test_a_refusal_without_the_initiators_side_says_the_retry_is_unknown() -> None:
    path = need_corpus() / "openswan/lp08-parentR1/parentR1notify.pcap"
    report = api.analyze([path])
    roots = [f for r in report.results for f in r.findings if f.root_cause]
    assert roots and all(f.code == "ike.dh_group_mismatch" for f in roots)
    for f in roots:
        assert f.confidence.value == "possible" and f.details["partial_capture"]
        assert "no message from the initiator" in f.summary and "never retried" not in f.summary


def test_a_fuzzed_message_is_not_an_established_sa() -> None:
    report = api.analyze([need_corpus() / "tcpdump/isakmp-delete-segfault.pcap"])
    (r,) = report.results
    assert r.sa.outcome == "incomplete" and "malformed" in r.sa.outcome_detail
    assert r.findings[0].code == "ike.malformed"
