"""A ticket body: short, and rendered the same by GitHub, GitLab and Jira.

Only the Markdown every one of them shares: headings, pipe tables, bullet
lists, inline code and fenced code blocks. A failed negotiation should fit on
one screen, so explanations are left to the catalog page and only the finding,
its evidence, the diff and the gateway wording appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from ..diagnose.catalog import LOG_PLACEHOLDERS
from . import names
from .names import input_labels
from .inferred import fix_line, peer_text
from .path import path_lines
from .sas import version_label

_ORDER = {"error": 0, "warning": 1, "info": 2}


TABLE_HEAD = ("| SA | version | initiator | responder | outcome | root cause / top finding |",
              "|---|---|---|---|---|---|")
# With several inputs the table names each SA's file, since SA names repeat across files.
TABLE_HEAD_FILES = ("| file | SA | version | initiator | responder | outcome | root cause / top finding |",
                    "|---|---|---|---|---|---|---|")


def table_head(labels: Sequence[str]) -> tuple[str, str]:
    return TABLE_HEAD_FILES if labels else TABLE_HEAD


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


def placeholders(refs: list[dict[str, Any]]) -> str:
    """What the placeholders left in gateway log lines stand for (the SA could not fill them
    in), as "<IP> is the peer's address; ..."; empty when none is left."""
    return "; ".join(f"{k} is {v}" for k, v in LOG_PLACEHOLDERS.items() if any(k in r["text"] for r in refs))


def _attempts(n: int) -> str:
    return f"{n} failed attempt{'' if n == 1 else 's'}"


def pair_line(p: dict[str, Any], labels: Sequence[str] = ()) -> str:
    """The state at the end of the input of a peer pair whose tunnel came up (``listed_pairs``), as
    a sentence shared by text and Markdown: "up since ..., after 1 failed attempt (the last: SA 3,
    ike.proposal_mismatch)"."""
    def sa(ref: dict[str, Any]) -> str:
        return names.where(ref["sa"], ref["input"], labels)

    last = p["last_failure"]
    last_text = f"the last: {sa(last)}, {last['code'] or 'no finding'}" if last else ""
    before, after = p["failed_before"], p["failed_after"]
    head = f"{p['peers'][0]} <-> {p['peers'][1]}: "
    if p["status"] == "up":
        text = f"up since {when(p['since'])} ({sa(p['sa'])})"
    elif p["status"] == "faulty":
        text = f"came up at {when(p['since'])} ({sa(p['sa'])}), with an error: {p['code']}"
    else:
        text = f"down since {when(p['since'])}: {sa(p['sa'])} came up and was deleted"
    if before:
        text += f", after {_attempts(before)}" + (f" ({last_text})" if not after else "")
    if after:
        text += f"; {_attempts(after)} since ({last_text})"
    return head + text


def render(doc: dict[str, Any], ladders: dict[tuple[int, int], list[str]] | None = None,
           diagrams: dict[tuple[int, int], list[str]] | None = None) -> str:
    """``ladders`` maps (input, SA id) to the SA's ladder lines, shown in a code block under the SA table;
    ``diagrams`` to its Mermaid diagram, in a ``mermaid`` block before them."""
    return "\n".join(_lines(doc, ladders or {}, diagrams or {})) + "\n"


def input_line(inp: dict[str, Any]) -> str:
    if inp.get("error"):
        return f"- `{inp['path']}`: **not analysed**: {cell(inp['error'])}"
    cut = " — **the file is cut short**, analysed up to the cut" if inp["truncated"] else ""
    return (f"- `{inp['path']}`: {when(inp['first_time'])} to {when(inp['last_time'])}, "
            f"{inp['frames']} frames, {inp['ike_messages']} IKE messages{cut}")


def sa_row(s: dict[str, Any], labels: Sequence[str] = ()) -> str:
    """A row of the SA table; ``labels`` (the inputs' short names) adds the file column."""
    ver = version_label(s["version"], s["mode"])
    rc = s["root_cause"]
    cause = f"`{rc['code']}` ({rc['confidence']})" if rc else "-"
    if rc and s["outcome"] in ("established", "deleted") and rc["severity"] != "error":
        cause += " (remark; the SA came up)"
    outcome = s["outcome"] + (f": {s['outcome_detail']}" if s["outcome_detail"] else "")
    file = f"{cell(labels[s['input']])} | " if labels else ""
    ends = {side: s[side] + (f", {peer_text(p)}" if (p := (s.get("peers") or {}).get(side)) else "")
            for side in ("initiator", "responder")}
    return (f"| {file}{s['id']} | {ver} | {cell(ends['initiator'])} | {cell(ends['responder'])} | "
            f"{cell(outcome)} | {cause} |")


def pairs_lines(pairs: list[dict[str, Any]], totals: dict[str, Any], labels: Sequence[str] = (),
                everything: bool = True) -> list[str]:
    """The state of the pairs of peers ``listed_pairs`` picks, the worst first."""
    listed, rest = listed_pairs(pairs, everything)
    if not listed:
        return []
    out = ["### Peer pairs", ""] + [f"- {cell(pair_line(p, labels))}" for p in listed]
    if rest:
        out.append(f"- ({rest} more peer pairs; --all lists them)")
    if totals.get("unpaired_sas"):
        out.append(f"- ({totals['unpaired_sas']} IKE SAs of further peer pairs are counted, not summarised)")
    return out + [""]


# Beyond this many, a report lists only the pairs in the worst state (--all lists them all).
MAX_PAIRS_LISTED = 30
_PAIR_ORDER = {"faulty": 0, "down": 1, "up": 2}


def listed_pairs(pairs: list[dict[str, Any]], everything: bool) -> tuple[list[dict[str, Any]], int]:
    """The pairs a human report lists, in the worst state first, and how many more it leaves out.

    Those are the pairs whose tunnel came up at some point and that had more than one IKE SA:
    their state at the end is what the SA verdicts alone do not say. A single SA's verdict
    says it all, and so do the verdicts (or the group) of a pair that never came up."""
    several = sorted((p for p in pairs if p["sas"] > 1 and p["status"] != "never_up"),
                     key=lambda p: _PAIR_ORDER[p["status"]])
    if everything or len(several) <= MAX_PAIRS_LISTED:
        return several, 0
    return several[:MAX_PAIRS_LISTED], len(several) - MAX_PAIRS_LISTED


def ladder_blocks(ladders: dict[tuple[int, int], list[str]], labels: Sequence[str] = ()) -> list[str]:
    """``ladders`` maps (input, SA id) to the SA's ladder lines."""
    out = []
    for (inp, sa_id), lines in ladders.items():
        out += [f"{names.where(sa_id, inp, labels)}:", "```", *lines, "```", ""]
    return out


def diagram_blocks(diagrams: dict[tuple[int, int], list[str]], labels: Sequence[str] = ()) -> list[str]:
    """``diagrams`` maps (input, SA id) to the SA's Mermaid lines; each becomes a ``mermaid`` block,
    which GitHub, GitLab and most ticket systems draw, and the others show as the text it is."""
    if not diagrams:
        return []
    out = ["### Sequence diagrams", ""]
    for (inp, sa_id), lines in diagrams.items():
        out += [f"{names.where(sa_id, inp, labels)}:", "", "```mermaid", *lines, "```", ""]
    return out


def path_block(s: dict[str, Any], labels: Sequence[str] = ()) -> list[str]:
    """An SA's messages between two capture points (``report.path``), as a list under its name."""
    path = s.get("path")
    if not path:
        return []
    head, *messages = path_lines(path)
    return [f"{names.where(s['id'], s['input'], labels)}, {cell(head)}", ""] + \
        [f"- {cell(line.strip())}" for line in messages] + [""]


def _lines(doc: dict[str, Any], ladders: dict[tuple[int, int], list[str]],
           diagrams: dict[tuple[int, int], list[str]]) -> Iterable[str]:
    labels = input_labels([inp["path"] for inp in doc["inputs"]])
    yield "## IKE analysis"
    yield ""
    for inp in doc["inputs"]:
        yield input_line(inp)
    yield ""
    if doc["sas"]:
        yield from table_head(labels)
        for s in doc["sas"]:
            yield sa_row(s, labels)
        yield ""
    for s in doc["sas"]:
        yield from path_block(s, labels)
    yield from pairs_lines(doc["peer_pairs"], doc["totals"], labels)
    yield from diagram_blocks(diagrams, labels)
    yield from ladder_blocks(ladders, labels)
    yield from findings_lines(doc["findings"], doc["totals"], labels)


def findings_lines(findings: list[dict[str, Any]], totals: dict[str, Any], labels: Sequence[str] = ()) -> Iterable[str]:
    """The findings, errors and root causes first, then the totals line."""
    findings = sorted(findings, key=lambda f: (_ORDER[f["severity"]], not f["root_cause"], f["input"], f["sa"] or 0))
    if not findings:
        yield "No findings."
        return
    yield "### Findings"
    for f in findings:
        where = names.where(f["sa"], f["input"], labels)
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
            gloss = placeholders(f["vendor_refs"])
            yield "Gateway logs: " + "; ".join(f"{r['vendor']} `{cell(r['text'])}`" for r in f["vendor_refs"]) + \
                (f" ({cell(gloss)})" if gloss else "")
        yield ""
        yield f"Check: {cell(f['remedy'])}"
    t = totals["findings"]
    yield ""
    yield f"_{totals['sas']} IKE SAs; {t['error']} errors, {t['warning']} warnings, {t['info']} info._"
