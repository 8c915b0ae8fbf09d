"""--keys on the command line: decrypted payloads in decode, certain diagnoses in analyze, redaction,
and a key file that cannot be read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from helpers import REPO
from ikescope.cli import cli

CAP = REPO / "pcaps" / "ikev2-psk-mismatch.pcap"
KEYS = REPO / "pcaps" / "ikev2-psk-mismatch.ikev2_decryption_table"


def test_decode_shows_the_inner_payloads_under_sk() -> None:
    r = CliRunner().invoke(cli, ["decode", "--keys", str(KEYS), str(CAP)])
    assert r.exit_code == 0, r.output
    assert "decrypted:" in r.output and "      N AUTHENTICATION_FAILED" in r.output
    r = CliRunner().invoke(cli, ["decode", "--format", "json", "--keys", str(KEYS), str(CAP)])
    msgs = json.loads(r.output)["files"][0]["messages"]
    sks = [p for m in msgs for p in m["payloads"] if p["name"] == "SK"]
    assert all("inner" in p for p in sks)
    assert sks[-1]["inner"][0]["notify_name"] == "AUTHENTICATION_FAILED"


def test_redaction_covers_decrypted_identities_and_addresses() -> None:
    r = CliRunner().invoke(cli, ["decode", "--redact", "--format", "json", "--keys", str(KEYS), str(CAP)])
    assert "example.org" not in r.output and "198.51.100." not in r.output and "192.0.2." not in r.output
    assert '"identity": "id-' in r.output


def test_analyze_reads_the_refusal_with_keys() -> None:
    r = CliRunner().invoke(cli, ["analyze", "--format", "json", "--keys", str(KEYS), str(CAP)])
    finding = next(f for f in json.loads(r.output)["findings"] if f["code"] == "ike.auth_failed")
    assert "notify is readable (decrypted)" in finding["confidence_reason"]
    assert finding["confidence"] == "likely" and finding["alternatives"][0]["code"] == "ike.id_mismatch"
    r = CliRunner().invoke(cli, ["sas", "--format", "json", "--keys", str(KEYS), str(CAP)])
    assert r.exit_code == 0 and "alice@example.org" in r.output


def test_an_unreadable_key_file_is_one_line_and_status_2(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "ikescope", "analyze", "--keys", str(tmp_path / "none"), str(CAP)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "cannot read key file" in p.stderr


def test_bad_key_lines_are_warned_about_without_the_keys(tmp_path: Path) -> None:
    table = tmp_path / "k.ikev2_decryption_table"
    table.write_text(KEYS.read_text() + "0011,deadbeefdeadbeef\n")
    r = CliRunner().invoke(cli, ["decode", "--keys", str(table), str(CAP)])
    assert r.exit_code == 0
    assert "line 2" in r.stderr and "deadbeef" not in r.stderr


def test_analyze_says_which_messages_the_keys_left_closed() -> None:
    other = REPO / "pcaps" / "ikev1-psk-mismatch.ikev1_decryption_table"
    r = CliRunner().invoke(cli, ["analyze", "--keys", str(other), str(CAP)])
    assert "crypto.no_key in 2" in r.stderr
    r = CliRunner().invoke(cli, ["analyze", "--keys", str(KEYS), str(CAP)])
    assert "left closed" not in r.stderr
