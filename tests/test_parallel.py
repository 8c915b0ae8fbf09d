"""``--jobs``: a capture spread over worker processes gives the report of one process,
byte for byte, in every format."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import REPO, need_corpus
from ikescope import api
from ikescope.cli import cli
from ikescope.model import Datagram, NetEvent
from ikescope.parallel import shard_of

PCAPS = sorted(p.name for p in (REPO / "pcaps").glob("*.pcap"))


def analyze(*args: str) -> str:
    result = CliRunner().invoke(cli, ["analyze", "--fail-on", "never", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", PCAPS)
def test_jobs_give_the_report_of_one_process_on_every_lab_capture(name: str) -> None:
    path = str(REPO / "pcaps" / name)
    for args in (("--format", "json"), ("--ladder",)):
        assert analyze("--jobs", "2", *args, path) == analyze("--jobs", "1", *args, path)


@pytest.mark.parametrize("relative", ["wireshark-wiki/ipsec.cap", "tcpdump/ikev2four.pcap"])
def test_jobs_on_captures_with_many_peers_and_sas(relative: str) -> None:
    path = str(need_corpus() / relative)
    for jobs in ("2", "3"):
        for fmt in ("json", "text", "jsonl"):
            assert analyze("--jobs", jobs, "--format", fmt, path) == analyze("--jobs", "1", "--format", fmt, path)


def test_timestamps_that_go_backwards_give_the_same_sas_and_findings_in_another_order() -> None:
    path = str(need_corpus() / "ndpi" / "ipsec_isakmp_esp.pcap")  # its clock steps back by 40 minutes
    one, two = (json.loads(analyze("--jobs", jobs, "--format", "json", path)) for jobs in ("1", "2"))
    assert one != two
    for key in ("sas", "findings"):
        assert sorted(map(json.dumps, one[key])) == sorted(map(json.dumps, two[key]))
    assert (one["inputs"], one["totals"]) == (two["inputs"], two["totals"])


def test_several_files_go_through_one_pool() -> None:
    paths = [str(REPO / "pcaps" / n) for n in PCAPS[:4]]
    assert analyze("--jobs", "2", "--format", "json", *paths) == analyze("--jobs", "1", "--format", "json", *paths)


def test_both_directions_of_a_pair_go_to_the_same_worker() -> None:
    for a, b in (("192.0.2.1", "198.51.100.7"), ("2001:db8::1", "2001:db8::2")):
        there = Datagram(frames=(1,), ts=0.0, src=a, dst=b, sport=500, dport=500, transport="udp", encap="plain",
                         payload=b"")
        back = NetEvent(kind="icmp_unreachable", frame=2, ts=0.0, src=b, dst=a)
        assert {shard_of(there, n) == shard_of(back, n) for n in (2, 3, 7)} == {True}


def test_small_captures_stay_in_one_process_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    started = []
    monkeypatch.setattr(api.parallel, "Pool", lambda jobs: started.append(jobs))
    list(api.run([REPO / "pcaps" / PCAPS[0]], jobs=None))
    assert started == []
