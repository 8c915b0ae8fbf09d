"""A capture with many SAs and findings reads in a terminal: healthy SAs and info
findings are counted, not listed, unless --all asks for them."""

from __future__ import annotations

from click.testing import CliRunner

from helpers import need_corpus
from ikescope.cli import cli


def _error_codes(report: str) -> set[str]:
    return {line.split()[1].rstrip(":") for line in report.splitlines() if line.lstrip().startswith("ERROR")}


def test_large_capture_lists_what_needs_attention() -> None:
    cap = str(need_corpus() / "ndpi" / "ipsec_isakmp_esp.pcap")
    short = CliRunner().invoke(cli, ["analyze", "--fail-on", "never", cap]).output
    full = CliRunner().invoke(cli, ["analyze", "--fail-on", "never", "--all", cap]).output
    assert "came up with nothing to report and are not listed" in short
    assert "info findings not listed" in short
    assert short.count("\n  SA ") < full.count("\n  SA ") == 70
    # Errors are never left out: SAs that share a root cause are grouped, each code still shows.
    assert "ERROR" in short and _error_codes(short) == _error_codes(full)
    assert short.splitlines()[-1] == full.splitlines()[-1]
    assert len(short.splitlines()) * 5 < len(full.splitlines())


def test_totals_count_every_outcome_and_no_audit_drops_weak_crypto_remarks() -> None:
    import json

    cap = str(need_corpus() / "ndpi" / "ipsec_isakmp_esp.pcap")
    doc = json.loads(CliRunner().invoke(cli, ["analyze", "--format", "json", "--fail-on", "never", cap]).output)
    assert sum(doc["totals"]["outcomes"].values()) == doc["totals"]["sas"] == len(doc["sas"])
    assert doc["totals"]["outcomes"]["restarted"] == 3
    weak = CliRunner().invoke(cli, ["analyze", "--format", "jsonl", "--fail-on", "never",
                                    str(need_corpus() / "wireshark-wiki" / "ipsec.cap")]).output
    quiet = CliRunner().invoke(cli, ["analyze", "--format", "jsonl", "--fail-on", "never", "--no-audit",
                                     str(need_corpus() / "wireshark-wiki" / "ipsec.cap")]).output
    assert '"ike.weak_crypto"' in weak and '"ike.weak_crypto"' not in quiet
