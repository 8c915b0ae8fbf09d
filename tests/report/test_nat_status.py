"""The SA summary's NAT status and the ike.nat_detected finding are one verdict.

The captures were taken on either side of a NAT: on the public side the
initiator's own hash fails, on the private side the responder's hash of the
initiator does; both must read as a NAT in front of the initiator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import REPO, need_corpus
from ikescope import api
from ikescope.cli import cli

LAB = ["pcaps/ikev2-nat-success.pcap", "pcaps/ikev1-nat-success.pcap"]
PUBLIC = ["tcpdump/isakmp4500.pcap", "zeek-spicy-ipsec/ipsec_client.pcap", "wireshark-wiki/test1.pcap"]


def _path(name: str) -> Path:
    return REPO / name if name.startswith("pcaps/") else need_corpus() / name


@pytest.mark.parametrize("name", LAB + PUBLIC)
def test_summary_and_finding_name_the_same_nat(name: str) -> None:
    path = _path(name)
    doc = api.analyze([path]).to_dict()
    findings = [f for f in doc["findings"] if f["code"] == "ike.nat_detected"]
    assert findings, "a NAT capture without ike.nat_detected"
    for f in findings:
        (sa,) = [s for s in doc["sas"] if s["id"] == f["sa"]]
        assert sa["nat_behind"] == f["details"]["behind"] == ["initiator"]
        assert sa["nat"] == "NAT in front of the initiator"
    # `sas` prints the same SA records
    out = CliRunner().invoke(cli, ["sas", "--format", "json", str(path)])
    listed = {s["id"]: s for s in json.loads(out.output)["files"][0]["sas"]}
    for f in findings:
        assert listed[f["sa"]]["nat"] == "NAT in front of the initiator"
    text = CliRunner().invoke(cli, ["sas", str(path)]).output
    assert "NAT: NAT in front of the initiator" in text and "no NAT detected" not in text


def test_without_nat_neither_says_there_is_one() -> None:
    doc = api.analyze([REPO / "pcaps" / "ikev2-psk-success.pcap"]).to_dict()
    (sa,) = doc["sas"]
    assert sa["nat"] == "no NAT detected" and sa["nat_behind"] == []
    assert not [f for f in doc["findings"] if f["code"] == "ike.nat_detected"]
