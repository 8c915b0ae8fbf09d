"""Every finding code ikescope can report, gathered from the rule modules.

``docs/findings.md`` is generated from this table (``python -m
ikescope.diagnose.catalog``) and a test keeps the two equal, so the
documentation can never describe a code that does not exist or miss one.
"""

from __future__ import annotations

from collections.abc import Iterable

from .differential import possible
from .finding import CatalogEntry
from .engine import RULE_ERROR
from .rules import ENTRIES
from .seeds import DOCUMENTS, Capture, Condition, Document, Status

CATALOG: dict[str, CatalogEntry] = {e.code: e for e in (*ENTRIES, RULE_ERROR)}


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
             "*certain*. The entries below say which other causes each code may list.", ""]
    lines += ["| code | severity | title |", "|---|---|---|"]
    lines += [f"| [`{e.code}`](#{_anchor(e.code)}) | {e.severity.value} | {e.title} |" for e in _sorted(CATALOG.values())]
    for e in _sorted(CATALOG.values()):
        versions = " and ".join(f"IKEv{v}" for v in e.versions)
        lines += ["", f"## {e.code}", "", f"**{e.title}** — {e.severity.value}, {versions}"
                  + (" (a symptom: ranked below the root cause)" if e.supporting else ""), "",
                  e.explanation, "", f"**On the wire:** {e.wire}", "", f"**What to check:** {e.remedy}"]
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
