"""``ikescope fleet``: a generated fleet of rotated captures, analysed on a two-worker LocalCluster,
gives exactly what one process gives; the summary finds what the gateways have in common."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import REPO
from ikescope.api import Settings
from ikescope.cli import cli
from ikescope.fleet import UnitResult, analyze_unit, connect, plan, run
from ikescope.report.fleet import Fleet
from ikescope.report.summary import quiet

POINTS, FILES = 12, 6


def _generate() -> Any:
    spec = importlib.util.spec_from_file_location("benchmark_generate", REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet")
    _generate().write_fleet(out, points=POINTS, files=FILES, negotiations=40, seed=3)
    return out


def _summary(units: list[UnitResult]) -> dict[str, Any]:
    fleet = Fleet()
    for unit in units:
        fleet.add(unit.gateway, unit.record)
    return fleet.to_dict()


def _fields(unit: UnitResult) -> tuple:
    return unit.index, unit.name, unit.jsonl, unit.record, unit.gateway.to_dict()


def test_two_local_workers_give_exactly_the_result_of_one_process(fleet_dir: Path) -> None:
    work = plan([str(fleet_dir)])
    assert [len(s.files) for s in work.sequences] == [FILES] * POINTS and not work.skipped and not work.errors
    one = list(run(work.sequences, Settings(), workers=0))
    two = list(run(work.sequences, Settings(), workers=2))
    assert [u.index for u in one] == list(range(POINTS))
    assert sorted(u.index for u in two) == list(range(POINTS))
    assert [_fields(u) for u in sorted(two, key=lambda u: u.index)] == [_fields(u) for u in one]
    # Units finish in any order; the summary is the same whatever the order.
    assert _summary(two) == _summary(one) == _summary(one[::-1])


def test_the_capture_points_and_their_order_come_from_the_captures(fleet_dir: Path) -> None:
    seqs = plan([str(fleet_dir)]).sequences
    assert [s.name for s in seqs] == [f"gw{k:02d}" for k in range(1, POINTS + 1)]
    # At gateway k the ring had wrapped so that ike.pcap{k % FILES} is the oldest piece.
    for k, seq in enumerate(seqs, 1):
        assert [Path(f).name for f in seq.files] == [f"ike.pcap{(i + k) % FILES}" for i in range(FILES)]


def test_sas_cross_the_rotations_as_one_sa(fleet_dir: Path) -> None:
    seq = plan([str(fleet_dir)]).sequences[0]
    unit = analyze_unit(seq, 0, Settings())
    starts = [f["first_frame"] for f in unit.record["files"]]

    def piece(frame: int) -> int:
        return max(i for i, s in enumerate(starts) if s <= frame)

    sas = [json.loads(line) for line in "".join(unit.lines()).splitlines() if '"kind": "sa"' in line]
    crossing = [sa for sa in sas if piece(sa["first_frame"]) != piece(sa["last_frame"])]
    assert crossing, "the generated fleet should have SAs that span a rotation"
    assert unit.record["frames"] == sum(f["frames"] for f in unit.record["files"])
    assert {sa["id"] for sa in sas} == {sa["first_frame"] for sa in sas}  # one name per SA over the pieces


def test_one_peer_refused_by_every_gateway_is_one_line(fleet_dir: Path) -> None:
    doc = _summary(list(run(plan([str(fleet_dir)]).sequences, Settings(), lines=False, workers=0)))
    top = doc["across"][0]
    assert (top["code"], top["peer"], top["gateways"], top["sas"]) == ("ike.proposal_mismatch", "203.0.113.66",
                                                                       POINTS, POINTS)
    gw = doc["gateways"][0]
    assert gw["capture_point"] == "gw01" and gw["address"] == "198.51.100.1"
    counts = [p["sas"] for p in gw["failing_peers"]]
    assert counts == sorted(counts, reverse=True) and "198.51.100.1" not in {p["peer"] for p in gw["failing_peers"]}
    unit = analyze_unit(plan([str(fleet_dir / "gw01")]).sequences[0], 0, Settings())
    sas = [json.loads(line) for line in "".join(unit.lines()).splitlines() if '"kind": "sa"' in line]
    assert sum(c["sas"] for c in gw["causes"]) == sum(not quiet(sa) for sa in sas) > 0
    assert doc["totals"]["capture_points"] == POINTS and doc["totals"]["files"] == POINTS * FILES


def test_the_embedded_cluster_listens_on_the_loopback_only_and_serves_as_an_existing_one(fleet_dir: Path) -> None:
    seqs = plan([str(fleet_dir / "gw03"), str(fleet_dir / "gw04")]).sequences
    with connect(workers=2) as client:
        info = client.scheduler_info()
        addresses = [info["address"], *info["workers"]]
        addresses += [w["nanny"] for w in info["workers"].values()]
        assert len(info["workers"]) == 2
        assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
        there = sorted(run(seqs, Settings(), scheduler=info["address"]), key=lambda u: u.index)
    assert [_fields(u) for u in there] == [_fields(u) for u in run(seqs, Settings(), workers=0)]


def fleet(*args: str) -> Any:
    return CliRunner().invoke(cli, ["fleet", "--workers", "0", *args])


def test_jsonl_names_the_capture_point_of_every_sa_and_finding(fleet_dir: Path) -> None:
    result = fleet("--format", "jsonl", str(fleet_dir))
    assert result.exit_code == 1  # the fleet has errors
    rows = [json.loads(line) for line in result.output.splitlines()]
    kinds = [r["kind"] for r in rows]
    assert kinds[-1] == "fleet" and kinds.count("gateway") == POINTS and kinds.count("input") == POINTS
    assert all(r["capture_point"].startswith("gw") for r in rows if r["kind"] in ("sa", "finding", "input"))
    assert rows[-1]["totals"]["sas"] == kinds.count("sa")


def test_text_and_markdown_summaries(fleet_dir: Path) -> None:
    text = fleet("--fail-on", "never", str(fleet_dir))
    assert text.exit_code == 0
    assert f"ike.proposal_mismatch with 203.0.113.66: {POINTS} gateways" in text.output
    assert "gw07 (198.51.100.7): 6 files" in text.output
    assert not re.search(r"\b1 (errors|warnings|gateways|IKE SAs|files)\b", text.output), text.output
    md = fleet("--fail-on", "never", "--format", "markdown", str(fleet_dir))
    assert f"| error | `ike.proposal_mismatch` | 203.0.113.66 | {POINTS} |" in md.output


def test_a_name_pattern_groups_files_of_one_directory(fleet_dir: Path, tmp_path: Path) -> None:
    for gw in ("gw01", "gw02"):
        for piece in (fleet_dir / gw).iterdir():
            shutil.copy(piece, tmp_path / f"{gw}-{piece.name}")
    (tmp_path / "notes.txt").write_text("not a capture")
    result = fleet("--format", "json", "--group", r"^(gw\d+)-", str(tmp_path))
    assert result.exit_code == 1
    assert "1 files are no captures and were left out" in result.stderr
    doc = json.loads(result.stdout)
    by_dir = json.loads(fleet("--format", "json", str(fleet_dir / "gw01"), str(fleet_dir / "gw02")).output)
    assert [g["capture_point"] for g in doc["gateways"]] == ["gw01", "gw02"]
    assert [g["sas"] for g in doc["gateways"]] == [g["sas"] for g in by_dir["gateways"]]


def test_a_named_file_that_is_no_capture_is_reported_after_the_summary(fleet_dir: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"hello")
    result = fleet("--fail-on", "never", str(fleet_dir / "gw01"), str(junk))
    assert result.exit_code == 2
    assert "gw01" in result.stdout and "not a pcap or pcapng file" in result.stderr


def test_nothing_to_analyse_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no capture here")
    result = fleet(str(tmp_path))
    assert result.exit_code == 2 and "no capture file" in result.stderr and result.stdout == ""
