"""The fleet summary's own rules: whose address is the gateway's, and what counts as shared."""

from __future__ import annotations

from typing import Any

from ikescope.report import fleet as fleetreport
from ikescope.report.fleet import Fleet, Gateway


def sa(n: int, outcome: str = "failed", code: str | None = "ike.proposal_mismatch") -> tuple[dict, list]:
    rc = None if code is None else {"code": code, "summary": f"{code} summary", "confidence": "certain",
                                    "severity": "error"}
    findings = [] if code is None else [{"severity": "error", "root_cause": True, "frames": [n, n + 1]}]
    return {"id": n, "input": 0, "outcome": outcome, "outcome_detail": outcome, "root_cause": rc}, findings


def record(name: str) -> dict[str, Any]:
    return {"capture_point": name, "frames": 10, "ike_messages": 8, "files": [{"frames": 10, "error": None,
                                                                              "overlaps": False, "path": "x"}]}


def test_the_gateway_is_the_address_in_most_sas_and_the_peer_is_the_other_side() -> None:
    gw = Gateway("gw1", 0)
    gw.add_sa(*sa(1), ("203.0.113.9", "198.51.100.1"))
    gw.add_sa(*sa(3), ("198.51.100.1", "192.0.2.4"))
    gw.add_sa(*sa(5, "established", None), ("192.0.2.5", "198.51.100.1"))
    assert gw.address() == "198.51.100.1"
    doc = gw.to_dict()
    assert doc["causes"][0]["sas"] == 2 and doc["causes"][0]["example"] == {"sa": 1, "frames": [1, 2]}
    assert [p["peer"] for p in doc["failing_peers"]] == ["192.0.2.4", "203.0.113.9"]


def test_without_a_dominant_address_the_peer_is_the_pair() -> None:
    gw = Gateway("transit", 0)
    gw.add_sa(*sa(1), ("192.0.2.1", "198.51.100.1"))
    gw.add_sa(*sa(3), ("192.0.2.2", "198.51.100.2"))
    gw.add_sa(*sa(5), ("192.0.2.3", "198.51.100.3"))
    assert gw.address() is None
    assert [p["peer"] for p in gw.to_dict()["failing_peers"]][0] == "192.0.2.1 <-> 198.51.100.1"


def test_a_failure_is_shared_only_when_the_same_cause_and_peer_come_from_several_gateways() -> None:
    fleet = Fleet()
    for name, peer in (("gw2", "203.0.113.66"), ("gw1", "203.0.113.66"), ("gw3", "203.0.113.7")):
        gw = Gateway(name, 0)
        gw.add_sa(*sa(1), (peer, "198.51.100.1"))
        gw.add_sa(*sa(3, "established", None), ("192.0.2.9", "198.51.100.1"))
        fleet.add(gw, record(name))
    doc = fleet.to_dict()
    assert [(a["peer"], a["gateways"], a["capture_points"]) for a in doc["across"]] == [
        ("203.0.113.66", 2, ["gw1", "gw2"])]
    assert [g["capture_point"] for g in doc["gateways"]] == ["gw1", "gw2", "gw3"]
    assert doc["causes"] == [{"code": "ike.proposal_mismatch", "severity": "error", "outcome": None, "sas": 3,
                              "gateways": 3}]
    assert "203.0.113.66: 2 gateways, 2 IKE SAs" in fleetreport.render(doc, "text")
    assert fleetreport.render(doc, "jsonl").splitlines()[-1].startswith('{"schema_version": 1, "kind": "fleet"')


def test_failing_pairs_past_the_bound_are_counted_together(monkeypatch: Any) -> None:
    monkeypatch.setattr(fleetreport, "MAX_FAILING", 2)
    gw = Gateway("gw1", 0)
    for i in range(5):
        gw.add_sa(*sa(2 * i + 1), (f"192.0.2.{i + 1}", "198.51.100.1"))
    assert len(gw.failing) == 2 and gw.failing_overflow == 3
    assert gw.failing_peers()[("", "", fleetreport.OVERFLOW)] == 3
