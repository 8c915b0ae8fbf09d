"""The lab captures with the key tables strongSwan's save-keys plugin wrote beside them.

Every encrypted message must open with its ICV verified, and where the label
says the decisive evidence was encrypted, ``analyze`` with the keys must name
the label's root cause with confidence certain. The exceptions are listed
with the reason, so a change in them shows up here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REPO
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.wire.message import EncryptedPayload

PCAPS = REPO / "pcaps"
SKF = 53

# Captures whose messages do not all open: which sender's messages stay closed, and why.
CLOSED_FROM = {
    "ikev1-psk-mismatch": ("192.0.2.1", "crypto.bad_plaintext",
                           "the table holds bob's key; alice derived another key from her pre-shared key, so her "
                           "encrypted main mode messages stay closed"),
    "ikev2-answer-corrupted": ("192.0.2.2", "crypto.icv_mismatch",
                               "bob's IKE_AUTH answers are altered after he sealed them, so their ICV fails"),
}

# Captures whose encrypted evidence, once read, still gives another root cause or confidence.
# Keys make the decisive notify readable; for these captures the notify itself still fits more
# than one cause, so the root cause is likely, with the label's cause on the alternatives list or
# as the code: (root cause, confidence, a code or cause the alternatives must hold), and why.
DIAGNOSIS_DIFFERS = {
    "ikev2-id-mismatch": (("ike.auth_failed", "likely"), "ike.id_mismatch",
                          "the responder answers the unknown IDr with AUTHENTICATION_FAILED; auth.py names the "
                          "decrypted IDr in its summary, and a wrong key gives the same bytes"),
    "ikev2-psk-mismatch": (("ike.auth_failed", "likely"), "ike.id_mismatch",
                           "AUTHENTICATION_FAILED, decrypted, is what a refused identity sends too"),
    "ikev2-cookie-psk-mismatch": (("ike.auth_failed", "likely"), "ike.id_mismatch",
                                  "the same wrong key behind a cookie challenge: AUTHENTICATION_FAILED again"),
    "ikev2-cert-unknown-ca": (("ike.auth_failed", "likely"), "certificate",
                              "AUTHENTICATION_FAILED does not say which check failed; the trust store is not on "
                              "the wire"),
}


def labels() -> list[dict]:
    return [c for c in json.loads((PCAPS / "labels.json").read_text())["captures"]
            if c.get("key_tables") and (PCAPS / c["file"]).is_file()]


def _keys(label: dict):
    return load_key_files([PCAPS / t for t in label["key_tables"]])


@pytest.mark.parametrize("label", labels(), ids=lambda c: c["name"])
def test_every_encrypted_message_opens(label: dict) -> None:
    closed_src, closed_code, _ = CLOSED_FROM.get(label["name"], (None, "", ""))
    opened = 0
    for dg, dec in api.decode_file(PCAPS / label["file"], _keys(label)):
        m = dec.message
        if m is None:
            continue
        sk = next((p for p in m.payloads if isinstance(p, EncryptedPayload)), None)
        if sk is None and m.encrypted_v1 is None:
            continue
        crypto = [p.code for p in dec.problems if p.code.startswith("crypto.")]
        if dg.src == closed_src:
            assert crypto == [closed_code] and m.inner is None, dg.frame
            continue
        assert crypto == [], (dg.frame, crypto)
        if sk is not None and sk.type == SKF and m.inner is None:
            continue  # a fragment whose set the next one completes
        assert m.inner is not None, dg.frame
        assert not [p for p in dec.problems if p.code.startswith("ike.") and "decrypted" in p.detail], dg.frame
        opened += 1
    assert opened


@pytest.mark.parametrize("label", [c for c in labels() if c["evidence_encrypted"]], ids=lambda c: c["name"])
def test_keys_make_the_root_cause_certain_unless_the_notify_fits_several(label: dict) -> None:
    report = api.analyze([PCAPS / label["file"]], api.Settings(keys=_keys(label))).to_dict()
    roots = [f for f in report["findings"] if f.get("root_cause")]
    expected, alternative, _ = DIAGNOSIS_DIFFERS.get(label["name"], ((label["root_cause"], "certain"), None, ""))
    assert expected in [(f["code"], f["confidence"]) for f in roots], roots
    if alternative is not None:
        alts = [a for f in roots for a in f["alternatives"]]
        assert any(a["code"] == alternative or alternative in a["cause"] for a in alts), alts


def test_exceptions_name_labelled_captures() -> None:
    names = {c["name"] for c in labels()}
    assert set(CLOSED_FROM) | set(DIAGNOSIS_DIFFERS) <= names


def test_a_wrong_key_is_reported_not_used(tmp_path: Path) -> None:
    table = (PCAPS / "ikev2-psk-mismatch.ikev2_decryption_table").read_text().strip().split(",")
    table[2] = "00" * (len(table[2]) // 2)  # the initiator's SK_ei and SK_ai zeroed: its ICVs must fail
    table[5] = "00" * (len(table[5]) // 2)
    wrong = tmp_path / "wrong.ikev2_decryption_table"
    wrong.write_text(",".join(table) + "\n")
    seen = []
    for dg, dec in api.decode_file(PCAPS / "ikev2-psk-mismatch.pcap", load_key_files([wrong])):
        if dec.message is not None and dec.message.find(EncryptedPayload):
            seen.append((dec.message.header.initiator, dec.message.inner is not None,
                         [p.code for p in dec.problems if p.code.startswith("crypto.")]))
    assert (True, False, ["crypto.icv_mismatch"]) in seen
    assert (False, True, []) in seen  # the responder's keys are still right
