"""The default report: a verdict line per IKE SA, then the findings, root causes first.

Reads only ``Report.to_dict()``; plain text at 80 columns (wrapping is left to
the explanation paragraphs, the fixed lines stay short).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from . import names
from .markdown import listed_pairs, pair_line, placeholders
from .names import input_labels
from .inferred import fix_line, peers_line
from .path import path_lines
from .sas import tunnel_text, version_label

WIDTH = 80
_SEV = {"error": "ERROR", "warning": "WARN ", "info": "INFO "}
_ORDER = {"error": 0, "warning": 1, "info": 2}


# Beyond these counts a report lists only what needs attention and counts the rest, so
# a gateway capture with thousands of healthy SAs still reads in a terminal; --all shows all.
MAX_SAS_LISTED = 30
MAX_FINDINGS_LISTED = 60


def render(doc: dict[str, Any], ladders: dict[tuple[int, int], list[str]] | None = None, verbose: bool = True,
           everything: bool = False) -> str:
    """``ladders`` maps (input, SA id) to ladder lines drawn under its verdict; ``everything`` lists
    every SA and finding even in a large capture."""
    return "\n".join(_lines(doc, ladders or {}, verbose, everything)) + "\n"


def _quiet(s: dict[str, Any]) -> bool:
    """An SA that came up with nothing worse than info to say."""
    rc = s["root_cause"]
    return s["outcome"] in ("established", "deleted") and (rc is None or rc["severity"] == "info")


def wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    """Wrapped at 80 columns; ``first`` replaces the indent of the first line (a bullet)."""
    return (textwrap.wrap(text, WIDTH, initial_indent=first if first is not None else indent,
                          subsequent_indent=indent) or [indent.rstrip()])


def input_failed_line(inp: dict[str, Any]) -> str:
    return f"{inp['error']} (not analysed)"


def _lines(doc: dict[str, Any], ladders: dict[tuple[int, int], list[str]], verbose: bool, everything: bool) -> Iterable[str]:
    labels = input_labels([inp["path"] for inp in doc["inputs"]])
    for idx, inp in enumerate(doc["inputs"]):
        if inp.get("error"):
            yield input_failed_line(inp)
            yield ""
            continue
        sas = [s for s in doc["sas"] if s["input"] == idx]
        cut = " (the file is cut short: analysed up to the cut)" if inp["truncated"] else ""
        yield f"{inp['path']}: {inp['frames']} frames, {inp['ike_messages']} IKE messages, {len(sas)} IKE SAs{cut}"
        shown = sas if everything or len(sas) <= MAX_SAS_LISTED else [s for s in sas if not _quiet(s)]
        if len(shown) < len(sas):
            yield f"  ({len(sas) - len(shown)} IKE SAs came up with nothing to report and are not listed; --all lists them)"
        for s in shown:
            yield from sa_lines(s, ladders.get((idx, s["id"]), ()))
        yield ""
    yield from pairs_lines(doc["peer_pairs"], doc["totals"], labels, everything)
    findings = sorted(doc["findings"], key=lambda f: (_ORDER[f["severity"]], not f["root_cause"], f["input"],
                                                       f["sa"] or 0, f["frames"][:1]))
    outcomes = {(s["input"], s["id"]): s["outcome"] for s in doc["sas"]}
    hidden: dict[str, int] = {}
    if not everything and len(findings) > MAX_FINDINGS_LISTED:
        for f in findings:
            if f["severity"] == "info":
                hidden[f["code"]] = hidden.get(f["code"], 0) + 1
        findings = [f for f in findings if f["severity"] != "info"]
    if findings or hidden:
        yield "Findings"
    if hidden:
        counts = ", ".join(f"{code} x{n}" for code, n in sorted(hidden.items()))
        yield from wrap(f"(info findings not listed, --all lists them: {counts})", "  ")
        yield ""
    for f in findings:
        yield from finding_lines(f, outcomes.get((f["input"], f["sa"])) in ("established", "deleted"), verbose,
                                 labels=labels)
    t = doc["totals"]["findings"]
    yield f"Totals: {doc['totals']['sas']} IKE SAs; {t['error']} errors, {t['warning']} warnings, {t['info']} info"


def pairs_lines(pairs: list[dict[str, Any]], totals: dict[str, Any], labels: Sequence[str] = (),
                everything: bool = False) -> list[str]:
    """The state at the end of the input of the pairs of peers ``listed_pairs`` picks."""
    listed, rest = listed_pairs(pairs, everything)
    if not listed:
        return []
    out = ["Peer pairs"]
    for p in listed:
        out += wrap(pair_line(p, labels), "      ", first="  ")
    if rest:
        out.append(f"  ({rest} more peer pairs; --all lists them)")
    if totals.get("unpaired_sas"):
        out += wrap(f"({totals['unpaired_sas']} IKE SAs of further peer pairs are counted, not summarised)", "  ")
    return out + [""]


def sa_lines(s: dict[str, Any], ladder: Iterable[str] = ()) -> Iterable[str]:
    """The verdict block of one SA (a ``sas`` entry of the report), with its ladder under it."""
    ver = version_label(s["version"], s["mode"])
    yield f"  SA {s['id']:<3} {ver:<16} {s['initiator']} -> {s['responder']}"
    tunnel = tunnel_text(s)
    if tunnel:
        yield from wrap(f"tunnel: {tunnel}", "         ")
    verdict = s["outcome"].upper() if s["outcome"] == "failed" else s["outcome"]
    detail = f": {s['outcome_detail']}" if s["outcome_detail"] else ""
    yield from wrap(f"{verdict}{detail}", "         ")
    esp = s.get("esp") or {}
    if esp.get("both_ways"):
        spis = ", ".join(sorted({f["spi"] for f in esp["flows"]}))
        yield from wrap(f"ESP flows both ways (SPIs {spis}): a CHILD SA carries traffic", "         ")
    rc = s["root_cause"]
    if rc is not None:
        # On an SA that came up the top finding is a remark, not the reason it failed.
        remark = s["outcome"] in ("established", "deleted") and rc["severity"] != "error"
        head = "top finding" if remark else "root cause"
        yield from wrap(f"{head}: {rc['code']} ({rc['confidence']}) {rc['summary']}", "         ")
    for extra in (fix_line(rc.get("inferred_config") if rc else None), peers_line(s.get("peers"))):
        if extra:
            yield from wrap(extra, "         ")
    for line in path_lines(s.get("path")):
        yield from (wrap(line[2:], "             ", first="           - ") if line.startswith("  ")
                    else wrap(line, "         "))
    yield from ladder


def finding_lines(f: dict[str, Any], came_up: bool, verbose: bool = True, explain: bool = True,
                  labels: Sequence[str] = ()) -> Iterable[str]:
    """One finding (a ``findings`` entry); ``came_up``: its SA was established, so a root
    cause that is not an error reads as the top finding. ``explain=False`` leaves out the
    code's explanation, remedy and gateway wording (a long report gives them once a code).
    ``labels``: the inputs' short names (``names.input_labels``), when the report has several."""
    where = names.where(f["sa"], f["input"], labels)
    frames = ",".join(map(str, f["frames"][:12])) + ("..." if len(f["frames"]) > 12 else "")
    root = "" if not f["root_cause"] else " top finding" if came_up and f["severity"] != "error" else " root cause"
    yield f"{_SEV[f['severity']]} {f['code']}  {where}, frames {frames}  [{f['confidence']}]{root}"
    yield from wrap(f["summary"], "      ")
    if verbose:
        for ev in f["evidence"][:8]:
            at = f" (offset {ev['offset']})" if ev["offset"] is not None else ""
            yield from wrap(f"#{ev['frame']}: {ev['text']}{at}", "        ", first="      - ")
        yield from _diff_lines(f["details"])
        if f["confidence"] != "certain" and f["confidence_reason"]:
            yield from wrap(f"Why {f['confidence']}: {f['confidence_reason']}", "      ")
        if f.get("alternatives"):
            yield "      Other causes that fit the same packets:"
            for n, a in enumerate(f["alternatives"], 1):
                code = f" ({a['code']})" if a["code"] else ""
                yield from wrap(f"{a['cause']}{code}. To tell: {a['tell_apart']}", "         ", first=f"      {n}. ")
        if not explain:
            yield "      (what it means and what to check: as above)"
            yield ""
            return
        yield from wrap(f"What it means: {f['explanation']}", "      ")
        yield from wrap(f"Check: {f['remedy']}", "      ")
        if f["vendor_refs"]:
            refs = "; ".join(f"{r['vendor']}: \"{r['text']}\"" for r in f["vendor_refs"])
            gloss = placeholders(f["vendor_refs"])
            yield from wrap(f"Gateway logs: {refs}" + (f" ({gloss})" if gloss else ""), "      ")
    yield ""


def _diff_lines(details: dict[str, Any]) -> Iterable[str]:
    rows = details.get("diff")
    if not rows:
        offered = details.get("offered") or ()
        if offered and not all(isinstance(s, dict) for s in offered):
            # plain values (a lifetime, a mode) offered against those chosen
            chosen = details.get("chosen") or ()
            yield from wrap(f"offered {', '.join(map(str, offered))}"
                            + (f"; chosen {', '.join(map(str, chosen))}" if chosen else ""), "      ")
            return
        for s in offered[:8]:
            parts = [f"{k} {'/'.join(v)}" for k, v in s.items() if k not in ("number", "protocol") and v]
            yield from wrap(f"offered #{s['number']}: " + ", ".join(parts), "      ")
        return
    against = details.get("diff_against", "the other side")
    yield f"      Compared with {against}:"
    width = max(len(r["attribute"]) for r in rows)
    for r in rows:
        mark = "   " if r["match"] else "<> "
        yield f"      {mark}{r['attribute']:<{width}}  {', '.join(r['a']) or '-'}  |  {', '.join(r['b']) or '-'}"
