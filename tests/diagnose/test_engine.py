"""Ranking and the rule guard of the diagnosis engine."""

from __future__ import annotations

from ikescope.diagnose.engine import Diagnoser, rank
from ikescope.diagnose.finding import CatalogEntry, Confidence, Evidence, make
from ikescope.model import Severity
from ikescope.track.records import Endpoint, SaRecord


def entry(code: str, severity: Severity, supporting: bool = False) -> CatalogEntry:
    return CatalogEntry(code, severity, code, "x", "x", "x", supporting=supporting)


def ev(frame: int) -> list[Evidence]:
    return [Evidence(frame, 0.0, "x")]


def test_cause_ranks_above_symptom_and_info() -> None:
    symptom = make(entry("t.retrans", Severity.ERROR, supporting=True), Confidence.CERTAIN, "s", ev(1))
    cause = make(entry("t.cause", Severity.ERROR), Confidence.LIKELY, "c", ev(5))
    info = make(entry("t.info", Severity.INFO), Confidence.CERTAIN, "i", ev(0))
    ranked = rank([info, symptom, cause])
    assert [f.code for f in ranked] == ["t.cause", "t.retrans", "t.info"]
    assert ranked[0].root_cause and not ranked[1].root_cause


def test_a_symptom_alone_is_the_root_cause_and_info_never_is() -> None:
    symptom = make(entry("t.silence", Severity.ERROR, supporting=True), Confidence.LIKELY, "s", ev(1))
    assert rank([symptom])[0].root_cause
    info = make(entry("t.info", Severity.INFO), Confidence.CERTAIN, "i", ev(0))
    assert not rank([info])[0].root_cause


def test_a_failing_rule_becomes_a_finding() -> None:
    def broken(sa, ctx):
        raise ValueError("boom")
        yield  # pragma: no cover

    sa = SaRecord(id=1, version=2, ispi=b"\x01" * 8, rspi=b"\0" * 8, initiator=Endpoint("192.0.2.1", 500),
                  responder=Endpoint("192.0.2.2", 500), initiator_known=True)
    (f,) = Diagnoser(sa_rules=[broken]).sa_closed(sa)
    assert f.code == "ikescope.rule_error" and "broken" in f.summary and "boom" in f.summary
