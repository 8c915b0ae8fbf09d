"""The analysis report as plain data: what every output format renders.

``Report.to_dict`` is the JSON document (``schema_version`` 1, described by
``docs/report.schema.json``); the text and Markdown renderers read the same
dict, so no format can say something the others do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diagnose.catalog import CATALOG
from ..diagnose.finding import Finding
from ..track.records import SaRecord
from .sas import sa_dict

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
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
        "vendor_refs": [{"vendor": r.vendor, "text": r.text} for r in (e.vendor_refs if e else ())],
        "evidence": [{"frame": ev.frame, "time": ev.ts, "text": ev.text, "offset": ev.offset}
                     for ev in f.evidence],
        "details": dict(f.details),
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


@dataclass(slots=True)
class SaResult:
    """An SA with its ranked findings: the unit of the report and of live output."""

    input: int
    sa: SaRecord
    findings: list[Finding]

    @property
    def root_cause(self) -> Finding | None:
        return next((f for f in self.findings if f.root_cause), None)


@dataclass(slots=True)
class Report:
    inputs: list[InputRecord] = field(default_factory=list)
    results: list[SaResult] = field(default_factory=list)
    capture_findings: list[tuple[int, Finding]] = field(default_factory=list)  # (input index, finding)

    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings] + [f for _, f in self.capture_findings]

    def to_dict(self) -> dict[str, Any]:
        sas = []
        for r in self.results:
            d = sa_dict(r.sa)
            d["input"] = r.input
            rc = r.root_cause
            d["root_cause"] = None if rc is None else {"code": rc.code, "summary": rc.summary,
                                                       "confidence": rc.confidence.value,
                                                       "severity": rc.severity.value}
            sas.append(d)
        findings = []
        for r in self.results:
            for f in r.findings:
                findings.append({"input": r.input, **finding_dict(f)})
        for i, f in self.capture_findings:
            findings.append({"input": i, **finding_dict(f)})
        counts = {s: sum(1 for f in findings if f["severity"] == s) for s in ("error", "warning", "info")}
        return {
            "schema_version": SCHEMA_VERSION,
            "inputs": [{"path": i.path, "frames": i.frames, "ike_messages": i.ike_messages, "first_time": i.first_ts,
                        "last_time": i.last_ts, "truncated": i.truncated, "truncated_detail": i.truncated_detail,
                        "net": i.net} for i in self.inputs],
            "sas": sas,
            "findings": findings,
            "totals": {"sas": len(sas), "findings": counts,
                       "outcomes": {o: sum(1 for s in sas if s["outcome"] == o)
                                    for o in ("established", "failed", "incomplete", "deleted", "restarted")}},
        }
