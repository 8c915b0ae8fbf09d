"""A key table with a slip in it (keys swapped, one direction wrong) is reported as the table's
fault, ike.keys_failed with the likely slip, never as a malformed message from a peer."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import REPO
from ikescope import api
from ikescope.crypto.keys import load_key_files

CAP = REPO / "pcaps" / "ikev2-psk-success.pcap"
TABLE = REPO / "pcaps" / "ikev2-psk-success.ikev2_decryption_table"
# Wireshark's ikev2_decryption_table: SPIi, SPIr, SK_ei, SK_er, cipher, SK_ai, SK_ar, integrity
SK_EI, SK_ER, SK_AI, SK_AR = 2, 3, 5, 6


def table_with(tmp_path: Path, change) -> Path:
    fields = TABLE.read_text().strip().split(",")
    change(fields)
    out = tmp_path / "slip.ikev2_decryption_table"
    out.write_text(",".join(fields) + "\n")
    return out


def swap(a: int, b: int):
    def change(f: list[str]) -> None:
        f[a], f[b] = f[b], f[a]
    return change


def zero(*idx: int):
    def change(f: list[str]) -> None:
        for i in idx:
            f[i] = "00" * (len(f[i]) // 2)
    return change


@pytest.mark.parametrize(("change", "slip", "failed"), [
    (swap(SK_EI, SK_ER), "encryption keys are swapped", ("crypto.bad_plaintext", "crypto.bad_plaintext")),
    (swap(SK_AI, SK_AR), "integrity keys are swapped", ("crypto.icv_mismatch", "crypto.icv_mismatch")),
    (zero(SK_ER, SK_AR), "only the responder's direction fails", (None, "crypto.icv_mismatch")),
], ids=["encryption-swapped", "integrity-swapped", "responder-wrong"])
def test_a_table_slip_is_the_tables_fault(tmp_path: Path, change, slip: str, failed: tuple) -> None:
    keys = load_key_files([table_with(tmp_path, change)])
    report = api.analyze([CAP], api.Settings(keys=keys))
    findings = report.findings()
    assert not [f for f in findings if f.code.startswith("ike.malformed")], [f.summary for f in findings]
    (f,) = [f for f in findings if f.code == "ike.keys_failed"]
    assert slip in f.details["likely_slip"] and slip in f.summary
    got = (f.details["failed_initiator"] or [None])[0], (f.details["failed_responder"] or [None])[0]
    assert got == failed
    assert not [g for g in findings if g.severity.value == "error"]
