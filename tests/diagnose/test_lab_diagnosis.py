"""The diagnosis against the lab's labels: for every real strongSwan/libreswan capture in
pcaps/, the root cause ikescope names is the label's, and a successful negotiation
carries no error finding.

Without keys some labelled causes cannot be told apart on the wire; the table
below says, for each, which findings are the honest answer and why. With the
lab's own key tables the decisive notifies become readable and the label's
cause is expected exactly (see tests/crypto).
"""

from __future__ import annotations

import json

import pytest

from helpers import REPO
from ikescope import api
from ikescope.diagnose import expect
from ikescope.diagnose.catalog import CATALOG
from ikescope.diagnose.context import DiagnoseSettings
from ikescope.model import Severity

LABELS = REPO / "pcaps" / "labels.json"
CAPTURES = json.loads(LABELS.read_text())["captures"] if LABELS.exists() else []

# label root cause -> root causes acceptable without keys, with the reason.
WITHOUT_KEYS: dict[str, tuple[set[str], str]] = {
    "ike.ts_mismatch": ({"ike.ts_mismatch", "ike.child_sa_rejected"},
                        "TS_UNACCEPTABLE travels encrypted; the IKE SA is up and the CHILD SA is refused"),
    "ike.child_proposal_mismatch": ({"ike.child_proposal_mismatch", "ike.child_sa_rejected"},
                                    "NO_PROPOSAL_CHOSEN for the CHILD SA travels encrypted"),
    "ike.id_mismatch": ({"ike.id_mismatch", "ike.auth_failed", "ike.child_sa_rejected"},
                        "an unexpected identity is refused with an encrypted AUTHENTICATION_FAILED (IKEv2) or "
                        "INVALID_ID_INFORMATION (IKEv1 quick mode)"),
    "ike.version_mismatch": ({"ike.version_mismatch", "ike.proposal_mismatch"},
                             "a responder without configuration for the other IKE version answers "
                             "NO_PROPOSAL_CHOSEN, the same bytes as a proposal mismatch"),
    "ike.no_response": ({"ike.no_response", "ike.peer_unreachable"},
                        "the peer's host answers ICMP port unreachable, which names the cause more precisely"),
    "ike.response_lost": ({"ike.response_lost", "ike.response_ignored"},
                          "captured on the responder's side, an answer lost on its way back looks like one the "
                          "requester throws away: the responder answers every copy, the requester keeps asking; "
                          "only a missing fragment in the capture shows the loss itself"),
}
# Causes that leave nothing on the wire without keys: no error finding may be claimed.
INVISIBLE_WITHOUT_KEYS = {"ike.encapsulation_mismatch", "ike.encap_mode_mismatch"}
# The responder's configuration, given as an engineer would with --expect-ike (lab/scenarios.py).
SETTINGS = {"ikev2-dh-group-mismatch.pcap": DiagnoseSettings(expect_ike=expect.parse("aes256-sha256-ecp256", "ike"))}


@pytest.mark.parametrize("label", CAPTURES, ids=[c["file"] for c in CAPTURES])
def test_root_cause_matches_label(label: dict) -> None:
    settings = api.Settings(diagnose=SETTINGS.get(label["file"], DiagnoseSettings()))
    report = api.analyze([REPO / "pcaps" / label["file"]], settings)
    errors = [f for f in report.findings() if f.severity.value == "error"]
    cause = label["root_cause"]
    if cause is None or not label["cause_on_wire"] or cause in INVISIBLE_WITHOUT_KEYS:
        assert not errors, [(f.code, f.summary) for f in errors]
        return
    tops = [f for r in report.results for f in r.findings[:1]]
    codes = {f.code for f in tops}
    accepted, why = WITHOUT_KEYS.get(cause, ({cause}, ""))
    if CATALOG[cause].severity is Severity.INFO:
        # A detour that cost time on a negotiation that worked (a DH group guessed wrong, a cookie).
        assert any(f.code == cause for f in report.findings()) and not errors
        return
    assert codes & accepted, (cause, why, [(f.code, f.summary) for f in tops])
