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

from .inferred import fix_line, peer_text
from .sas import version_label

_ORDER = {"error": 0, "warning": 1, "info": 2}


TABLE_HEAD = ("| SA | version | initiator | responder | outcome | root cause / top finding |",
              "|---|---|---|---|---|---|")


def cell(text: object) -> str:
    """Text made safe inside a table cell or a single line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def when(ts: float | None) -> str:
    """A capture time in UTC; a time no calendar can show stays a number."""
    if ts is None:
        return "-"
    try:
        return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ts:.6f}"


def render(doc: dict[str, Any], ladders: dict[int, list[str]] | None = None) -> str:
    """``ladders`` maps an SA id to its ladder lines, shown in a code block under the SA table."""
    return "\n".join(_lines(doc, ladders or {})) + "\n"


def input_line(inp: dict[str, Any]) -> str:
    cut = " — **the file is cut short**, analysed up to the cut" if inp["truncated"] else ""
    return (f"- `{inp['path']}`: {when(inp['first_time'])} to {when(inp['last_time'])}, "
            f"{inp['frames']} frames, {inp['ike_messages']} IKE messages{cut}")


def sa_row(s: dict[str, Any]) -> str:
    ver = version_label(s["version"], s["mode"])
    rc = s["root_cause"]
    cause = f"`{rc['code']}` ({rc['confidence']})" if rc else "-"
    if rc and s["outcome"] in ("established", "deleted") and rc["severity"] != "error":
        cause += " (remark; the SA came up)"
    outcome = s["outcome"] + (f": {s['outcome_detail']}" if s["outcome_detail"] else "")
    ends = {side: s[side] + (f", {peer_text(p)}" if (p := (s.get("peers") or {}).get(side)) else "")
            for side in ("initiator", "responder")}
    return (f"| {s['id']} | {ver} | {cell(ends['initiator'])} | {cell(ends['responder'])} | "
            f"{cell(outcome)} | {cause} |")


def ladder_blocks(ladders: dict[int, list[str]]) -> list[str]:
    out = []
    for sa_id, lines in ladders.items():
        out += [f"SA {sa_id}:", "```", *lines, "```", ""]
    return out


def _lines(doc: dict[str, Any], ladders: dict[int, list[str]]) -> Iterable[str]:
    yield "## IKE analysis"
    yield ""
    for inp in doc["inputs"]:
        yield input_line(inp)
    yield ""
    if doc["sas"]:
        yield from TABLE_HEAD
        for s in doc["sas"]:
            yield sa_row(s)
        yield ""
    yield from ladder_blocks(ladders)
    yield from findings_lines(doc["findings"], doc["totals"])


def findings_lines(findings: list[dict[str, Any]], totals: dict[str, Any]) -> Iterable[str]:
    """The findings, errors and root causes first, then the totals line."""
    findings = sorted(findings, key=lambda f: (_ORDER[f["severity"]], not f["root_cause"], f["sa"] or 0))
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
        yield cell(f["summary"])
        yield ""
        fix = fix_line(f.get("inferred_config"), code=lambda setting: f"`{setting}`")
        if fix:
            yield cell(fix)
            yield ""
        for ev in f["evidence"][:6]:
            at = f" (offset {ev['offset']})" if ev["offset"] is not None else ""
            yield f"- frame {ev['frame']}: {cell(ev['text'])}{at}"
        rows = f["details"].get("diff") if isinstance(f["details"], dict) else None
        if rows:
            against = f["details"].get("diff_against", "other side")
            yield ""
            yield f"| attribute | offered | {cell(against)} | |"
            yield "|---|---|---|---|"
            for r in rows:
                yield (f"| {r['attribute']} | {cell(', '.join(r['a']) or '-')} | {cell(', '.join(r['b']) or '-')} "
                       f"| {'' if r['match'] else '**differs**'} |")
        if f.get("alternatives"):
            yield ""
            yield "Other causes that fit the same packets:"
            yield ""
            for n, a in enumerate(f["alternatives"], 1):
                code = f" (`{a['code']}`)" if a["code"] else ""
                yield f"{n}. {cell(a['cause'])}{code}. To tell: {cell(a['tell_apart'])}"
        if f["vendor_refs"]:
            yield ""
            yield "Gateway logs: " + "; ".join(f"{r['vendor']} `{cell(r['text'])}`" for r in f["vendor_refs"])
        yield ""
        yield f"Check: {cell(f['remedy'])}"
    t = totals["findings"]
    yield ""
    yield f"_{totals['sas']} IKE SAs; {t['error']} errors, {t['warning']} warnings, {t['info']} info._"
