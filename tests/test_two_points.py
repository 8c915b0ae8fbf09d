"""Two captures of the same negotiations at two points of their path, analysed as one.

The lab pairs were captured by tcpdump on alice's link (``.left.pcap``) and on bob's link
(``.right.pcap``) at once, with a NAT router between the links that drops or fragments
what each scenario says (``lab/scenarios.py``, ``pcaps/labels.json``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dpkt
import jsonschema
import pytest
from click.testing import CliRunner

from helpers import REPO
from ikescope import api
from ikescope.cli import cli
from ikescope.model import Datagram
from ikescope.report import markdown as mdreport
from ikescope.report import text as textreport
from ikescope.report.model import Report
from ikescope.track.path import PathLog, PathMatcher, sighting

PCAPS = REPO / "pcaps"
LABELS = {c["name"]: c for c in json.loads((PCAPS / "labels.json").read_text())["captures"]}
PAIRS = sorted(name for name, c in LABELS.items() if c["captured_on"] == "both")
SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())


def files(name: str) -> list[str]:
    return [str(PCAPS / f) for f in LABELS[name]["files"]]


def _doc(paths: list[str], **kw: object) -> dict:
    """The JSON report of one run over ``paths``."""
    report = Report()
    for event in api.run(paths, **kw):  # type: ignore[arg-type]
        report.add(event)
    return report.to_dict()


def messages(doc: dict) -> dict[str, dict]:
    """The one SA's path, by message description (without its sender)."""
    [sa] = doc["sas"]
    return {m["message"].split(" from ")[0]: m for m in sa["path"]["messages"]}


def test_the_lab_has_the_pairs() -> None:
    assert len(PAIRS) >= 3
    readme = (PCAPS / "README.md").read_text()
    for name in PAIRS:
        assert [Path(f).name for f in files(name)] == [f"{name}.left.pcap", f"{name}.right.pcap"]
        for f in files(name):
            assert Path(f).is_file() and f"`{Path(f).name}`" in readme


@pytest.mark.parametrize("name", PAIRS)
def test_a_pair_is_recognised_and_gives_one_sa(name: str) -> None:
    assert api.two_points(files(name))
    doc = _doc(files(name))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    label = LABELS[name]
    [sa] = doc["sas"]
    assert sa["ispi"] == label["ike_sas"][0]["initiator_spi"]
    assert sa["outcome"] == label["ike_sas"][0]["outcome"]
    assert sa["path"]["points"] == files(name)
    # the NAT router between the links: alice is 192.0.2.1 on her side, the router's outside address on bob's
    assert sa["initiator"] == "192.0.2.1:500"
    nat = [f for f in doc["findings"] if f["code"] == "path.rewritten_between_points"]
    assert {"point0": "192.0.2.1:500", "point1": "203.0.113.254:500"} in nat[0]["details"]["nat_mapping"]
    assert all(m["rewritten"] for m in sa["path"]["messages"] if m["passed"])


def test_answer_lost_once() -> None:
    doc = _doc(files("ikev2-points-answer-lost-once"))
    m = messages(doc)
    answer = m["IKE_AUTH response (message ID 1)"]
    # bob answered twice (his own retransmission of the answer to alice's second request);
    # the first never reached alice's side
    assert answer["copies"] == [1, 2] and answer["passed"] == 1 and answer["lost"] == [0, 1]
    assert answer["status"] == "partly_lost"
    request = m["IKE_AUTH request (message ID 1)"]
    assert request["copies"] == [2, 2] and request["passed"] == 2 and request["status"] == "passed"
    assert m["IKE_SA_INIT request (message ID 0)"]["status"] == "passed"
    [lost] = [f for f in doc["findings"] if f["code"] == "path.lost_between_points"]
    [detail] = lost["details"]["lost"]
    assert (detail["from_point"], detail["to_point"], detail["copies_lost"], detail["copies_passed"]) == (1, 0, 1, 1)
    assert detail["frames"] == answer["lost_frames"][1]
    assert lost["severity"] == "warning" and lost["confidence"] == "certain"


def test_fragments_dropped() -> None:
    doc = _doc(files("ikev2-points-ipfrag-dropped"))
    m = messages(doc)
    request = m["IKE_AUTH request (message ID 1)"]
    assert request["status"] == "lost" and request["copies"][1] == 0 and request["copies"][0] >= 2
    assert request["lost"] == [request["copies"][0], 0]
    assert all(n >= 2 for n in request["packets"][0])  # IP fragments at alice's side, nothing at bob's
    assert "IKE_AUTH response (message ID 1)" not in m
    codes = [f["code"] for f in doc["findings"]]
    assert "path.lost_between_points" in codes
    assert doc["sas"][0]["root_cause"]["code"] == LABELS["ikev2-points-ipfrag-dropped"]["root_cause"]


def test_fragmented_differently() -> None:
    m = messages(_doc(files("ikev2-points-refragmented")))
    request = m["IKE_AUTH request (message ID 1)"]
    assert request["status"] == "passed" and request["fragmented"]
    # MTU 1500 on alice's link, 1000 on bob's: the router reassembles and fragments again
    assert request["packets"][0][0] < request["packets"][1][0]
    assert not m["IKE_SA_INIT request (message ID 0)"]["fragmented"]


def test_nat_success_loses_nothing() -> None:
    doc = _doc(files("ikev2-points-nat-success"))
    assert all(m["status"] == "passed" for m in messages(doc).values())
    assert "path.lost_between_points" not in [f["code"] for f in doc["findings"]]


@pytest.mark.parametrize("name", PAIRS)
def test_the_order_of_the_files_changes_nothing(name: str) -> None:
    a, b = files(name)
    assert _doc([a, b]) == _doc([b, a])


@pytest.mark.parametrize("name", PAIRS)
def test_golden_pair_reports(name: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """What a pair's report says in each format, kept in tests/golden/NAME.points.* (check the diff of
    ``--update-goldens``)."""
    monkeypatch.chdir(REPO)
    pair = [f"pcaps/{f}" for f in LABELS[name]["files"]]
    outputs = {fmt: CliRunner().invoke(cli, ["analyze", "--format", fmt, *pair]).output
               for fmt in ("text", "markdown", "json")}
    for fmt, ext in (("text", "txt"), ("markdown", "md"), ("json", "json")):
        path = REPO / "tests" / "golden" / f"{name}.points.{ext}"
        if request.config.getoption("--update-goldens"):
            path.write_text(outputs[fmt])
        else:
            assert path.exists(), f"{path} missing: run pytest --update-goldens"
            assert outputs[fmt] == path.read_text(), f"{path.name} differs (run pytest --update-goldens if intended)"


def shifted(src: str, dst: Path, seconds: float) -> None:
    """A copy of ``src`` with every timestamp moved: a capture host whose clock is off."""
    with open(src, "rb") as f, open(dst, "wb") as g:
        reader = dpkt.pcap.Reader(f)
        writer = dpkt.pcap.Writer(g, linktype=reader.datalink())
        for ts, buf in reader:
            writer.writepkt(buf, ts + seconds)


def fates(doc: dict) -> dict[str, tuple]:
    return {k: (m["status"], m["copies"], m["passed"], m["lost"], m["packets"]) for k, m in messages(doc).items()}


def without(src: str, dst: Path, drop: set[int]) -> None:
    """A copy of ``src`` without the frames numbered in ``drop``: a point that missed them."""
    with open(src, "rb") as f, open(dst, "wb") as g:
        reader = dpkt.pcap.Reader(f)
        writer = dpkt.pcap.Writer(g, linktype=reader.datalink())
        for n, (ts, buf) in enumerate(reader, 1):
            if n not in drop:
                writer.writepkt(buf, ts)


def test_each_side_offer_comes_from_the_point_that_saw_it(tmp_path: Path) -> None:
    """When one point misses the responder's IKE_SA_INIT answer, its proposal comes from the other
    point: the proposal comparison has both sides' offers."""
    left, right = files("ikev2-points-nat-success")
    answer = next(dg for dg, dec in api.decode_file(left)
                  if dec.message is not None and dec.message.header.exchange == 34 and dg.src == "203.0.113.2")
    blind = tmp_path / Path(left).name
    without(left, blind, set(answer.frames))
    alone = _doc([str(blind)])["sas"][0]
    assert alone["chosen"] is None and alone["offered"]
    both = _doc([str(blind), right])
    merged = both["sas"][0]
    assert merged["chosen"] == _doc([right])["sas"][0]["chosen"] is not None
    assert merged["offered"] == alone["offered"]
    m = messages(both)["IKE_SA_INIT response (message ID 0)"]
    assert (m["copies"], m["status"]) == ([0, 1], "lost")  # as far as these two files tell


def test_ikev1_messages_are_told_apart(tmp_path: Path) -> None:
    """IKEv1 main mode keeps message ID 0 and has no response flag: the first payload and the sender
    name each message. A copy of a capture that misses one frame is a second point that lost it."""
    src = str(PCAPS / "ikev1-main-psk-success.pcap")
    third = next(dg for n, (dg, _) in enumerate(api.decode_file(src)) if n == 2)
    missing = tmp_path / "missing.pcap"
    without(src, missing, set(third.frames))
    doc = _doc([src, str(missing)])
    [sa] = doc["sas"]
    described = [m["message"] for m in sa["path"]["messages"]]
    assert len(described) == sa["messages"] and len(set(described[:6])) == 6  # main mode's six
    assert described[2] == "Identity Protection (Main Mode) message (message ID 0, first payload KE) from 192.0.2.1:500"
    lost = [m for m in sa["path"]["messages"] if m["status"] == "lost"]
    seen_at = sa["path"]["points"].index(src)  # the points go by name
    assert [(m["message"], m["lost"][seen_at], m["lost"][1 - seen_at]) for m in lost] == [(described[2], 1, 0)]


@pytest.mark.parametrize("seconds", [7.5, -42.0])
@pytest.mark.parametrize("name", ["ikev2-points-answer-lost-once", "ikev2-points-ipfrag-dropped"])
def test_a_clock_offset_of_seconds(name: str, seconds: float, tmp_path: Path) -> None:
    left, right = files(name)
    shutil.copy(left, tmp_path / Path(left).name)
    shifted(right, tmp_path / Path(right).name, seconds)
    moved = _doc([str(tmp_path / Path(right).name), str(tmp_path / Path(left).name)])
    same = _doc([left, right])
    assert fates(moved) == fates(same)
    assert moved["sas"][0]["path"]["clock_offset"] == pytest.approx(seconds, abs=0.01)
    assert [f["code"] for f in moved["findings"]] == [f["code"] for f in same["findings"]]


def test_unrelated_captures_stay_separate() -> None:
    paths = [str(PCAPS / "ikev2-psk-success.pcap"), str(PCAPS / "ikev2-nat-success.pcap")]
    assert not api.two_points(paths)
    doc = _doc(paths)
    assert [s["input"] for s in doc["sas"]] == [0, 1]
    assert all("path" not in s for s in doc["sas"])
    # pieces of one negotiation seen at one point each are not two points either
    assert not api.two_points([paths[0], paths[0]])


def test_separate_and_points_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    pair = files("ikev2-points-answer-lost-once")
    apart = _doc(pair, points=False)
    assert [s["input"] for s in apart["sas"]] == [0, 1] and all("path" not in s for s in apart["sas"])
    out = CliRunner().invoke(cli, ["analyze", "--separate", *pair]).output
    assert "LOST" not in out
    text = CliRunner().invoke(cli, ["analyze", *reversed(pair)]).output
    assert "1copyLOST:seenatikev2-points-answer-lost-once.right.pcap,neverat" in "".join(text.split())
    md = CliRunner().invoke(cli, ["analyze", "--format", "markdown", *pair]).output
    assert "- IKE_AUTH response (message ID 1) from 203.0.113.2:4500: 1 copy seen at both points" in md
    doc = _doc(pair)
    assert text == textreport.render(doc) and md == mdreport.render(doc)
    alone = CliRunner().invoke(cli, ["analyze", "--points", pair[0]])
    assert alone.exit_code == 2 and "--points takes exactly two files" in alone.output


def test_redaction_hides_the_nat_mapping_too() -> None:
    pair = files("ikev2-points-nat-success")
    out = CliRunner().invoke(cli, ["analyze", "--redact", "--format", "json", *pair]).output
    doc = json.loads(out)
    assert doc["sas"][0]["path"]["messages"] and doc["findings"]
    for address in ("192.0.2.1", "203.0.113.254", "203.0.113.2"):
        assert address not in out


# -- the matcher alone, on hand-built datagrams ------------------------------------------------------------

def dg(payload: bytes, frame: int, ts: float, src: str = "192.0.2.1", dst: str = "203.0.113.2") -> Datagram:
    return Datagram((frame,), ts, src, dst, 500, 500, "udp", "plain", payload)


def test_retransmitted_copies_pair_with_the_nearest_twin() -> None:
    m = PathMatcher(window=3.0)
    out = m.feed(sighting(0, dg(b"first" * 8, 1, 100.0)))
    out += m.feed(sighting(1, dg(b"first" * 8, 1, 110.0)))  # the clocks differ by ten seconds
    answer = b"answer" * 8
    out += m.feed(sighting(1, dg(answer, 2, 110.2)))  # lost before point 0
    out += m.feed(sighting(1, dg(answer, 3, 111.2)))  # the copy that passed
    out += m.feed(sighting(0, dg(answer, 2, 101.2)))
    out += m.tick(0, 104.0)  # point 0 captured on, past the window of the lost copy
    assert m.offset == pytest.approx(10.0)
    assert [(p.first.datagram.frame, p.both, p.lost) for p in out] == [(1, True, False), (2, False, True),
                                                                       (3, True, False)]


def test_copies_wait_only_within_the_window() -> None:
    """A stream the other point never sees is let go as lost as the other point's clock moves:
    what is held stays bounded by the window, not by the length of the capture."""
    m = PathMatcher(window=2.0)
    m.feed(sighting(0, dg(b"seen at both" * 4, 1, 0.0)))
    m.feed(sighting(1, dg(b"seen at both" * 4, 1, 0.001)))
    lost = 0
    for n in range(10_000):
        t = 1.0 + n * 0.1
        lost += sum(p.lost for p in m.feed(sighting(0, dg(n.to_bytes(4, "big") * 8, n + 2, t))))
        lost += sum(p.lost for p in m.tick(1, t))
        assert m.held <= 2.0 / 0.1 + 2
    assert lost >= 10_000 - 25


def test_what_the_other_point_did_not_capture_is_not_lost() -> None:
    m = PathMatcher()
    m.tick(1, 50.0)
    out = m.feed(sighting(0, dg(b"late" * 8, 9, 60.0)))
    assert not out  # point 1 may still capture it
    out += m.end(1)
    assert [(p.outside, p.lost) for p in out] == [(True, False)]


def test_a_point_that_ended_or_never_started_holds_nothing_back() -> None:
    """One capture much longer than the other: the rest of the longer one is settled as it comes."""
    m = PathMatcher(window=2.0, max_offset=10.0)
    assert m.end(1) == []
    out = [p for n in range(1000) for p in m.feed(sighting(0, dg(n.to_bytes(4, "big") * 8, n, n * 0.5)))]
    assert len(out) == 1000 and m.held == 0 and all(p.outside for p in out)
    waiting = PathMatcher(window=2.0, max_offset=10.0)
    settled = [p for n in range(1000) for p in waiting.feed(sighting(0, dg(n.to_bytes(4, "big") * 8, n, n * 0.5)))]
    assert waiting.held <= 10.0 / 0.5 + 2.0 / 0.5 + 1 and len(settled) + waiting.held == 1000


def test_an_sa_path_lists_a_bounded_number_of_messages() -> None:
    log, m = PathLog(max_messages=3), PathMatcher()
    spi = b"\x11" * 8
    for n in range(5):
        for p in m.feed(sighting(0, dg(spi + n.to_bytes(20, "big"), n, float(n)))) + m.end(1):
            log.add(p, m.offset)
    listed, omitted = log.take(spi)
    assert [mp.frames[0] for mp in listed] == [[0], [1], [2]] and omitted == 2
    assert log.take(spi) == ([], 0)
