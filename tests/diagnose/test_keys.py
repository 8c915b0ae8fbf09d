"""Keys that do not open an SA's messages are reported, and keys that prove a
pre-shared key mismatch make the diagnosis certain."""

from __future__ import annotations

from pathlib import Path

from helpers import REPO
from ikescope import api
from ikescope.crypto.keys import load_key_files

PCAPS = REPO / "pcaps"


def findings(pcap: str, table: Path) -> list:
    settings = api.Settings(keys=load_key_files([table]))
    return api.analyze([PCAPS / pcap], settings).findings()


def test_psk_mismatch_is_certain_when_one_sides_key_cannot_open_the_other_side() -> None:
    fs = findings("ikev1-psk-mismatch.pcap", PCAPS / "ikev1-psk-mismatch.ikev1_decryption_table")
    top = fs[0]
    assert top.code == "ike.auth_failed" and top.root_cause and top.confidence.value == "certain"
    failed = next(f for f in fs if f.code == "ike.keys_failed")
    assert not failed.root_cause and failed.details["failed"] >= 1 and failed.details["opened"] >= 1


def test_a_wrong_key_is_reported(tmp_path: Path) -> None:
    line = (PCAPS / "ikev2-psk-success.ikev2_decryption_table").read_text().strip().split(",")
    line[2] = "00" * (len(line[2]) // 2)  # SK_ei replaced: the ICV still verifies, the plaintext is garbage
    line[5] = "11" * (len(line[5]) // 2)  # SK_ai replaced: the ICV no longer verifies
    bad = tmp_path / "ikev2_decryption_table"
    bad.write_text(",".join(line) + "\n")
    fs = findings("ikev2-psk-success.pcap", bad)
    (f,) = [f for f in fs if f.code == "ike.keys_failed"]
    assert "crypto.icv_mismatch" in f.details["codes"] and f.details["failed"] >= 1
    assert not [f for f in fs if f.severity.value == "error"]
