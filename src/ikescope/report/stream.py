"""Reports written while the analysis runs: each SA is rendered as it closes, then dropped.

Every format takes the same events (``report.model.Event``) and keeps only a
``Summary`` (counters and bounded groups) plus, for the human formats, a small
buffer:

- json: one document, written as it goes. ``sas`` is streamed first; findings
  wait in a temporary file (on disk, not in memory) and follow, then the inputs,
  groups and totals, so the document stays valid and its memory flat.
- jsonl: a line per SA, finding and input as each is known, flushed; the groups
  close the stream.
- text and markdown: a report of up to ``BUFFER_SAS`` SAs is held and rendered
  exactly as ``text.render`` / ``markdown.render`` do for a whole document.
  Past that, or once more than ``BUFFER_SAS`` capture-level findings share a
  code (a storm of lost fragments or broken streams), the report streams: an SA
  that needs attention is printed when it closes, unless ``GROUP_EXAMPLES`` SAs
  with the same root cause were printed already; the rest are counted and
  summarised as groups at the end. Markdown draws each listed SA that did not
  come up as a Mermaid diagram.
- html: one page, never held: its head at once, each SA as it closes (the
  first ``BUFFER_SAS`` all, then those text would print when streaming), the
  summary last.

Redaction, when asked for, is applied to each record before it is written,
with one ``Redactor`` for the whole run so a value keeps its placeholder.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

from . import html as htmlreport
from . import ladder as laddermod
from . import markdown as mdreport
from . import text as textreport
from .model import (SCHEMA_VERSION, CaptureFinding, Event, FindingRendered, InputEnded, InputFailed, InputStarted,
                    SaRendered, SaResult, document)
from .names import input_labels, where
from .redact import Redactor
from .summary import GROUP_EXAMPLES, Summary, came_up

Write = Callable[[str], Any]
Models = dict[tuple[int, int], dict[str, Any]]  # (input, SA id) -> the SA's ladder (``ladder.model``)

# Up to this many SAs a text or Markdown report is rendered whole, as for one document.
BUFFER_SAS = textreport.MAX_SAS_LISTED
BUFFER_FINDINGS = 500  # findings are cheap to hold; a few hundred still render as one document
MAX_KEY_FRAMES = 5  # frames named per kind of decryption failure in the keys note


class ReportStream:
    """Takes the analysis events of one run; subclasses write one format.

    ``ladder``: draw each SA's text ladder (text and Markdown); ``redactor``
    replaces addresses, identities and SPIs in everything written; ``paths``
    are the inputs of the run, so that with several of them every SA is named
    with its file from the first line written. Nothing is written when no
    input could be read: the command then only says why on stderr.
    """

    # The format draws SAs of its own accord (Mermaid, SVG), so it needs every SA's ladder.
    pictures = False
    # How ladders name each message (``ladder.NOTATIONS``); set before the first event.
    notation = "ikescope"

    def __init__(self, write: Write, redactor: Redactor | None = None, ladder: bool = False,
                 paths: Sequence[str] = ()) -> None:
        self.write = write
        self.summary = Summary()
        self.inputs: list[dict[str, Any]] = []
        self.labels = input_labels(paths)
        self.read_any = False  # an input could be opened, so there is a report to write
        self._redactor = redactor
        self._ladder = ladder
        self.unopened: dict[str, list[int]] = {}  # decryption problem code -> first frames
        self._unopened_counts: dict[str, int] = {}

    @property
    def nothing_read(self) -> bool:
        """Every input named was unreadable: there is no report, only the errors."""
        return not self.read_any and bool(self.inputs)

    @property
    def ladder_fn(self) -> laddermod.LadderFn | None:
        """What draws each SA's ladder as the SAs close (``api.run(ladder=...)``), or None: no ladder."""
        return laddermod.ladder_fn(False, self.notation) if self._ladder or self.pictures else None

    def _text_ladder(self, ladder: dict[str, Any] | None) -> list[str]:
        return laddermod.text_lines(ladder) if self._ladder and ladder else []

    def _red(self, obj: Any) -> Any:
        return self._redactor.doc(obj) if self._redactor is not None else obj

    def feed(self, event: Event) -> None:
        if isinstance(event, SaResult):
            event = event.render(self.ladder_fn)
        if isinstance(event, SaRendered):
            self._note_keys(event.unopened)
            sa_doc, findings, ladder = event.sa_doc, event.findings, event.ladder
            group = self.summary.add_sa(sa_doc, findings, event.peers, event.when)
            if self._redactor is not None:
                # One document, so the SA's root cause summary is redacted with what its findings name.
                both = self._red({"sa": sa_doc, "findings": findings})
                sa_doc, findings = both["sa"], both["findings"]
                ladder = self._redactor.doc(ladder) if ladder else ladder
            self.sa(sa_doc, findings, ladder, None if group is None else group.count)
        elif isinstance(event, (CaptureFinding, FindingRendered)):
            doc = event.doc()
            group = self.summary.add_capture_finding(doc)
            self.capture_finding(self._red(doc), group.count)
        elif isinstance(event, InputStarted):
            self.read_any = True
            self.input_started(event.index, event.path)
        elif isinstance(event, InputEnded):
            doc = self._red(event.record.to_dict())
            self.inputs.append(doc)
            self.input_ended(event.index, doc)
        elif isinstance(event, InputFailed):
            doc = self._red(event.record.to_dict())
            self.inputs.append(doc)
            self.input_failed(event.index, doc)

    def _note_keys(self, unopened: list[tuple[str, int]]) -> None:
        for code, frame in unopened:
            self._unopened_counts[code] = self._unopened_counts.get(code, 0) + 1
            frames = self.unopened.setdefault(code, [])
            if len(frames) < MAX_KEY_FRAMES:
                frames.append(frame)

    def keys_note(self) -> str | None:
        """One line saying which encrypted messages the keys did not open, so a wrong table is noticed."""
        if not self.unopened:
            return None
        parts = []
        for code, frames in sorted(self.unopened.items()):
            n = self._unopened_counts[code]
            parts.append(f"{code} in {n} (frames {', '.join(map(str, frames))}{', ...' if n > len(frames) else ''})")
        return "keys: encrypted messages left closed: " + "; ".join(parts) + " (details: ikescope decode --keys)"

    def groups(self) -> list[dict[str, Any]]:
        return [self._red(g.to_dict()) for g in self.summary.groups()]

    def peer_pairs(self) -> list[dict[str, Any]]:
        return [self._red(p) for p in self.summary.peer_pairs()]

    # -- what each format writes -----------------------------------------------------------------

    def input_started(self, index: int, path: str) -> None:
        """A new input begins."""

    def sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
           nth: int | None) -> None:
        raise NotImplementedError

    def capture_finding(self, doc: dict[str, Any], nth: int) -> None:
        raise NotImplementedError

    def input_ended(self, index: int, doc: dict[str, Any]) -> None:
        """An input is read to its end; ``doc`` is its entry in ``inputs``."""

    def input_failed(self, index: int, doc: dict[str, Any]) -> None:
        """An input could not be read; ``doc`` is its entry in ``inputs``, with the error."""

    def close(self) -> None:
        raise NotImplementedError


def _dumps(obj: Any) -> str:
    # No indent: the C encoder is used only without one, and it is several times faster.
    return json.dumps(obj)


class JsonStream(ReportStream):
    """One JSON document (``docs/report.schema.json``), ``sas`` first, one SA a line."""

    def __init__(self, write: Write, redactor: Redactor | None = None, ladder: bool = False,
                 paths: Sequence[str] = ()) -> None:
        super().__init__(write, redactor, False, paths)
        self._sa_findings: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._capture_findings: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._sas = 0
        self._began = False  # the document opens with the first readable input

    def input_started(self, index: int, path: str) -> None:
        self._begin()

    def _begin(self) -> None:
        if not self._began:
            self._began = True
            self.write(f'{{"schema_version": {SCHEMA_VERSION},\n"sas": [')

    def sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
           nth: int | None) -> None:
        self._begin()
        self.write(("\n" if self._sas == 0 else ",\n") + _dumps(sa_doc))
        self._sas += 1
        for f in findings:
            self._sa_findings.write(_dumps(f) + "\n")

    def capture_finding(self, doc: dict[str, Any], nth: int) -> None:
        self._capture_findings.write(_dumps(doc) + "\n")

    def close(self) -> None:
        if self.nothing_read:
            for spool in (self._sa_findings, self._capture_findings):
                spool.close()
            return
        self._begin()
        self.write("\n],\n\"findings\": [")
        first = True
        for spool in (self._sa_findings, self._capture_findings):
            spool.seek(0)
            for line in spool:
                self.write(("\n" if first else ",\n") + line.rstrip("\n"))
                first = False
            spool.close()
        self.write(f"\n],\n\"inputs\": {_dumps(self.inputs)},\n\"groups\": {_dumps(self.groups())},\n"
                   f"\"peer_pairs\": {_dumps(self.peer_pairs())},\n\"totals\": {_dumps(self.summary.totals())}}}\n")


class JsonlStream(ReportStream):
    """One JSON object a line, each tagged with its kind, written as soon as it is known."""

    def __init__(self, write: Write, redactor: Redactor | None = None, ladder: bool = False,
                 flush: Callable[[], Any] | None = None, paths: Sequence[str] = ()) -> None:
        super().__init__(write, redactor, False, paths)
        self._flush = flush or (lambda: None)
        self._failed: list[dict[str, Any]] = []  # unreadable inputs before any readable one, held

    def _line(self, kind: str, obj: dict[str, Any]) -> None:
        self.write(_dumps({"schema_version": SCHEMA_VERSION, "kind": kind, **obj}) + "\n")

    def sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
           nth: int | None) -> None:
        self._line("sa", sa_doc)
        for f in findings:
            self._line("finding", f)
        self._flush()

    def capture_finding(self, doc: dict[str, Any], nth: int) -> None:
        self._line("finding", doc)
        self._flush()

    def input_ended(self, index: int, doc: dict[str, Any]) -> None:
        self._line("input", {"input": index, **doc})
        self._flush()

    def input_started(self, index: int, path: str) -> None:
        for doc in self._failed:
            self._line("input", doc)
        self._failed = []

    def input_failed(self, index: int, doc: dict[str, Any]) -> None:
        if not self.read_any:
            self._failed.append({"input": index, **doc})
            return
        self.input_ended(index, doc)

    def close(self) -> None:
        if self.nothing_read:
            return
        for p in self.peer_pairs():
            self._line("peer_pair", p)
        for g in self.groups():
            self._line("group", g)
        self._flush()


def group_lines(g: dict[str, Any], labels: Sequence[str] = ()) -> list[str]:
    """A group as a few plain-text lines, shared by text and Markdown; ``labels`` name the
    example SAs' files when the report has several."""
    what = g["code"] if g["code"] else f"{g['outcome']} with no finding"
    kind = "IKE SAs" if g["of"] == "sa" else "times"
    lines = [f"{what}: {g['count']} {kind}, {mdreport.when(g['first_time'])} to {mdreport.when(g['last_time'])}; {g['pattern']}"]
    for side in ("initiators", "responders"):
        if g[side]:
            top = ", ".join(f"{p['address']} ({p['sas']})" for p in g[side])
            lines.append(f"{side}: {top}" + (f", ... ({g['distinct_' + side]} in all)"
                                            if g["distinct_" + side] > len(g[side]) else ""))
    examples = ", ".join(where(e["sa"], e["input"], labels) + f" (frames {','.join(map(str, e['frames'][:6]))})"
                         for e in g["examples"])
    lines.append(f"examples: {examples}")
    if g["summary"]:
        lines.append(f"first: {g['summary']}")
    return lines


class _Buffered(ReportStream):
    """Holds the first events so a small report is rendered whole, as before; then streams."""

    def __init__(self, write: Write, redactor: Redactor | None = None, ladder: bool = False,
                 everything: bool = False, at_once: bool = False, paths: Sequence[str] = ()) -> None:
        super().__init__(write, redactor, ladder, paths)
        self.everything = everything
        self._held: list[tuple] | None = None if at_once else []  # live output streams from the start
        self._held_sas = 0
        self._held_findings = 0
        self.listed = 0  # SAs printed in full while streaming
        self.counted = 0  # SAs only counted in their group
        self.hidden_info: dict[str, int] = {}

    def sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
           nth: int | None) -> None:
        if self._held is not None:
            self._held.append(("sa", sa_doc, findings, ladder, nth))
            self._held_sas += 1
            self._held_findings += len(findings)
            self._maybe_spill()
            return
        self._stream_sa(sa_doc, findings, ladder, nth)

    def capture_finding(self, doc: dict[str, Any], nth: int) -> None:
        if self._held is not None:
            self._held.append(("capture", doc, nth))
            self._held_findings += 1
            self._maybe_spill(storm=nth > BUFFER_SAS)
            return
        self._stream_capture(doc, nth)

    def input_started(self, index: int, path: str) -> None:
        if self._held is not None:
            self._held.append(("start", index, path))
        else:
            self._stream_start(index, path)

    def input_ended(self, index: int, doc: dict[str, Any]) -> None:
        if self._held is not None:
            self._held.append(("end", index, doc))
        else:
            self._stream_end(index, doc)

    def input_failed(self, index: int, doc: dict[str, Any]) -> None:
        if self._held is not None:
            self._held.append(("failed", index, doc))
        else:
            self._stream_failed(index, doc)

    def _maybe_spill(self, storm: bool = False) -> None:
        """Past the buffer, or in a storm of one kind of capture-level finding, print what was held in the
        streamed layout and stream from now on."""
        if self._held is None or (not storm and self._held_sas <= BUFFER_SAS
                                  and self._held_findings <= BUFFER_FINDINGS):
            return
        held, self._held = self._held, None
        self._stream_begin()
        for item in held:
            if item[0] == "sa":
                self._stream_sa(*item[1:])
            elif item[0] == "capture":
                self._stream_capture(*item[1:])
            elif item[0] == "start":
                self._stream_start(*item[1:])
            elif item[0] == "failed":
                self._stream_failed(*item[1:])
            else:
                self._stream_end(*item[1:])

    def close(self) -> None:
        if self._held is None:
            self._stream_close()
            return
        if self.nothing_read:
            return
        sas = [it[1] for it in self._held if it[0] == "sa"]
        findings = [f for it in self._held if it[0] == "sa" for f in it[2]]
        findings += [it[1] for it in self._held if it[0] == "capture"]
        models = {(it[1]["input"], it[1]["id"]): it[3] for it in self._held if it[0] == "sa" and it[3]}
        doc = document(self.inputs, sas, findings, self.summary)
        doc["groups"] = self.groups()
        doc["peer_pairs"] = self.peer_pairs()
        self.write(self.render_whole(doc, models))

    def _listed(self, nth: int | None) -> bool:
        """``nth``: the SA is the nth of its group so far (None: quiet, came up with nothing to say)."""
        if self.everything:
            return True
        return nth is not None and nth <= GROUP_EXAMPLES

    def _shown_findings(self, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.everything:
            return findings
        for f in findings:
            if f["severity"] == "info":
                self.hidden_info[f["code"]] = self.hidden_info.get(f["code"], 0) + 1
        return [f for f in findings if f["severity"] != "info"]

    # -- format hooks
    def render_whole(self, doc: dict[str, Any], models: Models) -> str:
        raise NotImplementedError

    def _text_ladders(self, models: Models) -> dict[tuple[int, int], list[str]]:
        return {key: self._text_ladder(m) for key, m in models.items()} if self._ladder else {}

    def _stream_begin(self) -> None:
        """The buffer overflowed: streaming starts."""

    def _stream_start(self, index: int, path: str) -> None:
        raise NotImplementedError

    def _stream_sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
                   nth: int | None) -> None:
        raise NotImplementedError

    def _stream_capture(self, doc: dict[str, Any], nth: int) -> None:
        raise NotImplementedError

    def _stream_end(self, index: int, doc: dict[str, Any]) -> None:
        raise NotImplementedError

    def _stream_failed(self, index: int, doc: dict[str, Any]) -> None:
        raise NotImplementedError

    def _stream_close(self) -> None:
        raise NotImplementedError


class TextStream(_Buffered):
    """The default report. Streamed, each SA that needs attention is followed by its findings."""

    def __init__(self, write: Write, redactor: Redactor | None = None, ladder: bool = False,
                 everything: bool = False, at_once: bool = False, paths: Sequence[str] = ()) -> None:
        super().__init__(write, redactor, ladder, everything, at_once, paths)
        self._input_sas = 0
        self._input_quiet = 0
        self._input_counted = 0
        self._explained: set[str] = set()

    def render_whole(self, doc: dict[str, Any], models: Models) -> str:
        return textreport.render(doc, self._text_ladders(models), everything=self.everything)

    def _lines(self, lines: Any) -> None:
        self.write("".join(line + "\n" for line in lines))

    def _stream_start(self, index: int, path: str) -> None:
        self._input_sas = self._input_quiet = self._input_counted = 0
        self.write(f"== {path}\n")

    def _stream_sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
                   nth: int | None) -> None:
        self._input_sas += 1
        if not self._listed(nth):
            if nth is None:
                self._input_quiet += 1
            else:
                self._input_counted += 1
                self.counted += 1
            for f in findings:
                if f["severity"] == "info" and not self.everything:
                    self.hidden_info[f["code"]] = self.hidden_info.get(f["code"], 0) + 1
            return
        self.listed += 1
        out = list(textreport.sa_lines(sa_doc, self._text_ladder(ladder)))
        shown = self._shown_findings(findings)
        for f in shown:
            out.extend("    " + line if line else "" for line in self._finding(f, came_up(sa_doc)))
        if not shown:
            out.append("")
        self._lines(out)

    def _stream_capture(self, doc: dict[str, Any], nth: int) -> None:
        if not self.everything and (doc["severity"] == "info" or nth > GROUP_EXAMPLES):
            if doc["severity"] == "info":
                self.hidden_info[doc["code"]] = self.hidden_info.get(doc["code"], 0) + 1
            return
        self._lines(self._finding(doc, False))

    def _finding(self, f: dict[str, Any], up: bool) -> Iterable[str]:
        """A finding's lines; its code's explanation only the first time the code is shown."""
        explain = self.everything or f["code"] not in self._explained
        self._explained.add(f["code"])
        return textreport.finding_lines(f, up, explain=explain, labels=self.labels)

    def _stream_end(self, index: int, doc: dict[str, Any]) -> None:
        cut = " (the file is cut short: analysed up to the cut)" if doc["truncated"] else ""
        out = [f"{doc['path']}: {doc['frames']} frames, {doc['ike_messages']} IKE messages, "
               f"{self._input_sas} IKE SAs{cut}"]
        if self._input_quiet:
            out.append(f"  ({self._input_quiet} IKE SAs came up with nothing to report and are not listed; "
                       "--all lists them)")
        if self._input_counted:
            out.append(f"  ({self._input_counted} more IKE SAs like those listed are counted in the groups below; "
                       "--all lists them)")
        out.append("")
        self._lines(out)

    def _stream_failed(self, index: int, doc: dict[str, Any]) -> None:
        self._lines([textreport.input_failed_line(doc), ""])

    def _stream_close(self) -> None:
        t = self.summary.totals()
        out: list[str] = textreport.pairs_lines(self.peer_pairs(), t, self.labels, self.everything)
        groups = self.groups()
        if groups:
            out.append("Groups")
            for g in groups:
                sev = {"error": "ERROR", "warning": "WARN ", "info": "INFO "}.get(g["severity"] or "", "     ")
                first, *rest = group_lines(g, self.labels)
                out.extend(textreport.wrap(first, "      ", first=f"{sev} "))
                for line in rest:
                    out.extend(textreport.wrap(line, "        ", first="      - "))
                out.append("")
        if self.hidden_info:
            counts = ", ".join(f"{code} x{n}" for code, n in sorted(self.hidden_info.items()))
            out.extend(textreport.wrap(f"(info findings not listed, --all lists them: {counts})", ""))
            out.append("")
        f = t["findings"]
        out.append(f"Totals: {t['sas']} IKE SAs; {f['error']} errors, {f['warning']} warnings, {f['info']} info")
        self._lines(out)


class MarkdownStream(_Buffered):
    """A ticket body. Streamed, the SA table grows as SAs close; the findings of the listed SAs
    (at most ``GROUP_EXAMPLES`` per root cause, so a bounded number) follow it, then the groups.
    Each listed SA that did not come up is drawn as a Mermaid sequence diagram."""

    pictures = True

    def __init__(self, write: Write, redactor: Redactor | None = None, ladder: bool = False,
                 everything: bool = False, paths: Sequence[str] = ()) -> None:
        super().__init__(write, redactor, ladder, everything, paths=paths)
        self._findings: list[dict[str, Any]] = []
        self._ladders: dict[tuple[int, int], list[str]] = {}
        self._diagrams: dict[tuple[int, int], list[str]] = {}
        self._sa_outcomes: dict[tuple[int, int], str] = {}
        self._paths: list[str] = []  # the listed SAs' paths between two capture points

    def render_whole(self, doc: dict[str, Any], models: Models) -> str:
        return mdreport.render(doc, self._text_ladders(models), diagrams(models))

    def _stream_begin(self) -> None:
        self.write("## IKE analysis\n\n" + "\n".join(mdreport.table_head(self.labels)) + "\n")

    def _stream_start(self, index: int, path: str) -> None:
        """Inputs are listed after the table, once their counts are known."""

    def _stream_sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
                   nth: int | None) -> None:
        if not self._listed(nth):
            if nth is not None:
                self.counted += 1
            self._shown_findings([f for f in findings if f["severity"] == "info"])
            return
        self.listed += 1
        self.write(mdreport.sa_row(sa_doc, self.labels) + "\n")
        self._paths += mdreport.path_block(sa_doc, self.labels)
        self._findings.extend(self._shown_findings(findings))
        key = (sa_doc["input"], sa_doc["id"])
        if self._ladder and ladder:
            self._ladders[key] = self._text_ladder(ladder)
        if ladder and not came_up(sa_doc):
            self._diagrams[key] = laddermod.mermaid_lines(ladder)

    def _stream_capture(self, doc: dict[str, Any], nth: int) -> None:
        if self.everything or (doc["severity"] != "info" and nth <= GROUP_EXAMPLES):
            self._findings.append(doc)
        elif doc["severity"] == "info":
            self.hidden_info[doc["code"]] = self.hidden_info.get(doc["code"], 0) + 1

    def _stream_end(self, index: int, doc: dict[str, Any]) -> None:
        """Listed with the others at the end."""

    def _stream_failed(self, index: int, doc: dict[str, Any]) -> None:
        """Listed with the others at the end."""

    def _stream_close(self) -> None:
        out = [""]
        if self.counted:
            out += [f"{self.counted} more IKE SAs like those in the table are counted in the groups below.", ""]
        out += [mdreport.input_line(inp) for inp in self.inputs] + [""]
        out += self._paths
        out += mdreport.pairs_lines(self.peer_pairs(), self.summary.totals(), self.labels, self.everything)
        out += mdreport.diagram_blocks(self._diagrams, self.labels)
        out += mdreport.ladder_blocks(self._ladders, self.labels)
        groups = self.groups()
        if groups:
            out += ["### Groups", ""]
            for g in groups:
                first, *rest = group_lines(g, self.labels)
                out.append(f"- **{(g['severity'] or g['outcome']).upper()}** {mdreport.cell(first)}")
                out += [f"  - {mdreport.cell(line)}" for line in rest]
            out.append("")
        if self.hidden_info:
            counts = ", ".join(f"`{code}` x{n}" for code, n in sorted(self.hidden_info.items()))
            out += [f"Info findings not listed: {counts}.", ""]
        out += list(mdreport.findings_lines(self._findings, self.summary.totals(), self.labels))
        self.write("\n".join(out) + "\n")


class HtmlStream(ReportStream):
    """One self-contained page (``report.html``): the head at once, each SA as it closes, the summary
    last. Up to ``BUFFER_SAS`` SAs every SA is on the page; past that, as in the text report, those
    that need attention, at most ``GROUP_EXAMPLES`` per root cause, the rest counted in the groups."""

    pictures = True

    def __init__(self, write: Write, redactor: Redactor | None = None, ladder: bool = False,
                 everything: bool = False, paths: Sequence[str] = ()) -> None:
        super().__init__(write, redactor, ladder, paths)
        self.everything = everything
        self._began = False
        self._seen = 0  # SAs so far
        self._input_sas = 0
        self.counted = 0
        self.hidden_info: dict[str, int] = {}

    @property
    def ladder_fn(self) -> laddermod.LadderFn | None:
        return laddermod.ladder_fn(True, self.notation)

    def _begin(self) -> None:
        if not self._began:
            self._began = True
            self.write(htmlreport.head("IKE analysis"))

    def input_started(self, index: int, path: str) -> None:
        self._begin()
        self._input_sas = 0
        self.write(htmlreport.input_heading(path))

    def sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], ladder: dict[str, Any] | None,
           nth: int | None) -> None:
        self._seen += 1
        self._input_sas += 1
        if not (self.everything or self._seen <= BUFFER_SAS or (nth is not None and nth <= GROUP_EXAMPLES)):
            self.counted += 1
            return
        self.write(htmlreport.sa_article(sa_doc, findings, ladder, self.labels))

    def capture_finding(self, doc: dict[str, Any], nth: int) -> None:
        if self.everything or (doc["severity"] != "info" and nth <= GROUP_EXAMPLES):
            self.write(htmlreport.capture_finding(doc, self.labels))
        elif doc["severity"] == "info":
            self.hidden_info[doc["code"]] = self.hidden_info.get(doc["code"], 0) + 1

    def input_ended(self, index: int, doc: dict[str, Any]) -> None:
        self.write(htmlreport.input_end(doc, self._input_sas))

    def input_failed(self, index: int, doc: dict[str, Any]) -> None:
        if self.read_any:
            self.write(htmlreport.input_failed(doc))

    def close(self) -> None:
        if self.nothing_read:
            return
        self._begin()
        totals = self.summary.totals()
        listed, rest = mdreport.listed_pairs(self.peer_pairs(), self.everything)
        pairs = [mdreport.pair_line(p, self.labels) for p in listed]
        if rest:
            pairs.append(f"({rest} more peer pairs; --all lists them)")
        notes = []
        if self.counted:
            notes.append(f"{self.counted} more IKE SAs like those shown are counted in the groups; --all shows them.")
        if self.hidden_info:
            counts = ", ".join(f"{code} x{n}" for code, n in sorted(self.hidden_info.items()))
            notes.append(f"Info findings not shown, --all shows them: {counts}.")
        if note := self.keys_note():
            notes.append(note)
        groups = [group_lines(g, self.labels) for g in self.groups()]
        self.write(htmlreport.summary(totals, self.inputs, pairs, groups, notes) + htmlreport.tail())


def diagrams(models: Models) -> dict[tuple[int, int], list[str]]:
    """The Mermaid diagrams of the SAs that did not come up."""
    return {key: laddermod.mermaid_lines(m) for key, m in models.items() if m["outcome"] not in ("established", "deleted")}


FORMATS: dict[str, type[ReportStream]] = {"json": JsonStream, "jsonl": JsonlStream, "text": TextStream,
                                          "markdown": MarkdownStream, "html": HtmlStream}
