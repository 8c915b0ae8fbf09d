"""Differential diagnosis: the other causes that fit a root cause's packets, and what they do to
its confidence."""

from __future__ import annotations

from dataclasses import replace

from helpers import REPO
from ikescope import api
from ikescope.diagnose import expect
from ikescope.diagnose.context import DiagnoseSettings, RuleContext
from ikescope.diagnose.differential import differential
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.finding import Confidence
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

PCAPS = REPO / "pcaps"


def root(path: str, settings: DiagnoseSettings | None = None):
    report = api.analyze([PCAPS / path], api.Settings(diagnose=settings or DiagnoseSettings()))
    (f,) = [f for r in report.results for f in r.findings if f.root_cause]
    return f


def sas(path: str) -> list:
    return list(api.track(api.decode_file(PCAPS / path)))


def test_a_refused_proposal_could_be_a_missing_configuration() -> None:
    f = root("ikev2-ike-proposal-mismatch.pcap")
    assert f.code == "ike.proposal_mismatch" and f.confidence.value == "likely"
    assert "no configuration for this initiator" in f.alternatives[0].cause
    assert "ike.version_mismatch" in [a.code for a in f.alternatives]
    assert "no IKE config found" in f.alternatives[0].tell_apart
    assert "leaves the same packets" in f.confidence_reason


def test_the_engineers_own_configuration_settles_it() -> None:
    f = root("ikev2-ike-proposal-mismatch.pcap",
             DiagnoseSettings(expect_ike=expect.parse("aes128-sha256-modp2048", "ike")))
    assert f.confidence.value == "certain" and f.alternatives == ()


def test_an_earlier_sa_that_got_further_rules_out_a_missing_configuration() -> None:
    (refused,) = sas("ikev2-ike-proposal-mismatch.pcap")
    (worked,) = sas("ikev2-psk-success.pcap")  # the same two lab addresses
    diag = Diagnoser()
    diag.sa_closed(worked)
    f = diag.sa_closed(refused)[0]
    assert f.code == "ike.proposal_mismatch" and f.confidence.value == "certain" and f.alternatives == ()
    ctx = RuleContext()  # the same SA judged without that history keeps the alternatives
    alone = differential(refused, [replace(f, confidence=Confidence.CERTAIN)], ctx)
    assert alone[0].alternatives and alone[0].confidence.value == "likely"


def test_a_silent_ikev1_first_message_lists_the_exchange_mode() -> None:
    first, _ = next(iter(api.decode_file(PCAPS / "ikev1-main-psk-success.pcap")))
    tr = Tracker()
    for n, ts in enumerate((0.0, 1.0, 3.0, 7.0), 1):
        d = replace(first, frames=(n,), ts=ts, dst="198.51.100.9")
        tr.feed(d, decode_message(d.payload))
    (sa,) = tr.close_all()
    (f, *_) = Diagnoser().sa_closed(sa)
    assert f.code == "ike.no_response" and f.confidence.value == "likely"
    causes = [a.cause for a in f.alternatives]
    assert causes[0].startswith("the responder is down") and "ike.exchange_mode_mismatch" in [
        a.code for a in f.alternatives]
    assert any("firewall" in c for c in causes)


def test_an_aggressive_mode_refusal_could_be_the_key() -> None:
    f = root("ikev1-mode-mismatch.pcap")
    assert f.code == "ike.exchange_mode_mismatch" and [a.code for a in f.alternatives] == ["ike.auth_failed"]


def test_readable_ikev1_refusals_and_unanswered_checks_stay_certain_facts() -> None:
    from ikescope.crypto.keys import load_key_files
    keys = load_key_files([PCAPS / "ikev1-psk-mismatch.ikev1_decryption_table"])
    report = api.analyze([PCAPS / "ikev1-psk-mismatch.pcap"], api.Settings(keys=keys))
    (f,) = [f for r in report.results for f in r.findings if f.root_cause]
    assert f.code == "ike.auth_failed" and f.confidence.value == "certain" and f.alternatives == ()
    dpd = root("ikev2-dpd.pcap")
    assert dpd.code == "ike.dpd_unanswered" and dpd.confidence.value == "likely"
    assert "ike.peer_lost_state" in [a.code for a in dpd.alternatives]


def test_the_alternatives_reach_every_format() -> None:
    path = PCAPS / "ikev2-ike-proposal-mismatch.pcap"
    report = api.analyze([path])
    doc = report.to_dict()
    (f,) = [f for f in doc["findings"] if f["root_cause"]]
    assert f["alternatives"][0]["tell_apart"]
    from ikescope.report import markdown, text
    assert "Other causes that fit the same packets:" in text.render(doc)
    assert "Other causes that fit the same packets:" in markdown.render(doc)
