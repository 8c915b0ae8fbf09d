"""Rotated pieces read as one capture: frames numbered across them as ``live -w -C`` numbers them."""

from __future__ import annotations

from pathlib import Path

from capture.capfiles import pcap
from ikescope.capture.rotated import RotatedCapture, expand, first_frame


def _piece(path: Path, times: list[int], tag: bytes) -> str:
    path.write_bytes(pcap([(t, 0, tag + bytes([i]), 2) for i, t in enumerate(times)]))
    return str(path)


def test_frames_are_numbered_across_the_pieces(tmp_path: Path) -> None:
    a = _piece(tmp_path / "a", [10, 11, 12], b"a")
    b = _piece(tmp_path / "b", [13, 14], b"b")
    cap = RotatedCapture([a, b])
    frames = list(cap)
    assert [(f.index, f.ts, f.data) for f in frames] == [(1, 10.0, b"a\0"), (2, 11.0, b"a\1"), (3, 12.0, b"a\2"),
                                                         (4, 13.0, b"b\0"), (5, 14.0, b"b\1")]
    assert [(f.path, f.frames, f.first_frame, f.overlaps) for f in cap.files] == [(a, 3, 1, False), (b, 2, 4, False)]
    assert cap.progress() == (cap.progress()[1], (tmp_path / "a").stat().st_size + (tmp_path / "b").stat().st_size)


def test_a_piece_that_starts_before_the_previous_one_ends_is_marked(tmp_path: Path) -> None:
    cap = RotatedCapture([_piece(tmp_path / "a", [10, 20], b"a"), _piece(tmp_path / "b", [15, 25], b"b")])
    list(cap)
    assert [f.overlaps for f in cap.files] == [False, True]


def test_a_piece_that_cannot_be_read_is_recorded_and_the_rest_read(tmp_path: Path) -> None:
    a = _piece(tmp_path / "a", [1], b"a")
    (tmp_path / "bad").write_bytes(b"not a capture at all")
    c = _piece(tmp_path / "c", [3], b"c")
    cut = tmp_path / "cut"
    cut.write_bytes(pcap([(2, 0, b"xy", 2)])[:-1])
    cap = RotatedCapture([a, str(tmp_path / "bad"), str(cut), c])
    assert [f.index for f in cap] == [1, 2]
    assert "not a pcap" in (cap.files[1].error or "")
    assert cap.truncated and str(cut) in cap.truncated_detail
    assert cap.files[3].first_frame == 2


def test_first_frame_and_expand(tmp_path: Path) -> None:
    (tmp_path / "gw1").mkdir()
    (tmp_path / "gw1" / ".hidden").write_bytes(b"")
    a = _piece(tmp_path / "gw1" / "x.pcap1", [7, 8], b"a")
    b = _piece(tmp_path / "gw1" / "x.pcap0", [], b"b")
    assert first_frame(a) == 7.0
    assert first_frame(b) is None
    found = expand([str(tmp_path), str(tmp_path / "gw1" / "*.pcap*"), "missing.pcap"])
    assert [(f.path, f.named) for f in found] == [(b, False), (a, False), ("missing.pcap", True)]
    assert [f.path for f in expand([str(tmp_path / "gw*" / "x.pcap?")])] == [b, a]
