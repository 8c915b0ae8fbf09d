"""One run over several captures: every SA names its file, an unreadable file does not
cost the others, and each pair of peers gets its state at the end of all of them.

The three lab captures are one gateway pair's afternoon in time order: the IKE
proposals refused, then the DH group refused, then a tunnel that comes up.
"""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
from click.testing import CliRunner

from helpers import REPO
from ikescope import api
from ikescope.cli import cli
from ikescope.report import markdown as mdreport
from ikescope.report import text as textreport
from ikescope.report.summary import MAX_PAIRS, PAIR_HISTORY, PeerPair, Summary, _attempt

DAY = ["pcaps/ikev2-ike-proposal-mismatch.pcap", "pcaps/ikev2-dh-group-mismatch.pcap",
       "pcaps/ikev2-invalid-ke-retry.pcap"]
SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())


def invoke(*args: str) -> tuple[int, str, str]:
    p = subprocess.run([sys.executable, "-m", "ikescope", *args], capture_output=True, text=True, cwd=REPO)
    return p.returncode, p.stdout, p.stderr


def test_every_sa_and_finding_names_its_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    text = CliRunner().invoke(cli, ["analyze", *DAY]).output
    heads = [line for line in text.splitlines() if line.startswith("ERROR ike.")]
    assert [h.split("  ")[1] for h in heads] == ["SA 3 in ikev2-ike-proposal-mismatch.pcap, frames 3,4",
                                                 "SA 3 in ikev2-dh-group-mismatch.pcap, frames 3,4"]
    md = CliRunner().invoke(cli, ["analyze", "--format", "markdown", *DAY]).output
    rows = [line for line in md.splitlines() if line.startswith("| ikev2-")]
    assert [r.split(" | ")[:2] for r in rows] == [["| ikev2-ike-proposal-mismatch.pcap", "3"],
                                                 ["| ikev2-dh-group-mismatch.pcap", "3"],
                                                 ["| ikev2-invalid-ke-retry.pcap", "3"]]
    assert "| file | SA |" in md and "— SA 3 in ikev2-dh-group-mismatch.pcap, root cause" in md
    # one file keeps the short names
    alone = CliRunner().invoke(cli, ["analyze", DAY[0]]).output
    assert "SA 3, frames 3,4" in alone and " in ikev2-" not in alone


def test_a_tunnel_that_came_up_later_gets_its_state_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    doc = api.analyze(DAY).to_dict()
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    (pair,) = doc["peer_pairs"]
    assert pair["peers"] == ["192.0.2.1", "192.0.2.2"] and pair["sas"] == 3
    assert pair["status"] == "up" and pair["sa"] == {"input": 2, "sa": 3}
    assert pair["failed_before"] == pair["failed"] == 2 and pair["failed_after"] == 0
    assert pair["last_failure"]["input"] == 1 and pair["last_failure"]["code"] == doc["sas"][1]["root_cause"]["code"]
    (up,) = [s for s in doc["sas"] if s["input"] == 2]
    assert pair["since"] == pytest.approx(up["start"] + up["time_to_establish"])
    line = ("192.0.2.1 <-> 192.0.2.2: up since 2026-11-23 20:04:37 UTC (SA 3 in ikev2-invalid-ke-retry.pcap), "
            "after 2 failed attempts (the last: SA 3 in ikev2-dh-group-mismatch.pcap, "
            f"{pair['last_failure']['code']})")
    text = textreport.render(doc)
    assert "\nPeer pairs\n" in text and " ".join(text.split()).count(line) == 1
    assert f"- {line}" in mdreport.render(doc).replace("\\", "")
    # the capture times decide, not the order the files are named in
    backwards = api.analyze(DAY[::-1]).to_dict()["peer_pairs"][0]
    assert (backwards["status"], backwards["failed_before"], backwards["since"]) == ("up", 2, pair["since"])


def test_an_unreadable_file_is_reported_after_the_others(tmp_path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a capture\n")
    for fmt in ("text", "markdown", "json", "jsonl"):
        rc, out, err = invoke("analyze", "--format", fmt, DAY[0], "missing.pcap", str(junk), DAY[2])
        assert rc == 2, fmt
        assert err.splitlines() == ["ikescope: cannot open missing.pcap: No such file or directory",
                                    f"ikescope: {junk}: not a pcap or pcapng file (starts with 6e6f7420)"], fmt
        assert "ikev2-invalid-ke-retry.pcap" in out and "ike.proposal_mismatch" in out, fmt
    doc = json.loads(invoke("analyze", "--format", "json", DAY[0], "missing.pcap", DAY[2])[1])
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert [i["error"] for i in doc["inputs"]] == [None, "cannot open missing.pcap: No such file or directory", None]
    assert [s["input"] for s in doc["sas"]] == [0, 2]
    text = invoke("analyze", DAY[0], "missing.pcap", DAY[2])[1]
    assert "cannot open missing.pcap: No such file or directory (not analysed)" in text
    for command in ("sas", "decode"):
        rc, out, err = invoke(command, "missing.pcap", DAY[2])
        assert rc == 2 and "== pcaps/ikev2-invalid-ke-retry.pcap" in out
        assert err == "ikescope: cannot open missing.pcap: No such file or directory\n"


@pytest.mark.parametrize("command", [["analyze"], ["analyze", "--format", "json"], ["analyze", "--format", "jsonl"],
                                     ["sas", "--format", "json"], ["decode"]])
def test_nothing_readable_prints_only_the_errors(command: list[str]) -> None:
    rc, out, err = invoke(*command, "missing.pcap", "gone.pcap")
    assert (rc, out) == (2, "")
    assert err.count("\n") == 2 and "missing.pcap" in err and "gone.pcap" in err


# --- the pairs' memory stays fixed ------------------------------------------------------------

def sa_doc(n: int, start: float, outcome: str, code: str | None = None) -> dict:
    return {"id": n, "input": 0, "start": start, "duration": 1.0, "outcome": outcome, "outcome_detail": "",
            "time_to_establish": 0.5 if outcome == "established" else None,
            "root_cause": None if code is None else {"code": code, "severity": "error", "summary": "",
                                                     "confidence": "certain"}}


def test_a_pair_keeps_a_few_sas_and_exact_counts_whatever_order_they_close_in() -> None:
    pair = PeerPair(("192.0.2.1", "192.0.2.2"))
    # 40 failed attempts, then a tunnel at t=100, then 5 more failures; closed in a scrambled order
    docs = [sa_doc(n, float(n), "failed", "ike.no_response") for n in range(1, 41)]
    docs += [sa_doc(100, 100.0, "established")]
    docs += [sa_doc(n, float(n), "failed", "ike.auth_failed") for n in range(101, 106)]
    for d in docs[::7] + [d for i, d in enumerate(docs) if i % 7]:
        pair.add(_attempt(d))
        assert len(pair.history) <= PAIR_HISTORY
    st = pair.status()
    assert st["status"] == "up" and st["sa"] == {"input": 0, "sa": 100} and st["since"] == 100.5
    assert (st["failed_before"], st["failed_after"], st["failed"]) == (40, 5, 45)
    assert st["last_failure"] == {"input": 0, "sa": 105, "time": 105.0, "code": "ike.auth_failed"}


def test_pairs_beyond_the_cap_are_counted_not_kept() -> None:
    summary = Summary()
    for n in range(MAX_PAIRS + 10):
        summary.add_sa(sa_doc(n + 1, float(n), "failed"), [], (f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
                                                               "192.0.2.2"), (float(n), float(n)))
    assert len(summary.peer_pairs()) == MAX_PAIRS and summary.totals()["unpaired_sas"] == 10


def test_a_lost_and_a_deleted_tunnel_read_as_such() -> None:
    lost = PeerPair(("a", "b"))
    lost.add(_attempt(sa_doc(1, 0.0, "established", "ike.dpd_unanswered")))
    assert lost.status()["status"] == "faulty" and lost.status()["code"] == "ike.dpd_unanswered"
    gone = PeerPair(("a", "b"))
    gone.add(_attempt({**sa_doc(1, 0.0, "established"), "outcome": "deleted"}))
    assert gone.status()["status"] == "down" and gone.status()["since"] == 1.0
