"""The analysis report as plain data: what every output format renders.

``Report.to_dict`` is the JSON document (``schema_version`` 1, described by
``docs/report.schema.json``); the text and Markdown renderers read the same
dict, so no format can say something the others do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from ..diagnose.catalog import CATALOG
from ..diagnose.finding import Finding
from ..track.records import SaRecord
from .sas import sa_dict
from .summary import Summary

SCHEMA_VERSION = 1


def log_line(text: str, sa: SaRecord | None) -> str:
    """Gateway log wording as it would read for ``sa``: the IKEv1 mode and the peers' addresses
    filled in. The initiating gateway sends its request "to" the responder, which receives it
    "from" the initiator; strongSwan's responder names "<addresses>" as its own, then the
    initiator's. What the SA cannot tell keeps its placeholder (``LOG_PLACEHOLDERS``)."""
    if sa is None or "<" not in text:
        return text
    if sa.version == 1 and sa.mode:
        text = text.replace("<Symbol> Mode", f"{sa.mode.capitalize()} Mode")
    ini, resp = sa.initiator.address, sa.responder.address
    return text.replace("to <IP>", f"to {resp}").replace("from <IP>", f"from {ini}") \
        .replace("<addresses>", f"{resp}...{ini}")


def _vendor_ref(vendor: str, template: str, sa: SaRecord | None) -> dict[str, str]:
    text = log_line(template, sa)
    return {"vendor": vendor, "text": text, **({"template": template} if text != template else {})}


def finding_dict(f: Finding, sa: SaRecord | None = None) -> dict[str, Any]:
    """A finding as a report record; ``sa`` (its SA) fills in the gateways' log lines."""
    e = CATALOG.get(f.code)
    return {
        "code": f.code,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "confidence_reason": f.confidence_reason,
        "root_cause": f.root_cause,
        "supporting": f.supporting,
        "sa": f.sa,
        "exchange": f.exchange,
        "frames": list(f.frames),
        "summary": f.summary,
        "title": e.title if e else f.code,
        "explanation": e.explanation if e else "",
        "remedy": e.remedy if e else "",
        "vendor_refs": [_vendor_ref(r.vendor, r.text, sa) for r in (e.vendor_refs if e else ())],
        "evidence": [{"frame": ev.frame, "time": ev.ts, "text": ev.text, "offset": ev.offset}
                     for ev in f.evidence],
        "details": dict(f.details),
        "alternatives": [{"cause": a.cause, "code": a.code, "why": a.why, "tell_apart": log_line(a.tell_apart, sa)}
                         for a in f.alternatives],
        "inferred_config": None if f.inferred_config is None else dict(f.inferred_config),
    }


@dataclass(slots=True)
class InputRecord:
    path: str
    frames: int = 0
    ike_messages: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    truncated: bool = False
    truncated_detail: str = ""
    net: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why the file could not be read at all (it was not analysed)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "frames": self.frames, "ike_messages": self.ike_messages,
                "first_time": self.first_ts, "last_time": self.last_ts, "truncated": self.truncated,
                "truncated_detail": self.truncated_detail, "net": self.net, "error": self.error}


@dataclass(slots=True)
class InputStarted:
    """The analysis moves on to input ``index`` (an event of the result stream)."""

    index: int
    path: str


@dataclass(slots=True)
class InputEnded:
    """Input ``index`` is read to its end; ``record`` holds what it counted."""

    index: int
    record: InputRecord


@dataclass(slots=True)
class InputFailed:
    """Input ``index`` could not be read at all (missing, not a capture); ``record.error`` says
    why. The other inputs are still analysed, so one wrong name does not cost the whole run."""

    index: int
    record: InputRecord


@dataclass(slots=True)
class SaResult:
    """An SA with its ranked findings: the unit of the report and of live output."""

    input: int
    sa: SaRecord
    findings: list[Finding]
    path: dict[str, Any] | None = None  # its messages between two capture points (``report.path``)

    @property
    def root_cause(self) -> Finding | None:
        return next((f for f in self.findings if f.root_cause), None)

    def sa_doc(self) -> dict[str, Any]:
        """The SA's entry in the report's ``sas``."""
        d = sa_dict(self.sa)
        d["input"] = self.input
        if self.path is not None:
            d["path"] = self.path
        rc = self.root_cause
        d["root_cause"] = None if rc is None else {"code": rc.code, "summary": rc.summary,
                                                   "confidence": rc.confidence.value,
                                                   "severity": rc.severity.value,
                                                   "inferred_config": None if rc.inferred_config is None
                                                   else dict(rc.inferred_config)}
        return d

    def finding_docs(self) -> list[dict[str, Any]]:
        return [{"input": self.input, **finding_dict(f, self.sa)} for f in self.findings]

    def render(self, ladder: Callable[[SaRecord], dict[str, Any]] | None = None) -> SaRendered:
        """The SA as report records only: what a report needs once the record itself is gone."""
        sa = self.sa
        unopened = [(p.code, m.frame) for m in sa.messages for p in m.problems if p.code.startswith("crypto.")]
        return SaRendered(self.input, self.sa_doc(), self.finding_docs(), peers(sa), (sa.first_ts, sa.last_ts),
                          unopened, ladder(sa) if ladder is not None else None)


@dataclass(slots=True)
class SaRendered:
    """An SA turned into its report records (``SaResult.render``), plain data that crosses
    process boundaries cheaply.

    unopened: (problem code, frame) of its messages the keys did not open.
    ladder: its ladder (``ladder.model``), when asked for.
    """

    input: int
    sa_doc: dict[str, Any]
    findings: list[dict[str, Any]]
    peers: tuple[str, str]
    when: tuple[float, float]
    unopened: list[tuple[str, int]]
    ladder: dict[str, Any] | None


@dataclass(slots=True)
class CaptureFinding:
    """A finding about the capture rather than one SA (a network fault, an undecodable message)."""

    input: int
    finding: Finding

    def doc(self) -> dict[str, Any]:
        return {"input": self.input, **finding_dict(self.finding)}

    def render(self) -> FindingRendered:
        return FindingRendered(self.doc())


@dataclass(slots=True)
class FindingRendered:
    """A capture-level finding as its report record (``CaptureFinding.render``)."""

    record: dict[str, Any]

    def doc(self) -> dict[str, Any]:
        return self.record


Event = InputStarted | SaResult | SaRendered | CaptureFinding | FindingRendered | InputEnded | InputFailed


def peers(sa: SaRecord) -> tuple[str, str]:
    return (sa.initiator.address, sa.responder.address)


@dataclass(slots=True)
class Report:
    """A whole analysis held in memory: for small captures, tests and scripts. Large
    captures go through ``report.stream`` instead, which writes each SA as it closes."""

    inputs: list[InputRecord] = field(default_factory=list)
    results: list[SaResult] = field(default_factory=list)
    capture_findings: list[CaptureFinding] = field(default_factory=list)

    def add(self, event: Event) -> None:
        if isinstance(event, SaResult):
            self.results.append(event)
        elif isinstance(event, CaptureFinding):
            self.capture_findings.append(event)
        elif isinstance(event, (InputEnded, InputFailed)):
            self.inputs.append(event.record)

    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings] + [c.finding for c in self.capture_findings]

    def to_dict(self) -> dict[str, Any]:
        summary = Summary()
        sas, findings = [], []
        for r in self.results:
            d, fs = r.sa_doc(), r.finding_docs()
            summary.add_sa(d, fs, peers(r.sa), (r.sa.first_ts, r.sa.last_ts))
            sas.append(d)
            findings.extend(fs)
        for c in self.capture_findings:
            fd = c.doc()
            summary.add_capture_finding(fd)
            findings.append(fd)
        return document([i.to_dict() for i in self.inputs], sas, findings, summary)


def document(inputs: list[dict[str, Any]], sas: list[dict[str, Any]], findings: list[dict[str, Any]],
             summary: Summary) -> dict[str, Any]:
    """The JSON report, the one shape every format renders."""
    return {"schema_version": SCHEMA_VERSION, "inputs": inputs, "sas": sas, "findings": findings,
            "groups": [g.to_dict() for g in summary.groups()], "peer_pairs": summary.peer_pairs(),
            "totals": summary.totals()}
