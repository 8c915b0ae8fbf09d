"""A ticket body: short, and rendered the same by GitHub, GitLab and Jira.

Only the Markdown every one of them shares: headings, pipe tables, bullet
lists, inline code and fenced code blocks. A failed negotiation should fit on
one screen, so explanations are left to the catalog page and only the finding,
its evidence, the diff and the gateway wording appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from .sas import version_label

_ORDER = {"error": 0, "warning": 1, "info": 2}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def render(doc: dict[str, Any], ladders: dict[int, list[str]] | None = None) -> str:
    """``ladders`` maps an SA id to its ladder lines, shown in a code block under the SA table."""
    return "\n".join(_lines(doc, ladders or {})) + "\n"


def _lines(doc: dict[str, Any], ladders: dict[int, list[str]]) -> Iterable[str]:
    yield "## IKE analysis"
    yield ""
    for i, inp in enumerate(doc["inputs"]):
        cut = " — **the file is cut short**, analysed up to the cut" if inp["truncated"] else ""
        yield (f"- `{inp['path']}`: {_when(inp['first_time'])} to {_when(inp['last_time'])}, "
               f"{inp['frames']} frames, {inp['ike_messages']} IKE messages{cut}")
    yield ""
    if doc["sas"]:
        yield "| SA | version | initiator | responder | outcome | root cause / top finding |"
        yield "|---|---|---|---|---|---|"
        for s in doc["sas"]:
            ver = version_label(s["version"], s["mode"])
            rc = s["root_cause"]
            cause = f"`{rc['code']}` ({rc['confidence']})" if rc else "-"
            if rc and s["outcome"] in ("established", "deleted") and rc["severity"] != "error":
                cause += " (remark; the SA came up)"
            outcome = s["outcome"] + (f": {s['outcome_detail']}" if s["outcome_detail"] else "")
            yield (f"| {s['id']} | {ver} | {_cell(s['initiator'])} | {_cell(s['responder'])} | "
                   f"{_cell(outcome)} | {cause} |")
        yield ""
    for sa_id, lines in ladders.items():
        yield f"SA {sa_id}:"
        yield "```"
        yield from lines
        yield "```"
        yield ""
    findings = sorted(doc["findings"], key=lambda f: (_ORDER[f["severity"]], not f["root_cause"], f["sa"] or 0))
    if not findings:
        yield "No findings."
        return
    yield "### Findings"
    for f in findings:
        where = f"SA {f['sa']}" if f["sa"] is not None else "capture"
        root = ", root cause" if f["root_cause"] else ""
        yield ""
        yield f"**{f['severity'].upper()}** `{f['code']}` — {where}{root}, {f['confidence']}"
        yield ""
        yield _cell(f["summary"])
        yield ""
        for ev in f["evidence"][:6]:
            at = f" (offset {ev['offset']})" if ev["offset"] is not None else ""
            yield f"- frame {ev['frame']}: {_cell(ev['text'])}{at}"
        rows = f["details"].get("diff") if isinstance(f["details"], dict) else None
        if rows:
            against = f["details"].get("diff_against", "other side")
            yield ""
            yield f"| attribute | offered | {_cell(against)} | |"
            yield "|---|---|---|---|"
            for r in rows:
                yield (f"| {r['attribute']} | {_cell(', '.join(r['a']) or '-')} | {_cell(', '.join(r['b']) or '-')} "
                       f"| {'' if r['match'] else '**differs**'} |")
        if f["vendor_refs"]:
            yield ""
            yield "Gateway logs: " + "; ".join(f"{r['vendor']} `{_cell(r['text'])}`" for r in f["vendor_refs"])
        yield ""
        yield f"Check: {_cell(f['remedy'])}"
    t = doc["totals"]["findings"]
    yield ""
    yield f"_{doc['totals']['sas']} IKE SAs; {t['error']} errors, {t['warning']} warnings, {t['info']} info._"
