"""Every finding code ikescope can report, gathered from the rule modules.

``docs/findings.md`` is generated from this table (``python -m
ikescope.diagnose.catalog``) and a test keeps the two equal, so the
documentation can never describe a code that does not exist or miss one.
"""

from __future__ import annotations

from collections.abc import Iterable

from .finding import CatalogEntry
from .engine import RULE_ERROR
from .rules import ENTRIES

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
             "*possible* (one explanation among others).", ""]
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
    return "\n".join(lines) + "\n"


def _anchor(code: str) -> str:
    return code.replace(".", "").replace("_", "_")


def _sorted(entries: Iterable[CatalogEntry]) -> list[CatalogEntry]:
    return sorted(entries, key=lambda e: e.code)


if __name__ == "__main__":
    print(markdown(), end="")
