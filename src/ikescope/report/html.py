"""One HTML page for people who would rather look than read: the verdicts, the findings, and
each IKE SA drawn as an SVG ladder whose frame numbers lead to that frame's decode.

The page is self-contained: its style and drawings are inline, it has no script, and it
names nothing outside itself (every link is a fragment of the page), so it opens the same
from a ticket attachment on a machine with no network. Everything taken from the capture
is escaped. The page is written in pieces (``head``, then ``sa_article`` as each SA
closes, then ``tail``), so it streams like the other reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

from . import ladder as laddermod
from . import names
from .inferred import fix_line, peers_line
from .markdown import placeholders, when
from .sas import proposal_text, version_label

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:0 16px 48px;color:#1b1f24}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccd;padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin:0 0 6px}code,pre,.mono{font-family:ui-monospace,monospace;font-size:12.5px}
article.sa{border:1px solid #d0d7de;border-left:6px solid #8c959f;border-radius:6px;padding:10px 14px;margin:14px 0}
article.sa.bad{border-left-color:#cf222e}article.sa.good{border-left-color:#2da44e}
.verdict{font-weight:600}.bad .verdict{color:#cf222e}.good .verdict{color:#1a7f37}
.finding{border-top:1px dashed #d0d7de;padding:6px 0}.sev{font-weight:700;padding:0 6px;border-radius:4px;color:#fff}
.sev.error{background:#cf222e}.sev.warning{background:#bf8700}.sev.info{background:#57606a}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:2px 8px;text-align:left;vertical-align:top}
.differs{color:#cf222e;font-weight:600}svg.ladder{display:block;margin:8px 0;max-width:100%;height:auto}
svg .life{stroke:#57606a;stroke-width:1.5}svg .msg{stroke:#0969da;stroke-width:1.6}
svg .copy{stroke:#8c959f;stroke-dasharray:5 4}svg .lost{stroke:#cf222e}
svg text{font:11.5px ui-monospace,monospace;fill:#1b1f24}svg .head{font-weight:700}svg .note{fill:#cf222e}
svg .fail{fill:#cf222e;fill-opacity:.1}svg a text{fill:#0969da}svg .gap{font-style:italic;fill:#57606a}
.decodes{margin-top:6px}.decode{border:1px solid #eaeef2;border-radius:4px;padding:4px 8px;margin:4px 0;white-space:pre-wrap}
.decode:target{border-color:#0969da;background:#ddf4ff}
"""

# SVG geometry, in pixels.
_W = 820
_LEFT, _RIGHT = 130, 650  # the two lifelines
_LINE = 15  # a line of label text
_TOP = 52  # below the two participant boxes
_LABEL_CHARS = 72  # monospace characters that fit between the lifelines


def e(text: object) -> str:
    """Text from the capture or the analysis, safe in element content and quoted attributes."""
    return escape(str(text), quote=True)


def anchor(input_index: int, sa_id: int, frame: int) -> str:
    """The id of a frame's decode under its SA (a frame may carry messages of two SAs over TCP)."""
    return f"sa{input_index}-{sa_id}-f{frame}"


def head(title: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{e(title)}</title>\n"
            f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{e(title)}</h1>\n"
            "<p>Each IKE SA below: its verdict, its findings and its ladder; a frame number leads to what "
            "that frame carried. <a href=\"#summary\">Summary at the end.</a></p>\n")


def tail() -> str:
    return "</body>\n</html>\n"


def input_heading(path: str) -> str:
    return f"<section class=\"input\">\n<h2>{e(path)}</h2>\n"


def input_end(doc: dict[str, Any], sas: int) -> str:
    cut = " The file is cut short: analysed up to the cut." if doc["truncated"] else ""
    return (f"<p>{e(doc['path'])}: {doc['frames']} frames, {doc['ike_messages']} IKE messages, {sas} IKE SAs, "
            f"{e(when(doc['first_time']))} to {e(when(doc['last_time']))}.{e(cut)}</p>\n</section>\n")


def input_failed(doc: dict[str, Any]) -> str:
    return f"<p class=\"verdict\">{e(doc['error'])} (not analysed)</p>\n"


def sa_article(sa: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
               labels: Sequence[str] = ()) -> str:
    """One SA: verdict, findings, ladder and decodes, as an ``<article>``."""
    inp, sid = sa["input"], sa["id"]
    up = sa["outcome"] in ("established", "deleted")
    rc = sa["root_cause"]
    kind = "bad" if not up or (rc and rc["severity"] == "error") else "good"
    out = [f"<article class=\"sa {kind}\" id=\"sa{inp}-{sid}\">",
           f"<h3>{e(names.where(sid, inp, labels))} &middot; {e(version_label(sa['version'], sa['mode']))} &middot; "
           f"{e(sa['initiator'])} &rarr; {e(sa['responder'])}</h3>"]
    verdict = sa["outcome"].upper() if sa["outcome"] == "failed" else sa["outcome"]
    detail = f": {sa['outcome_detail']}" if sa["outcome_detail"] else ""
    out.append(f"<p><span class=\"verdict\">{e(verdict + detail)}</span></p>")
    if rc is not None:
        head_ = "top finding" if up and rc["severity"] != "error" else "root cause"
        out.append(f"<p>{head_}: <code>{e(rc['code'])}</code> ({e(rc['confidence'])}) {e(rc['summary'])}</p>")
    for extra in (fix_line(rc.get("inferred_config") if rc else None), peers_line(sa.get("peers"))):
        if extra:
            out.append(f"<p>{e(extra)}</p>")
    if ladder is not None:
        out.append(svg(ladder, inp, sid))
    decoded = {st["frame"] for st in laddermod.picture_steps(ladder) if "decode" in st} if ladder else set()

    def link(frame: int) -> str | None:
        return anchor(inp, sid, frame) if frame in decoded else None

    out += [finding_html(f, up, link) for f in findings]
    if ladder is not None:
        out.append(decodes_html(ladder, inp, sid))
    out.append("</article>\n")
    return "\n".join(out)


def finding_html(f: dict[str, Any], came_up: bool, link: Callable[[int], str | None] | None = None,
                 labels: Sequence[str] = ()) -> str:
    """A finding; ``link(frame)`` gives the anchor of a frame's decode when the page has one (a finding
    of an SA; one about the capture says where it is instead)."""
    def frame_ref(frame: int) -> str:
        to = link(frame) if link else None
        return f"<a href=\"#{to}\">frame {frame}</a>" if to else f"frame {frame}"

    root = "" if not f["root_cause"] else ", top finding" if came_up and f["severity"] != "error" else ", root cause"
    where = "" if link else f" {e(names.where(f['sa'], f['input'], labels))},"
    out = ["<div class=\"finding\">",
           f"<p><span class=\"sev {e(f['severity'])}\">{e(f['severity'].upper())}</span> <code>{e(f['code'])}</code>"
           f"{where} {e(f['confidence'])}{root}</p>", f"<p>{e(f['summary'])}</p>"]
    fix = fix_line(f.get("inferred_config"))
    if fix:
        out.append(f"<p>{e(fix)}</p>")
    if f["evidence"]:
        items = "".join(f"<li>{frame_ref(ev['frame'])}: {e(ev['text'])}"
                        + (f" (offset {ev['offset']})" if ev["offset"] is not None else "") + "</li>"
                        for ev in f["evidence"][:8])
        out.append(f"<ul>{items}</ul>")
    rows = f["details"].get("diff") if isinstance(f["details"], dict) else None
    if rows:
        against = f["details"].get("diff_against", "other side")
        body = "".join(f"<tr><td>{e(r['attribute'])}</td><td>{e(', '.join(r['a']) or '-')}</td>"
                       f"<td>{e(', '.join(r['b']) or '-')}</td>"
                       f"<td>{'' if r['match'] else '<span class=differs>differs</span>'}</td></tr>" for r in rows)
        out.append(f"<table><tr><th>attribute</th><th>offered</th><th>{e(against)}</th><th></th></tr>{body}</table>")
    if f.get("alternatives"):
        items = "".join(f"<li>{e(a['cause'])}" + (f" (<code>{e(a['code'])}</code>)" if a["code"] else "")
                        + f". To tell: {e(a['tell_apart'])}</li>" for a in f["alternatives"])
        out.append(f"<p>Other causes that fit the same packets:</p><ol>{items}</ol>")
    if f["explanation"]:
        out.append(f"<p>What it means: {e(f['explanation'])}</p>")
    out.append(f"<p>Check: {e(f['remedy'])}</p>")
    if f["vendor_refs"]:
        refs = "; ".join(f"{e(r['vendor'])}: <code>{e(r['text'])}</code>" for r in f["vendor_refs"])
        gloss = placeholders(f["vendor_refs"])
        out.append(f"<p>Gateway logs: {refs}" + (f" ({e(gloss)})" if gloss else "") + "</p>")
    out.append("</div>")
    return "\n".join(out)


def svg(ladder: dict[str, Any], inp: int, sid: int) -> str:
    """The SA's ladder as an inline SVG: the initiator's lifeline left, the responder's right, an arrow
    per message under its label, copies dashed, unanswered requests red and crossed at the end, the
    failing exchange on a red ground, its first arrow under a note saying why."""
    mark = f"{inp}-{sid}"
    rows: list[str] = []
    y = _TOP
    noted = False
    for s in laddermod.picture_steps(ladder):
        if "gap" in s:
            rows.append(f"<text class=\"gap\" x=\"{(_LEFT + _RIGHT) // 2}\" y=\"{y + 14}\" text-anchor=\"middle\">"
                        f"{e(laddermod.gap_text(s))}</text>")
            y += 26
            continue
        top = y
        if s["failing"] and not noted:
            rows.append(f"<text class=\"note\" x=\"{(_LEFT + _RIGHT) // 2}\" y=\"{y + 12}\" text-anchor=\"middle\">"
                        f"{e(laddermod.failure_note(ladder)[:100])}</text>")
            y += _LINE + 4
            noted = True
        label = laddermod.fit(s["label"], _LABEL_CHARS)
        if s["copy_of"] is not None:
            label[-1] += f" (copy of {s['copy_of']})"
        if s["unanswered"] and s["copy_of"] is None:
            label[-1] += " (no answer)"
        texts = "".join(f"<text x=\"{(_LEFT + _RIGHT) // 2}\" y=\"{y + 12 + i * _LINE}\" text-anchor=\"middle\">"
                        f"{e(line)}</text>" for i, line in enumerate(label))
        y += len(label) * _LINE + 4
        x1, x2 = (_LEFT, _RIGHT - 2) if s["from_initiator"] else (_RIGHT, _LEFT + 2)
        cls = "msg copy" if s["copy_of"] is not None else "msg lost" if s["unanswered"] else "msg"
        end = f"x{mark}" if s["unanswered"] else f"ah{mark}"
        href = f"#{anchor(inp, sid, s['frame'])}"
        if s["failing"]:
            rows.insert(0, f"<rect class=\"fail\" x=\"4\" y=\"{top}\" width=\"{_W - 8}\" height=\"{y + 10 - top}\"/>")
        rows.append(f"<a href=\"{href}\"><title>frame {s['frame']}: its decode</title>"
                    f"<text x=\"8\" y=\"{y + 4}\">frame {s['frame']}</text>{texts}</a>"
                    f"<line class=\"{cls}\" x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" marker-end=\"url(#{end})\"/>"
                    f"<text x=\"{_RIGHT + 10}\" y=\"{y + 4}\">+{s['time']:.3f}s</text>")
        y += 12
    height = y + 12
    defs = (f"<defs><marker id=\"ah{mark}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
            f"markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#0969da\"/></marker>"
            f"<marker id=\"x{mark}\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"10\" markerHeight=\"10\">"
            f"<path d=\"M1,1 L9,9 M9,1 L1,9\" stroke=\"#cf222e\" stroke-width=\"2\"/></marker></defs>")
    heads = "".join(
        f"<rect x=\"{x - 115}\" y=\"6\" width=\"230\" height=\"36\" rx=\"4\" fill=\"#f6f8fa\" stroke=\"#57606a\"/>"
        f"<text class=\"head\" x=\"{x}\" y=\"21\" text-anchor=\"middle\">{who}</text>"
        f"<text x=\"{x}\" y=\"36\" text-anchor=\"middle\">{e(ep[:34])}</text>"
        for x, who, ep in ((_LEFT, "initiator", ladder["initiator"]), (_RIGHT, "responder", ladder["responder"])))
    lives = "".join(f"<line class=\"life\" x1=\"{x}\" y1=\"42\" x2=\"{x}\" y2=\"{height - 4}\"/>" for x in (_LEFT, _RIGHT))
    return (f"<svg class=\"ladder\" role=\"img\" width=\"{_W}\" "
            f"height=\"{height}\" viewBox=\"0 0 {_W} {height}\">"
            f"<title>ladder of SA {sid}</title>{defs}{lives}{heads}{''.join(rows)}</svg>")


def decodes_html(ladder: dict[str, Any], inp: int, sid: int) -> str:
    """Each drawn frame's decode, under the anchor its arrow links to."""
    out = ["<div class=\"decodes\">"]
    for s in laddermod.picture_steps(ladder):
        if "decode" in s:
            out.append(f"<div class=\"decode mono\" id=\"{anchor(inp, sid, s['frame'])}\">"
                       f"{e(chr(10).join(decode_lines(s['decode'])))}</div>")
    out.append("</div>")
    return "".join(out)


def decode_lines(d: dict[str, Any]) -> Iterable[str]:
    """A message's decode (``ladder.decode``) as a few lines of text."""
    frames = f" (reassembled from frames {', '.join(map(str, d['frames']))})" if len(d["frames"]) > 1 else ""
    yield f"frame {d['frame']}{frames}, {when(d['time'])}"
    yield f"{laddermod.endpoint(d['src'], d['sport'])} -> {laddermod.endpoint(d['dst'], d['dport'])} {d['encap']}"
    kind = "response" if d["response"] else "request"
    copy = f", a copy of frame {d['copy_of']}" if d["copy_of"] is not None else ""
    yield (f"{d['exchange_name']} {kind}, message ID {d['message_id']}, {d['length']} bytes, "
           f"from the {d['sender']}{copy}")
    yield f"SPIs {d['ispi']} {d['rspi']}"
    if d["payloads"]:
        yield "payloads: " + ", ".join(d["payloads"])
    if d["fragment"]:
        yield f"fragment {d['fragment'][0]} of {d['fragment'][1]}"
    if d["inner_payloads"]:
        yield "decrypted: " + ", ".join(d["inner_payloads"])
    elif d["encrypted"]:
        yield "encrypted (no key opened it)"
    for p in d["proposals"]:
        yield "proposal " + proposal_text(p)
    if d["ke_group"]:
        yield f"KE group {d['ke_group']}"
    for i in d["ids"]:
        yield f"{i['payload']} {i['type']} {i['identity']}"
    for ts in d["selectors"]:
        for s in ts["selectors"]:
            rng = "-".join(s["range"]) if "range" in s else s.get("data_hex", "")
            yield f"{ts['payload']} {s['type_name']} proto {s['protocol']} ports {s['ports'][0]}-{s['ports'][1]} {rng}"
    for n in d["notifies"]:
        yield f"notify {n['name']}" + (f" (wants {n['group']})" if "group" in n else "")
    for c in d["certificates"]:
        yield f"certificate {c['subject']}, issued by {c['issuer']}"
    if d["truncated"]:
        yield "cut short by the capture's snap length"
    for p in d["problems"]:
        at = f" at offset {p['offset']}" if p["offset"] is not None else ""
        yield f"problem {p['code']}{at}: {p['detail']}"


def capture_finding(f: dict[str, Any], labels: Sequence[str]) -> str:
    return finding_html(f, False, None, labels) + "\n"


def summary(totals: dict[str, Any], inputs: list[dict[str, Any]], pair_lines: list[str],
            group_blocks: list[list[str]], notes: list[str]) -> str:
    """The end of the page: totals, inputs, the state of the peer pairs, groups and notes."""
    f = totals["findings"]
    out = ["<section id=\"summary\">", "<h2>Summary</h2>",
           f"<p class=\"verdict\">{totals['sas']} IKE SAs; {f['error']} errors, {f['warning']} warnings, "
           f"{f['info']} info</p>", "<ul>"]
    for inp in inputs:
        if inp.get("error"):
            out.append(f"<li>{e(inp['path'])}: not analysed: {e(inp['error'])}</li>")
        else:
            out.append(f"<li>{e(inp['path'])}: {inp['frames']} frames, {inp['ike_messages']} IKE messages</li>")
    out.append("</ul>")
    if pair_lines:
        out += ["<h3>Peer pairs</h3>", "<ul>", *(f"<li>{e(line)}</li>" for line in pair_lines), "</ul>"]
    if group_blocks:
        out += ["<h3>Groups</h3>", "<ul>"]
        for first, *rest in group_blocks:
            out.append(f"<li>{e(first)}<ul>" + "".join(f"<li>{e(line)}</li>" for line in rest) + "</ul></li>")
        out.append("</ul>")
    out += [f"<p>{e(note)}</p>" for note in notes]
    out.append("</section>")
    return "\n".join(out) + "\n"
