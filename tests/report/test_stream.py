"""Reports of many SAs: a flood is one group with the right counts, a lone failure beside it
is reported in full, and every format stays valid while it is written SA by SA."""

from __future__ import annotations

import json
import struct

import jsonschema
import pytest
from click.testing import CliRunner

from capture.capfiles import pcap
from helpers import REPO
from ikescope.capture.pcapfile import open_capture
from ikescope.cli import cli
from ikescope.report.summary import GROUP_EXAMPLES

SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())
RESPONDER = bytes([198, 51, 100, 1])
SOURCES = 20
FLOOD = 200


def _ipv4(frame: bytes, src: bytes | None = None, dst: bytes | None = None, spi: int | None = None) -> bytes:
    """An Ethernet/IPv4/UDP 500 frame with other addresses or initiator SPI, header checksum redone."""
    data = bytearray(frame)
    if src is not None:
        data[26:30] = src
    if dst is not None:
        data[30:34] = dst
    data[24:26] = b"\0\0"
    words = struct.unpack("!10H", bytes(data[14:34]))
    total = sum(words)
    total = (total & 0xFFFF) + (total >> 16)
    data[24:26] = struct.pack("!H", ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF)
    data[40:42] = b"\0\0"  # UDP checksum: none
    if spi is not None:
        data[42:50] = spi.to_bytes(8, "big")
    return bytes(data)


def ike_frames(name: str) -> list[tuple[float, bytes]]:
    return [(f.ts, f.data) for f in open_capture(REPO / "pcaps" / name)
            if len(f.data) > 42 and f.data[12:14] == b"\x08\x00" and f.data[23] == 17]


@pytest.fixture(scope="module")
def flood(tmp_path_factory: pytest.TempPathFactory) -> str:
    """200 unanswered IKE_SA_INIT requests (each its own SPI) from 20 sources to one responder,
    then one ordinary proposal mismatch between two other gateways."""
    (t0, request), = ike_frames("ikev2-responder-down.pcap")[:1]
    records = []
    ts = 1_700_000_000.0
    for n in range(FLOOD):
        src = bytes([203, 0, 113, 1 + n % SOURCES])
        records.append(_ipv4(request, src, RESPONDER, spi=0x1000 + n))
        ts += 0.01
    stamps = [1_700_000_000.0 + 0.01 * n for n in range(FLOOD)]
    mismatch = ike_frames("ikev2-ike-proposal-mismatch.pcap")
    start = mismatch[0][0]
    for t, data in mismatch:
        records.append(data)
        stamps.append(ts + 10 + (t - start))
    path = tmp_path_factory.mktemp("flood") / "flood.pcap"
    path.write_bytes(pcap([(int(t), int(round((t % 1) * 1e6)) % 1_000_000, d, len(d))
                           for t, d in zip(stamps, records)]))
    return str(path)


def run(*args: str) -> str:
    return CliRunner().invoke(cli, ["analyze", "--fail-on", "never", *args]).output


def test_a_flood_is_one_group_with_its_counts_and_the_lone_failure_is_not_grouped(flood: str) -> None:
    doc = json.loads(run("--format", "json", flood))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["totals"]["sas"] == len(doc["sas"]) == FLOOD + 1
    (group,) = doc["groups"]
    flood_causes = {s["root_cause"]["code"] for s in doc["sas"] if s["responder"].startswith("198.51.100.1:")}
    assert flood_causes == {group["code"]}
    assert group["of"] == "sa" and group["count"] == FLOOD
    assert group["responders"] == [{"address": "198.51.100.1", "sas": FLOOD}]
    assert group["distinct_initiators"] == SOURCES and len(group["initiators"]) == 5
    assert all(p["sas"] == FLOOD // SOURCES for p in group["initiators"])
    assert group["pattern"] == f"one responder, {SOURCES} initiators"
    assert [e["sa"] for e in group["examples"]] == [1, 2, 3]
    assert group["first_time"] == pytest.approx(1_700_000_000.0)
    assert group["last_time"] == pytest.approx(1_700_000_000.0 + 0.01 * (FLOOD - 1))
    lone = [s for s in doc["sas"] if s["root_cause"]["code"] == "ike.proposal_mismatch"]
    assert len(lone) == 1


def test_text_lists_a_few_examples_then_the_group(flood: str) -> None:
    out = run(flood)
    assert out.count("\n  SA ") == GROUP_EXAMPLES + 1  # three of the flood and the lone mismatch
    assert "ike.proposal_mismatch" in out and "none of the offered IKE SA" in out
    groups = out[out.index("\nGroups\n"):]
    assert f": {FLOOD} IKE SAs," in groups and f"one responder, {SOURCES} initiators" in groups
    assert "198.51.100.1 (200)" in groups and "examples: SA 1 " in groups
    assert "ike.proposal_mismatch" not in groups
    assert f"{FLOOD - GROUP_EXAMPLES} more IKE SAs like those listed are counted in the groups below" in out
    assert out.rstrip().endswith(f"Totals: {FLOOD + 1} IKE SAs; " + out.rstrip().rsplit("IKE SAs; ", 1)[1])
    assert len(out.splitlines()) < 170  # 201 SAs, yet a few screens
    everything = run("--all", flood)
    assert everything.count("\n  SA ") == FLOOD + 1


def test_markdown_table_holds_the_examples_and_the_groups_follow(flood: str) -> None:
    out = run("--format", "markdown", flood)
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| SA ")
            and not line.startswith("| attribute")]
    assert len([r for r in rows if r.split("|")[1].strip().isdigit()]) == GROUP_EXAMPLES + 1
    assert "### Groups" in out and f"{FLOOD} IKE SAs" in out and "### Findings" in out


def test_jsonl_is_one_valid_record_a_line_ending_with_the_pairs_and_the_group(flood: str) -> None:
    defs = SCHEMA["$defs"]
    records = [json.loads(line) for line in run("--format", "jsonl", flood).splitlines()]
    for rec in records:
        jsonschema.validate(rec, {"$defs": defs, **defs[rec["kind"]]})
    assert sum(r["kind"] == "sa" for r in records) == FLOOD + 1
    pairs = SOURCES + 1  # every flooding source with the responder, and the two gateways that mismatch
    assert [r["kind"] for r in records[-pairs - 2:]] == ["input"] + ["peer_pair"] * pairs + ["group"]
    assert records[-1]["count"] == FLOOD
    flooding = [r for r in records if r["kind"] == "peer_pair" and r["peers"][1] == "198.51.100.1"]
    assert len(flooding) == SOURCES
    assert all(r["status"] == "never_up" and r["failed"] == r["sas"] == FLOOD // SOURCES for r in flooding)


def test_redacted_groups_name_no_address(flood: str) -> None:
    for fmt in ("text", "markdown", "json", "jsonl"):
        out = run("--redact", "--format", fmt, flood)
        assert "203.0.113." not in out and "198.51.100." not in out and "192.0.2." not in out, fmt


def test_the_flood_spread_over_processes_reads_the_same(flood: str) -> None:
    for fmt in ("json", "text", "markdown"):
        assert run("--jobs", "2", "--format", fmt, flood) == run("--jobs", "1", "--format", fmt, flood), fmt


def test_streamed_reports_of_several_files_name_each_sa_file(flood: str) -> None:
    other = str(REPO / "pcaps" / "ikev2-psk-success.pcap")
    text = run(flood, other)
    assert "examples: SA 1 in flood.pcap (frames" in text and "\n== " + other in text
    heads = [line for line in text.splitlines() if line.startswith("    ERROR ike.")]  # under their SAs
    assert len(heads) == GROUP_EXAMPLES + 1 and all(" in flood.pcap, frames " in h for h in heads)
    md = run("--format", "markdown", flood, other)
    assert "| file | SA | version |" in md and "| flood.pcap | 1 | IKEv2 |" in md
    assert "SA 1 in flood.pcap (frames" in md
