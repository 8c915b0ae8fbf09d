"""pcaps/labels.json and pcaps/README.md: the promises later tests hold the captures to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.scenarios import SCENARIOS

SCHEMA_VERSION = 1

# Root causes a label may name; null means the tunnel came up as configured.
ROOT_CAUSES = {
    "ike.proposal_mismatch": "IKE SA / phase 1 proposals share no transform set",
    "ike.dh_group_mismatch": "the peers have no Diffie-Hellman group in common",
    "ike.invalid_ke_retry": "initiator guessed the wrong DH group, was told the right one "
                            "(INVALID_KE_PAYLOAD) and retried",
    "ike.auth_failed": "authentication failed (wrong pre-shared key, untrusted certificate)",
    "ike.ts_mismatch": "traffic selectors (IKEv2) do not overlap",
    "ike.id_mismatch": "quick mode IDs (IKEv1 proxy subnets) are not accepted",
    "ike.child_proposal_mismatch": "CHILD SA / phase 2 proposals (ESP transforms or PFS "
                                   "group) differ",
    "ike.no_response": "the peer never answers",
    "ike.version_mismatch": "one peer speaks only IKEv1, the other only IKEv2, or a peer "
                            "sends a major version the other does not know",
    "ike.exchange_mode_mismatch": "aggressive mode against main mode",
    "ike.lifetime_mismatch": "proposals differ only in lifetime",
    "ike.encapsulation_mismatch": "transport mode against tunnel mode",
    "ike.malformed_reported": "the peer reports it cannot parse a message (here an unknown "
                              "payload marked critical)",
    "ike.dpd_unanswered": "an established peer stops answering liveness checks",
    "ike.delete_unacknowledged": "a DELETE is never acknowledged (the peer is gone)",
    "ike.peer_lost_state": "a peer lost its SAs (restart, crash): the other's requests on the old SA "
                           "find nothing there, and a fresh negotiation is accepted",
    "ike.probe": "a scanner (ike-scan) sends first messages only, to see what the gateway answers",
    "ike.large_unfragmented": "a message too large for one packet, sent without IKE "
                              "fragmentation, is lost as IP fragments on the path",
    "ike.response_ignored": "the responder answers every copy of a request, the requester "
                            "cannot use the answers (altered on the way, or rejected by the "
                            "requester itself) and keeps asking",
    "ike.response_lost": "the answer, or one of its fragments, is lost on its way back to the "
                         "requester, which keeps asking",
    "ike.initiator_silent": "the first exchange is answered and the initiator's next message "
                            "never arrives (UDP 4500 blocked behind a NAT)",
    "ike.user_auth_failed": "the user's XAuth or EAP credentials are refused after the "
                            "gateways authenticated each other",
    "ike.rekey_refused": "the tunnel came up, a later rekey of its CHILD SA is refused (here PFS "
                         "on one side only)",
    "ike.cookie_challenge": "the responder demanded a cookie first, costing a round trip; the "
                            "tunnel came up",
    "ike.negotiation_loop": "the same tunnel is negotiated again and again, each IKE SA soon "
                            "replaced by the next",
}


def _path(out: Path) -> Path:
    return out / "labels.json"


def load(out: Path) -> dict[str, Any]:
    path = _path(out)
    if path.exists():
        return json.loads(path.read_text())
    return {"schema_version": SCHEMA_VERSION, "captures": []}


def update(out: Path, label: dict[str, Any]) -> None:
    """Replace one capture's entry, keeping the catalog order of the others."""
    data = load(out)
    data["schema_version"] = SCHEMA_VERSION
    data["root_causes"] = ROOT_CAUSES
    order = [s.name for s in SCENARIOS]
    entries = {c["name"]: c for c in data["captures"] if c["name"] in order}
    entries[label["name"]] = label
    data["captures"] = [entries[n] for n in order if n in entries]
    _path(out).write_text(json.dumps(data, indent=1) + "\n")


def prune(out: Path) -> list[Path]:
    """Remove captures, keys and logs of scenarios no longer in the catalog, and their labels,
    so `all` leaves exactly the catalog behind."""
    known = {s.name for s in SCENARIOS}
    stale = [p for p in out.iterdir() if p.name.startswith(("ikev1-", "ikev2-", "cross-"))
             and p.name.split(".")[0] not in known]
    for path in stale:
        path.unlink()
    data = load(out)
    data["captures"] = [c for c in data["captures"] if c["name"] in known]
    _path(out).write_text(json.dumps(data, indent=1) + "\n")
    return stale


def write_readme(out: Path) -> None:
    """One line per capture, then the vocabulary, generated so it never drifts from labels."""
    data = load(out)
    lines = [
        "# Lab captures",
        "",
        "Made by `python -m lab all` (or `lab/run.sh all`, as root; see `lab/README.md`): real",
        "strongSwan 5.9.8 daemons, and libreswan 4.10 where named, in network namespaces joined",
        "by veth pairs, documentation addresses only, captured with `tcpdump -U` on bob's link",
        "(on alice's where a label's `captured_on` says so; with `both`, on alice's link into",
        "`NAME.left.pcap` and on bob's into `NAME.right.pcap` at once, the label describing the first).",
        "alice initiates unless a line says otherwise. Each `NAME.pcap` comes with",
        "`NAME.ikev1_decryption_table` and/or `NAME.ikev2_decryption_table` (Wireshark format,",
        "recovered from charon's key derivation log; none where only libreswan peers talk or",
        "where the negotiation stops before any message is encrypted),",
        "`NAME.alice.log` / `NAME.bob.log` (the daemons' own logs, trimmed), and an entry in",
        "`labels.json` with the expected IKE SAs, exchanges, notifies and root cause.",
        "",
        "| capture | what it shows | how it was made | root cause |",
        "|---|---|---|---|",
    ]
    for c in data["captures"]:
        cause = f"`{c['root_cause']}`" if c["root_cause"] else "none"
        files = ", ".join(f"`{name}`" for name in c.get("files", [c["file"]]))
        lines.append(f"| {files} | {c['summary']} | {c['how']} | {cause} |")
    lines += ["", "## Root causes used in labels.json", ""]
    for code, text in ROOT_CAUSES.items():
        lines.append(f"- `{code}`: {text}")
    lines += ["- `null`: no failure; the tunnel came up as configured", "",
              "## labels.json", "",
              "`captures[]` has, per file: `name`, `file`, `summary`, `how`, `ike_version`",
              "(\"1\", \"2\" or \"1+2\"), `topology` (v4, v6, nat), `captured_on` (alice, bob or both),",
              "`files` (the capture files, two for `both`), `daemons`,",
              "`software` (each peer's daemon and version, tcpdump, kernel), `root_cause`,",
              "`failed_exchange`, `decisive_notifies` (`type`, `name`), `evidence_encrypted`",
              "(the decisive evidence is inside encrypted payloads), `cause_on_wire` (false",
              "when only the daemons' logs show the cause), `ike_sa_count`, `key_tables`,",
              "`logs`, and `ike_sas[]` in order of first appearance: `index`, `ike_version`,",
              "`initiator` (alice or bob), `origin` (initial or rekey), `outcome` (established or failed),",
              "`ended_by` (delete, rekey, dpd_timeout or null), `initiator_spi`, `messages`",
              "(IKE messages on the wire, retransmissions and IKE fragments counted one by",
              "one), `exchanges` (distinct, in order) and `notifies[]` (`exchange`, `type`,",
              "`name`, `encrypted`), all read from the capture with the",
              "key tables applied. Beside `captures` the file holds `schema_version` and",
              "`root_causes` (the list above).", ""]
    (out / "README.md").write_text("\n".join(lines))
