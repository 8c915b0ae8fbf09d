"""Which file belongs to which capture point, and in what order: by the captures' own times."""

from __future__ import annotations

import re

import pytest

from ikescope.errors import IkescopeError
from ikescope.sequence import Sequence, group, point_of


def test_files_of_a_directory_are_one_sequence_ordered_by_first_frame_not_name() -> None:
    # A wrapped ring of -W files: ike.pcap2 is the oldest, ike.pcap1 the newest.
    files = [("caps/gw01/ike.pcap0", 300.0), ("caps/gw01/ike.pcap1", 400.0), ("caps/gw01/ike.pcap2", 100.0),
             ("caps/gw02/ike.pcap0", 50.0)]
    assert group(files) == [Sequence("gw01", ("caps/gw01/ike.pcap2", "caps/gw01/ike.pcap0", "caps/gw01/ike.pcap1")),
                            Sequence("gw02", ("caps/gw02/ike.pcap0",))]


def test_equal_times_fall_back_to_the_name_and_files_without_frames_go_last() -> None:
    files = [("d/c", None), ("d/b", 5.0), ("d/a", 5.0)]
    assert group(files)[0].files == ("d/a", "d/b", "d/c")


def test_a_lone_directory_is_named_by_its_last_part() -> None:
    assert [s.name for s in group([("/data/captures/edge-7/x.pcap", 1.0)])] == ["edge-7"]
    assert [s.name for s in group([("x.pcap", 1.0)])] == ["."]
    assert group([]) == []


def test_a_pattern_takes_the_point_from_the_name_wherever_the_file_lies() -> None:
    named = re.compile(r"^site-(?P<point>\w+?)-\d+\.pcap$")
    first = re.compile(r"^(gw\d+)-")
    whole = re.compile(r"gw\d+")
    assert point_of("a/b/site-lyon-0003.pcap", named) == "lyon"
    assert point_of("gw07-0003.pcap", first) == "gw07"
    assert point_of("x/gw07-0003.pcap", whole) == "gw07"
    seqs = group([("one/gw01-2.pcap", 2.0), ("two/gw01-1.pcap", 1.0), ("one/gw02-1.pcap", 1.0)], first)
    assert seqs == [Sequence("gw01", ("two/gw01-1.pcap", "one/gw01-2.pcap")), Sequence("gw02", ("one/gw02-1.pcap",))]


def test_a_file_the_pattern_does_not_place_is_an_error_not_a_guess() -> None:
    with pytest.raises(IkescopeError, match="README"):
        group([("gw01-1.pcap", 1.0), ("README", None)], re.compile(r"^(gw\d+)-"))


def test_a_sequence_is_labelled_by_its_first_and_last_file() -> None:
    assert Sequence("p", ("d/a", "d/b", "d/c")).label == "d/a .. c"
    assert Sequence("p", ("a",)).label == "a"
