"""``analyze --rotated``: the pieces of a rotated capture read as the capture they were cut from."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from click.testing import CliRunner

from helpers import REPO
from ikescope.cli import cli


def split_pcap(src: Path, cut: int, first: Path, second: Path) -> None:
    """``src`` cut into two pcap files after its frame ``cut``."""
    raw = src.read_bytes()
    order = "<" if raw[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    records, pos = [], 24
    while pos < len(raw):
        caplen = struct.unpack_from(order + "I", raw, pos + 8)[0]
        records.append(raw[pos : pos + 16 + caplen])
        pos += 16 + caplen
    first.write_bytes(raw[:24] + b"".join(records[:cut]))
    second.write_bytes(raw[:24] + b"".join(records[cut:]))


def analyze(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["analyze", "--format", "json", "--fail-on", "never", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_sa_split_across_two_files_is_one_sa(tmp_path: Path) -> None:
    whole = REPO / "pcaps" / "ikev2-psk-success.pcap"  # IKE_SA_INIT in frames 3-4, IKE_AUTH in 5-6
    # The ring has wrapped: the older piece bears the later name, so only the frames' times order them.
    older, newer = tmp_path / "ike.pcap1", tmp_path / "ike.pcap0"
    split_pcap(whole, 4, older, newer)
    expected = analyze(str(whole))
    rotated = analyze("--rotated", str(newer), str(older))
    assert len(expected["sas"]) == 1 and expected["sas"][0]["outcome"] == "established"
    assert rotated["sas"] == expected["sas"] and rotated["findings"] == expected["findings"]
    assert [(i["path"], i["frames"]) for i in rotated["inputs"]] == [(f"{older} .. {newer.name}", 6)]
    # Read as two captures, the one SA is two halves: an IKE_SA_INIT left incomplete, and an IKE_AUTH
    # that seems to start an SA of its own.
    apart = analyze(str(older), str(newer))
    assert [(sa["input"], sa["outcome"]) for sa in apart["sas"]] == [(0, "incomplete"), (1, "established")]


def test_frame_numbers_count_across_the_pieces(tmp_path: Path) -> None:
    whole = REPO / "pcaps" / "ikev2-rekey.pcap"
    split_pcap(whole, 9, tmp_path / "a.pcap", tmp_path / "b.pcap")
    expected = analyze(str(whole))
    rotated = analyze("--rotated", str(tmp_path / "a.pcap"), str(tmp_path / "b.pcap"))
    assert [sa["id"] for sa in rotated["sas"]] == [sa["id"] for sa in expected["sas"]] == [3, 15]
    assert [f["frames"] for f in rotated["findings"]] == [f["frames"] for f in expected["findings"]]


def test_each_directory_is_its_own_rotated_capture(tmp_path: Path) -> None:
    for name in ("gw1", "gw2"):
        (tmp_path / name).mkdir()
        split_pcap(REPO / "pcaps" / "ikev2-psk-success.pcap", 4, tmp_path / name / "x0", tmp_path / name / "x1")
    report = analyze("--rotated", *(str(p) for p in sorted(tmp_path.glob("gw*/x*"))))
    assert [(i["path"], i["frames"]) for i in report["inputs"]] == [
        (f"{tmp_path}/gw1/x0 .. x1", 6), (f"{tmp_path}/gw2/x0 .. x1", 6)]
    assert [sa["outcome"] for sa in report["sas"]] == ["established", "established"]
    # With two inputs an SA is named with its input; the file names are the same in both, so the
    # directory tells them apart.
    pieces = [str(p) for p in sorted(tmp_path.glob("gw*/x*"))]
    text = CliRunner().invoke(cli, ["analyze", "--rotated", *pieces])
    assert f"{tmp_path}/gw2/x0 .. x1: 6 frames, 4 IKE messages, 1 IKE SAs" in text.stdout
    assert f"(SA 3 in {tmp_path}/gw1/x0 .. x1)" in " ".join(text.stdout.split())


def test_a_piece_that_is_no_capture_is_reported_after_the_others(tmp_path: Path) -> None:
    (tmp_path / "junk").write_bytes(b"hello")
    good = str(REPO / "pcaps" / "ikev2-psk-success.pcap")
    result = CliRunner().invoke(cli, ["analyze", "--rotated", "--format", "json", good, str(tmp_path / "junk")])
    assert result.exit_code == 2 and "not a pcap or pcapng file" in result.stderr
    report = json.loads(result.stdout)
    assert [(i["path"], i["error"] is None) for i in report["inputs"]] == [(good, True),
                                                                           (str(tmp_path / "junk"), False)]
    assert [sa["outcome"] for sa in report["sas"]] == ["established"]


def test_a_piece_cut_short_is_named_by_the_finding_in_analyze_and_fleet(tmp_path: Path) -> None:
    whole = REPO / "pcaps" / "ikev2-rekey.pcap"
    (tmp_path / "gw1").mkdir()
    first, second = tmp_path / "gw1" / "a.pcap", tmp_path / "gw1" / "b.pcap"
    split_pcap(whole, 9, first, second)
    first.write_bytes(first.read_bytes()[:-10])  # the older piece ends inside its frame 9
    (cut,) = [f for f in analyze("--rotated", str(first), str(second))["findings"]
              if f["code"] == "capture.cut_short"]
    assert cut["severity"] == "info" and cut["details"]["kind"] == "ended" and str(first) in cut["summary"]
    result = CliRunner().invoke(cli, ["fleet", "--workers", "0", "--format", "jsonl", "--fail-on", "never",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    (row,) = [r for r in rows if r.get("kind") == "finding" and r.get("code") == "capture.cut_short"]
    assert row["capture_point"] == "gw1" and row["details"] == cut["details"]
