"""The tracker against the lab's labels: every real strongSwan capture in pcaps/
must yield the labelled IKE SAs, exchanges, message counts and outcomes."""

from __future__ import annotations

import json

import pytest

from helpers import REPO
from ikescope import api
from ikescope.crypto.keys import load_key_files

LABELS = REPO / "pcaps" / "labels.json"
CAPTURES = json.loads(LABELS.read_text())["captures"] if LABELS.exists() else []

# The lab's exchange vocabulary, by (IKE version, exchange type).
EXCHANGE_NAMES = {(1, 2): "MAIN_MODE", (1, 4): "AGGRESSIVE", (1, 5): "INFORMATIONAL_V1", (1, 6): "TRANSACTION",
                  (1, 32): "QUICK_MODE", (2, 34): "IKE_SA_INIT", (2, 35): "IKE_AUTH", (2, 36): "CREATE_CHILD_SA",
                  (2, 37): "INFORMATIONAL"}
# Our outcomes refine the lab's two: an SA deleted after it was up had been established.
OUTCOME = {"established": "established", "deleted": "established", "failed": "failed", "restarted": "failed"}


def test_labels_exist() -> None:
    assert len(CAPTURES) >= 20, "pcaps/labels.json should list the lab's captures"


def key_tables(label: dict) -> list:
    return [REPO / "pcaps" / t for t in label.get("key_tables") or ()]


CASES = [(c, False) for c in CAPTURES] + [(c, True) for c in CAPTURES if c.get("key_tables")]


@pytest.mark.parametrize(("label", "with_keys"), CASES,
                         ids=[f"{c['file']}-{'keys' if k else 'clear'}" for c, k in CASES])
def test_tracker_matches_label(label: dict, with_keys: bool) -> None:
    """Without keys an outcome decided inside encrypted messages may stay hidden (the SA
    looks established); with the lab's key tables every outcome must match."""
    tables = [REPO / "pcaps" / t for t in label.get("key_tables") or ()]
    keys = load_key_files(tables) if with_keys else None
    sas = list(api.track(api.decode_file(REPO / "pcaps" / label["file"], keys)))
    assert len(sas) == label["ike_sa_count"]
    by_spi = {sa.ispi.hex(): sa for sa in sas}
    for want in label["ike_sas"]:
        sa = by_spi[want["initiator_spi"]]
        assert sa.version == want["ike_version"]
        exchanges = []
        for e in sa.exchanges:
            name = EXCHANGE_NAMES[(min(sa.version, 2), e.exchange)]
            if name not in exchanges:
                exchanges.append(name)
        assert exchanges == want["exchanges"]
        assert len(sa.messages) == want["messages"]
        hidden = label["evidence_encrypted"] and not with_keys and sa.outcome == "established"
        # a scanner's probe never goes on: the tracker can only say the negotiation stopped unfinished
        probe = label["root_cause"] == "ike.probe" and sa.outcome == "incomplete"
        assert OUTCOME.get(sa.outcome) == want["outcome"] or hidden or probe, sa.outcome_detail
