"""--expect-esp compares CHILD SA proposals with the engineer's configuration, PFS included, in
IKEv2 CREATE_CHILD_SA and IKEv1 quick mode alike (lab captures, read with their keys)."""

from __future__ import annotations

import pytest

from helpers import REPO
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose import expect
from ikescope.diagnose.context import DiagnoseSettings

PCAPS = REPO / "pcaps"


def analyze(name: str, esp: str):
    table = next(PCAPS.glob(f"{name}.ikev*_decryption_table"))
    settings = api.Settings(keys=load_key_files([table]),
                            diagnose=DiagnoseSettings(expect_esp=expect.parse(esp, "esp")))
    return api.analyze([PCAPS / f"{name}.pcap"], settings).findings()


def dh_row(f) -> dict:
    return next(r for r in f.details["diff"] if r["attribute"] == "dh")


@pytest.mark.parametrize("name", ["ikev2-pfs-mismatch", "ikev1-pfs-mismatch", "ikev1-libreswan-strongswan-pfs-mismatch"])
def test_offered_pfs_against_a_configuration_without(name: str) -> None:
    (f,) = [f for f in analyze(name, "aes128-sha256") if f.code == "ike.pfs_mismatch"]
    assert dh_row(f) == {"attribute": "dh", "a": ["modp2048"], "b": ["no PFS"], "match": False}
    assert f.details["diff_against"] == "the expected configuration (--expect-esp)"


@pytest.mark.parametrize("name", ["ikev2-rekey", "ikev1-rekey"])
def test_no_pfs_chosen_against_a_configuration_with_it(name: str) -> None:
    found = [f for f in analyze(name, "aes128-sha256-modp2048") if f.code == "ike.expected_proposal_mismatch"]
    assert found
    for f in found:  # one per IKE SA whose CHILD SAs are readable (the rekeyed IKE SA too)
        assert dh_row(f) == {"attribute": "dh", "a": ["no PFS"], "b": ["modp2048"], "match": False}
        assert f.details["differing"] == ["dh"]


@pytest.mark.parametrize("name", ["ikev2-rekey", "ikev1-rekey"])
def test_a_matching_configuration_says_nothing(name: str) -> None:
    assert not [f for f in analyze(name, "aes128-sha256") if f.code == "ike.expected_proposal_mismatch"]
