"""Inputs the fuzzers found failing, minimised (see fuzz/README.md); each test says what one once did.

Every file here also goes through its fuzz target in full (every format, with
and without keys), and the fuzzers take them as seeds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fuzz.run import outcome
from helpers import REPO
from ikescope.cli import cli

HERE = Path(__file__).parent
# The target each kind of file is an input of.
TARGET_OF = {".pcap": "pipeline", ".pcapng": "pipeline", ".ike": "decoder", ".keys": "keys"}
FILES = sorted(p.name for p in HERE.iterdir() if p.suffix in TARGET_OF)


@pytest.mark.parametrize("name", FILES)
def test_its_target_passes(name: str) -> None:
    path = HERE / name
    signature, report = outcome(TARGET_OF[path.suffix], path.read_bytes())
    assert signature is None, report


def _analyze(*args: str) -> dict:
    r = CliRunner().invoke(cli, ["analyze", "--format", "json", *args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return json.loads(r.output)


def test_a_certificate_against_a_capture_clock_beyond_the_calendar() -> None:
    """pcapng whose interface says if_tsresol 10^0, so its frames are some 57 million years out; the
    certificates of the IKE_AUTH response (decrypted) made the expiry rule raise ValueError, shown as an
    ikescope.rule_error finding. A clock no calendar can show says nothing about a certificate's dates."""
    keys = str(REPO / "pcaps" / "ikev2-cert-ikefrag-success.ikev2_decryption_table")
    path = str(HERE / "cert-capture-time-beyond-calendar.pcapng")
    decoded = CliRunner().invoke(cli, ["decode", "--keys", keys, path]).output
    assert "valid 2026-11-23T19:30:18Z to 2036-11-20T19:30:18Z" in decoded  # the rule gets to read it
    doc = _analyze("--keys", keys, path)
    codes = {f["code"] for f in doc["findings"]}
    assert doc["sas"] and "ikescope.rule_error" not in codes and "ike.cert_expired" not in codes
