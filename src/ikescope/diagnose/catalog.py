"""Every finding code ikescope can report, gathered from the rule modules.

``docs/findings.md`` is generated from this table (``python -m
ikescope.diagnose.catalog``) and a test keeps the two equal, so the
documentation can never describe a code that does not exist or miss one.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Severity
from .differential import possible
from .finding import CatalogEntry
from .engine import RULE_ERROR
from .rules import ENTRIES
from .seeds import DOCUMENTS, Capture, Condition, Document, Status

CATALOG: dict[str, CatalogEntry] = {e.code: e for e in (*ENTRIES, RULE_ERROR)}

# The severities a code is reported with besides its catalog severity, and when. A rule
# lowers a code that the SA survived or that another finding explains, and raises one
# that ended the SA; the page says so, so a report never shows a severity the page does
# not. tests/diagnose/test_catalog_severities.py reads the rules to keep this complete.
OTHER_SEVERITIES: dict[str, tuple[tuple[Severity, str], ...]] = {
    "ike.certreq_without_cert": ((Severity.ERROR, "when the SA failed"),),
    "capture.cut_short": ((Severity.INFO, "when the file simply ends inside a packet, as while tcpdump is still "
                                          "writing it"),),
    "ike.child_sa_rejected": ((Severity.WARNING, "when the same packets also fit a reauthentication or a childless "
                                                 "initiation (RFC 6023), or when only the rekeying of a CHILD SA "
                                                 "was refused"),),
    "ike.cookie_challenge": ((Severity.WARNING, "when the initiator never repeated IKE_SA_INIT with the cookie "
                                                "and the negotiation stopped there"),),
    "ike.dh_group_mismatch": ((Severity.WARNING, "when the negotiation recovered and the SA came up"),),
    "ike.duplicate_request": ((Severity.INFO, "when the copies come from a path or a sender that duplicates "
                                              "datagrams and the SA came up all the same"),),
    "ike.encapsulation_mismatch": ((Severity.WARNING, "when the CHILD SA came up all the same, in the mode the "
                                                      "responder chose"),),
    "ike.exchange_mode_mismatch": ((Severity.WARNING, "on an SA that came up, while another SA between the same "
                                                      "peers used the other mode"),),
    "ike.fragments_incomplete": ((Severity.WARNING, "when the incomplete set is a response, or its exchange was "
                                                    "answered all the same, and for the one finding that counts "
                                                    "the incomplete messages of an SA beyond the first three"),),
    "ike.lifetime_mismatch": ((Severity.ERROR, "when one of the SAs compared failed"),),
    "ike.malformed": ((Severity.WARNING, "when the decoder rates the fault a warning (a reserved bit set, bytes "
                                         "after the message, an unknown payload that is not critical)"),
                      (Severity.INFO, "when the decoder rates it a note (an unknown IKEv2 payload that is not "
                                      "critical)")),
    "ike.malformed_reported": ((Severity.WARNING, "when PAYLOAD-MALFORMED answers an encrypted IKEv1 phase 1 "
                                                  "message: the pre-shared keys most likely differ, which "
                                                  "ike.auth_failed reports"),),
    "ike.peer_lost_state": ((Severity.WARNING, "when the SA went on after the refusal, or the peer answered a "
                                               "fresh negotiation and the tunnel came back"),),
    "ike.peer_unreachable": ((Severity.WARNING, "when the peer answered other messages of the SA, so the ICMP "
                                                "errors may concern only some of them"),),
    "ike.probe": ((Severity.INFO, "when the responder refused the probe and gave away no crackable hash"),),
    "ike.proposal_mismatch": ((Severity.WARNING, "when the negotiation recovered and the SA came up"),),
    "ike.rekey_refused": ((Severity.WARNING, "when a later rekey of the same CHILD SA was accepted"),),
    "ike.response_without_request": ((Severity.INFO, "when only the first responses lack their requests: the "
                                                     "capture started late"),),
    "ike.retransmission": ((Severity.INFO, "when every retransmitted request was answered in the end"),),
    "ike.version_mismatch": ((Severity.WARNING, "on an SA that came up, while another SA between the same peers "
                                                "used the other version"),),
    "ike.weak_crypto": ((Severity.INFO, "when the algorithms are only deprecated (3DES, SHA-1, the 1024- and "
                                        "1536-bit MODP groups, the RFC 5114 groups), none broken"),),
    "ike.xauth_cfg": ((Severity.ERROR, "when the gateway could not assign an address (INTERNAL_ADDRESS_FAILURE), "
                                       "or an XAuth / mode config request went unanswered and the tunnel stopped "
                                       "there"),
                      (Severity.WARNING, "when such a request went unanswered but the tunnel went on, or no quick "
                                         "mode followed the last exchange (the credentials may have been "
                                         "refused)")),
    "ikescope.limit_reached": ((Severity.INFO, "on an IKE SA that came up and had more messages than are kept "
                                               "per SA: a long-lived tunnel, not a storm"),),
    "net.fragments_lost": ((Severity.WARNING, "when the first fragment is missing, so the datagram may not have "
                                              "been IKE"),),
    "net.tcp_stream_broken": ((Severity.INFO, "when the capture ends while a message of the stream is still "
                                              "arriving"),),
}


# What the placeholders in the vendor documents' log lines stand for; the page explains them and
# the reports fill in what an SA tells (``report.model``).
LOG_PLACEHOLDERS: dict[str, str] = {
    "<Symbol>": "the exchange mode, Main or Aggressive (after \"Recv:\", the payloads received)",
    "<IP>": "the peer's address",
    "<IP start>/<IP end>": "the first and last address of a range",
    "<#d>": "the number of a rule in the gateway's table",
    "<addresses>": "the gateway's own address, then the peer's (strongSwan: 192.0.2.2...192.0.2.1)",
}


def severities(code: str) -> set[Severity]:
    """Every severity a finding of ``code`` may be reported with."""
    return {CATALOG[code].severity, *(sev for sev, _ in OTHER_SEVERITIES.get(code, ()))}


def entry(code: str) -> CatalogEntry:
    return CATALOG[code]


def markdown() -> str:
    """The finding catalog as the Markdown page ``docs/findings.md``."""
    lines = ["# Finding catalog", "",
             "Every finding ikescope reports has a stable code. This page is generated from the code's "
             "catalog entry (`python -m ikescope.diagnose.catalog > docs/findings.md`).", "",
             "Severity: **error** means the negotiation failed because of it; **warning** means it may fail "
             "or misbehave; **info** is worth knowing. Each finding in a report also says how sure it is: "
             "*certain* (a notify or the decoder says so), *likely* (the pattern of messages says so) or "
             "*possible* (one explanation among others). When a failed SA's root cause leaves the same "
             "packets as other causes, the report lists those too, most plausible first, each with what would "
             "tell it apart (a log line, the key file, a capture on the other side); such a root cause is never "
             "*certain*. The entries below say which other causes each code may list.", "",
             "A code has one severity, but some findings matter more or less where they occur: a refused "
             "proposal on a negotiation that recovered is a warning, weak algorithms that are only deprecated "
             "are worth knowing. The table gives such a code's other severities in brackets, and its entry "
             "says when each applies.", "",
             "Gateway log lines are quoted as the vendor documents print them; a part in angle brackets "
             "stands for what the gateway fills in: " + "; ".join(f"`{k}`: {v}" for k, v in LOG_PLACEHOLDERS.items())
             + ".", ""]
    lines += ["| code | severity | title |", "|---|---|---|"]
    lines += [f"| [`{e.code}`](#{_anchor(e.code)}) | {_severity_cell(e)} | {e.title} |" for e in _sorted(CATALOG.values())]
    for e in _sorted(CATALOG.values()):
        versions = " and ".join(f"IKEv{v}" for v in e.versions)
        lines += ["", f"## {e.code}", "", f"**{e.title}** — {e.severity.value}, {versions}"
                  + (" (a symptom: ranked below the root cause)" if e.supporting else ""), ""]
        lines += [f"Reported as **{sev.value}** {when}." for sev, when in OTHER_SEVERITIES.get(e.code, ())]
        lines += [""] if e.code in OTHER_SEVERITIES else []
        lines += [e.explanation, "", f"**On the wire:** {e.wire}", "", f"**What to check:** {e.remedy}"]
        if e.vendor_refs:
            lines += ["", "**How gateways log it:**", ""]
            lines += [f"- {r.vendor}: {r.text}" for r in e.vendor_refs]
        others = possible(e.code)
        if others:
            lines += ["", "**Other causes a report may list beside it** (when the evidence does not rule them "
                          "out):", ""]
            lines += [f"- {a.cause}" + (f" (`{a.code}`)" if a.code else "") + f". To tell: {a.tell_apart}"
                      for a in others]
    lines += _seeds()
    return "\n".join(lines) + "\n"


def _severity_cell(e: CatalogEntry) -> str:
    others = [sev.value for sev, _ in OTHER_SEVERITIES.get(e.code, ())]
    return e.severity.value + (f" ({', '.join(others)})" if others else "")


def _seeds() -> list[str]:
    """The other direction: from what a gateway logs to the finding, for every condition of the vendor
    documents (see ``seeds``)."""
    lines = ["", "## What gateways log, and the finding that covers it", "",
             "The tables below take every condition named by the vendor documents ikescope is measured against "
             "(Huawei's negotiation-failure alarm, the IKE logs of the ZyWALL 2, ZyWALL 100 and Business Secure "
             "Router, Clavister's common IPsec errors) and give the finding that reports it, or why a capture "
             "cannot show it. The status says which:", "",
             f"- **{Status.COVERED.value}**: the finding reports it; next to the code is a capture on which "
             "ikescope produces it (the test suite runs them all). `pcaps/` holds this repository's lab "
             "captures of strongSwan and libreswan; `corpus/public/` (captures published by other open-source "
             "projects) and `repro/` (inputs kept as regression tests) are the collections the test suite "
             "reads beside the repository, in `../shared`. \"with keys\" means with the key tables stored "
             "beside the capture (`--keys`).",
             f"- **{Status.UNPROVEN.value}**: a rule reads the condition, but no capture at hand shows it.",
             f"- **{Status.UNREPORTED.value}**: a capture would show it, but no finding names it yet.",
             f"- **{Status.OFF_WIRE.value}**: the condition lives inside the gateway (its configuration, "
             "tables or licence); a capture shows at most its effect.",
             f"- **{Status.PROGRESS.value}**: the line records a negotiation going normally."]
    for doc in DOCUMENTS:
        lines += ["", f"### {doc.title}", "", _counts(doc) + (" " + doc.remark if doc.remark else ""), "",
                  "| condition | finding | status |", "|---|---|---|"]
        lines += [_seed_row(c) for c in doc.conditions]
    return lines


def _counts(doc: Document) -> str:
    statuses = [c.status for c in doc.conditions]
    parts = [f"{s.value} {statuses.count(s)}" for s in Status if s in statuses]
    return f"`{doc.file}`, {len(statuses)} conditions: " + "; ".join(parts) + "."


def _seed_row(c: Condition) -> str:
    name = f"`{c.number}: {c.name}`" if c.number is not None else f"`{c.name}`"
    finding = "; ".join(f"{_code_link(v.code)} ({_capture(v.capture)})" for v in c.covers) or "—"
    status = c.status.value
    if c.gap is not None:
        status += ". " + c.gap.text
        if c.gap.related:
            status += " See " + ", ".join(_code_link(code) for code in c.gap.related) + "."
    if c.note:
        status += (" " if status.endswith(".") else ". ") + c.note
    return f"| {name} | {finding} | {status} |"


def _code_link(code: str) -> str:
    return f"[`{code}`](#{_anchor(code)})"


def _capture(cap: Capture | None) -> str:
    if cap is None:
        return "no capture yet"
    text = f"`{cap.path}`" + (" with keys" if cap.keys else "")
    for option, value in (("--expect-ike", cap.expect_ike), ("--expect-esp", cap.expect_esp)):
        if value:
            text += f", `{option} {value}`"
    return text


def _anchor(code: str) -> str:
    return code.replace(".", "").replace("_", "_")


def _sorted(entries: Iterable[CatalogEntry]) -> list[CatalogEntry]:
    return sorted(entries, key=lambda e: e.code)


if __name__ == "__main__":
    print(markdown(), end="")
