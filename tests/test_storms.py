"""Floods and storms, small instances of the captures ``benchmarks/storms.py`` generates: the state
stays within its caps while they pass, the cap that lets something go says what it let go, and the
report shows each storm as one group or one finding, not one line per packet. Their timing is measured
by the benchmark, not here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO
from ikescope import api
from ikescope.capture.pcapfile import open_capture
from ikescope.crypto.keys import load_key_files
from ikescope.report.model import CaptureFinding, FindingRendered, SaResult
from ikescope.report.stream import TextStream
from ikescope.track.tracker import TrackerSettings

sys.path.insert(0, str(REPO / "benchmarks"))
import storms  # noqa: E402  (the generators live beside the benchmark that measures them)


def settings(keys: Path | None = None, **tracker: Any) -> api.Settings:
    return api.Settings(tracker=TrackerSettings(**tracker), keys=load_key_files([keys]) if keys else None)


def analyze(path: Path, st: api.Settings, watch: Callable[[api.Pipeline], None]) -> list:
    """Every result of one pipeline over ``path``; ``watch`` looks at the pipeline after each frame."""
    pipe = api.Pipeline(st)
    out: list = []
    for frame in open_capture(path):
        out += pipe.feed(frame)
        watch(pipe)
    return out + pipe.finish()


def findings(results: list, code: str) -> list:
    capture = [r.finding for r in results if isinstance(r, CaptureFinding) and r.finding.code == code]
    return capture + [f for r in results if isinstance(r, SaResult) for f in r.findings if f.code == code]


def limit(results: list, name: str) -> Any:
    """The one finding of the cap ``name``."""
    found = [f for f in findings(results, "ikescope.limit_reached") if f.details["limit"] == name]
    assert len(found) == 1, found
    return found[0]


def text_report(path: Path, st: api.Settings) -> str:
    chunks: list[str] = []
    out = TextStream(chunks.append)
    for event in api.run([path], st):
        out.feed(event)
    out.close()
    return "".join(chunks)


def groups(report: str) -> list[str]:
    """The first line of each group in a text report."""
    section = report.partition("\nGroups\n")[2].split("\nTotals:")[0]
    return [line for line in section.splitlines() if line[:1] not in ("", " ", "(")]


def write(tmp_path: Path, kind: str, n: int, **kw: Any) -> Path:
    path = tmp_path / f"{kind}.pcap"
    storms.STORMS[kind].writer(path, n, **kw)
    return path


def test_an_spi_flood_keeps_the_open_sas_within_the_cap_and_counts_those_closed_early(tmp_path: Path) -> None:
    path = write(tmp_path, "spi-flood", 600)
    st = settings(max_open=100)
    most = 0

    def watch(pipe: api.Pipeline) -> None:
        nonlocal most
        most = max(most, pipe.open_sas)

    results = analyze(path, st, watch)
    sas = [r for r in results if isinstance(r, SaResult)]
    assert most == 100
    found = limit(results, "open_sas")
    assert found.details == {"limit": "open_sas", "cap": 100, "dropped": len(sas) - 100}
    assert "100 IKE SAs open" in found.summary and "concluded before their idle timeout" in found.summary
    report = text_report(path, st)
    assert [g.split(":")[0] for g in groups(report)] == ["ERROR ike.no_response"]
    assert report.count("\n  SA ") == 3 and report.count("ikescope.limit_reached") == 1


def test_an_spi_flood_over_two_processes_lets_go_of_as_many_sas(tmp_path: Path) -> None:
    path = write(tmp_path, "spi-flood", 600)
    docs = [e.doc() for e in api.run([path], settings(max_open=100), jobs=2) if isinstance(e, FindingRendered)]
    limits = [d for d in docs if d["code"] == "ikescope.limit_reached"]
    one = limit(analyze(path, settings(max_open=100), lambda pipe: None), "open_sas")
    assert sum(d["details"]["dropped"] for d in limits) == one.details["dropped"]


def test_first_ip_fragments_that_never_complete_stay_within_the_reassembly_cap(tmp_path: Path) -> None:
    path = write(tmp_path, "ip-fragments", 1500)
    cap = 1024
    most = 0

    def watch(pipe: api.Pipeline) -> None:
        nonlocal most
        most = max(most, len(pipe._demux._frags.pending))

    results = analyze(path, settings(), watch)
    assert most == cap
    found = limit(results, "ip_fragments")
    assert found.details["dropped"] == 1500 - cap and "dropped unfinished" in found.summary
    assert len(findings(results, "net.fragments_lost")) == cap
    report = text_report(path, settings())
    assert [g.split(":")[0] for g in groups(report)] == ["ERROR net.fragments_lost"]
    assert "1024 times" in groups(report)[0]


def test_ikev1_fragment_sets_that_never_complete_stay_within_the_joiners_cap(tmp_path: Path) -> None:
    path = write(tmp_path, "ikev1-fragments", 1000, sas=100)
    most = 0

    def watch(pipe: api.Pipeline) -> None:
        nonlocal most
        most = max(most, len(pipe._stage._defrag._sets))

    results = analyze(path, settings(), watch)
    assert most == 256
    assert limit(results, "ikev1_fragment_sets").details["dropped"] == 1000 - 256
    sas = [r for r in results if isinstance(r, SaResult)]
    assert len(sas) == 100 and all(r.root_cause.code == "ike.fragments_incomplete" for r in sas)
    report = text_report(path, settings())
    assert [g.split(":")[0] for g in groups(report)] == ["ERROR ike.fragments_incomplete"]


def test_skf_sets_that_never_complete_stay_within_the_decryptors_cap(tmp_path: Path) -> None:
    path = write(tmp_path, "ikev2-skf", 400, sas=40)
    st = settings(keys=Path(f"{path}.keys"))
    most = 0

    def watch(pipe: api.Pipeline) -> None:
        nonlocal most
        most = max(most, len(pipe._stage._decryptor._fragments))

    results = analyze(path, st, watch)
    assert most == 64
    assert limit(results, "skf_sets").details["dropped"] == 400 - 64
    for r in (r for r in results if isinstance(r, SaResult)):
        # 10 messages never completed in each SA: three described, the other 7 counted in a fourth finding
        incomplete = [f for f in r.findings if f.code == "ike.fragments_incomplete"]
        assert len(incomplete) == 4 and incomplete[-1].details["more_messages"] == 7
    report = text_report(path, st)
    assert [g.split(":")[0] for g in groups(report)] == ["ERROR ike.fragments_incomplete"]
    # three example SAs, three messages described and the rest counted in each
    assert report.count("\n    ERROR ike.fragments_incomplete") == 3 * 3
    assert report.count("\n    WARN  ike.fragments_incomplete") == 3


def test_tcp_streams_with_endless_length_prefixes_stay_within_the_stream_cap(tmp_path: Path) -> None:
    path = write(tmp_path, "tcp-streams", 600)
    most = 0

    def watch(pipe: api.Pipeline) -> None:
        nonlocal most
        most = max(most, len(pipe._demux._streams._dirs))

    results = analyze(path, settings(), watch)
    assert most == 1024
    found = limit(results, "tcp_streams")
    assert found.details["dropped"] > 0 and "TCP directions" in found.summary
    broken = findings(results, "net.tcp_stream_broken")
    assert broken and all("never formed a complete message" in f.summary for f in broken)
    report = text_report(path, settings())
    assert [g.split(":")[0] for g in groups(report)] == ["INFO  net.tcp_stream_broken"]
    assert report.count("ikescope.limit_reached") == 1


@pytest.mark.parametrize(("kind", "root"), [("retransmit-storm", "ike.no_response"),
                                            ("msgid-walk", "ike.dpd_unanswered"),
                                            ("ikev1-main-storm", "ike.no_response")])
def test_one_sa_with_a_storm_of_messages_keeps_the_first_ones_and_says_so(tmp_path: Path, kind: str,
                                                                          root: str) -> None:
    path = write(tmp_path, kind, 1000, spacing_us=50_000)  # the messages kept span seconds, as a storm's do
    st = settings(max_messages=100)
    results = analyze(path, st, lambda pipe: None)
    (sa,) = [r for r in results if isinstance(r, SaResult)]
    assert len(sa.sa.messages) == 100 and len(sa.sa.exchanges) <= 100
    assert sa.root_cause.code == root
    found = limit(results, "messages_per_sa")
    assert found.sa == sa.sa.id and found.details["dropped"] == sa.sa.dropped_messages > 800
    assert "only its first 100 are kept" in found.summary
    assert len(text_report(path, st).splitlines()) < 120


def test_the_kept_messages_of_all_open_sas_stay_within_their_cap(tmp_path: Path) -> None:
    path = write(tmp_path, "ikev1-fragments", 1000, sas=20)
    most = 0

    def watch(pipe: api.Pipeline) -> None:
        nonlocal most
        most = max(most, pipe._tracker._kept)

    results = analyze(path, settings(max_kept_messages=200), watch)
    assert most == 200
    found = limit(results, "kept_messages")
    assert found.details["cap"] == 200 and found.details["dropped"] > 0


def test_a_clock_that_leaps_decades_and_steps_back_is_one_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "time-jumps", 2000)
    frames = sum(1 for _ in open_capture(path))
    leaps = sum(1 for i in range(frames) if storms.broken_clock(i) > 0)
    back = leaps - (storms.broken_clock(frames - 1) > 0) + sum(1 for i in range(frames) if storms.broken_clock(i) < 0)
    results = analyze(path, settings(), lambda pipe: None)
    (found,) = findings(results, "capture.time_jumps")
    assert found.details["frames"] == leaps + back
    assert f"goes back by more than 1 s at {back} frame(s)" in found.summary
    assert f"leaps ahead by more than a year at {leaps} frame(s)" in found.summary and "50.0 years" in found.summary
    assert text_report(path, settings()).count("capture.time_jumps") == 1


@pytest.mark.parametrize("kind, n, cut", [("gzip-bomb", 200, "limit"), ("pcapng-huge-block", 300, "damaged"),
                                          ("pcap-huge-snaplen", 300, "damaged")])
def test_hostile_files_are_read_up_to_the_cut_and_say_so(tmp_path: Path, kind: str, n: int, cut: str) -> None:
    path = write(tmp_path, kind, n)
    results = [e for e in api.run([path], settings()) if isinstance(e, (CaptureFinding, SaResult))]
    (found,) = findings(results, "capture.cut_short")
    assert found.details["kind"] == cut and found.severity.value == "warning"
    (sa,) = [e.sa for e in results if isinstance(e, SaResult)]
    assert len(sa.messages) == (1000 if kind == "gzip-bomb" else n)
