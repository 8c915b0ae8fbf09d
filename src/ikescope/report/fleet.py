"""The fleet summary: many gateways' captures in one report.

Each capture point (a gateway) is analysed on its own and summed up in a
``Gateway``: its SAs by outcome, its failures by root cause, and the peers
that fail most. ``Fleet`` adds the gateways up and looks across them: the same
root cause with the same peer at several gateways (one peer refused by twelve
gateways with the same proposal mismatch) is one line, not twelve.

A gateway's own address is the one that takes part in most of its SAs (at
least ``LOCAL_SHARE`` of them); the peer of a failed SA is then the other
side. Where no address dominates (a capture point that only sees transit
traffic) the peer is the pair of addresses.

Both summaries are bounded like ``report.summary``: by the number of distinct
causes, peers and gateways, never by the number of SAs. They are built from
report records only, so a gateway's summary can be made where its capture was
read and sent on as plain data.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .model import SCHEMA_VERSION
from .summary import OUTCOMES, SEVERITIES, group_key, quiet

LOCAL_SHARE = 0.5
MAX_ADDRESSES = 10_000  # addresses counted per gateway to find its own
MAX_FAILING = 10_000  # (cause, peer) pairs kept per gateway; more are counted as one overflow
MAX_ACROSS = 100_000  # (cause, peer) pairs kept over the fleet
TOP_PEERS = 5  # failing peers named per gateway
TOP_GATEWAYS = 12  # gateways named per cross-gateway line
OVERFLOW = "(other peers)"


def _severity_rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(slots=True)
class _Cause:
    """One root cause at one gateway."""

    code: str  # "" for an SA that needs attention without a finding: then ``severity`` is its outcome
    severity: str
    sas: int = 0
    summary: str = ""
    example: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code or None, "severity": self.severity if self.code else None,
                "outcome": None if self.code else self.severity, "sas": self.sas, "summary": self.summary,
                "example": self.example}


@dataclass(slots=True)
class Gateway:
    """One capture point's summary, fed the report records of its SAs and findings."""

    name: str
    index: int
    sas: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    causes: dict[tuple[str, str], _Cause] = field(default_factory=dict)
    capture_findings: Counter[str] = field(default_factory=Counter)
    addresses: Counter[str] = field(default_factory=Counter)
    failing: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # (code, severity, init, resp)
    failing_overflow: int = 0

    def add_sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], peers: tuple[str, str]) -> None:
        self.sas += 1
        self.outcomes[sa_doc["outcome"]] = self.outcomes.get(sa_doc["outcome"], 0) + 1
        for f in findings:
            self.findings[f["severity"]] += 1
        for address in peers:
            if address in self.addresses or len(self.addresses) < MAX_ADDRESSES:
                self.addresses[address] += 1
        if quiet(sa_doc):
            return
        code, severity = group_key(sa_doc)
        cause = self.causes.get((code, severity))
        if cause is None:
            rc = sa_doc["root_cause"]
            frames = next((f["frames"] for f in findings if f["root_cause"]), [])
            cause = self.causes[(code, severity)] = _Cause(
                code, severity, summary=rc["summary"] if rc else sa_doc["outcome_detail"],
                example={"sa": sa_doc["id"], "frames": frames[:6]})
        cause.sas += 1
        key = (code, severity, peers[0], peers[1])
        if key in self.failing or len(self.failing) < MAX_FAILING:
            self.failing[key] += 1
        else:
            self.failing_overflow += 1

    def add_capture_finding(self, doc: dict[str, Any]) -> None:
        self.findings[doc["severity"]] += 1
        self.capture_findings[doc["code"]] += 1

    def address(self) -> str | None:
        """The gateway's own address: in at least LOCAL_SHARE of its SAs."""
        if not self.addresses:
            return None
        address, n = self.addresses.most_common(1)[0]
        return address if n >= LOCAL_SHARE * self.sas else None

    def failing_peers(self) -> Counter[tuple[str, str, str]]:
        """SAs that need attention by (code, severity, peer)."""
        local = self.address()
        out: Counter[tuple[str, str, str]] = Counter()
        for (code, severity, initiator, responder), n in self.failing.items():
            if local == initiator:
                peer = responder
            elif local == responder:
                peer = initiator
            else:
                peer = f"{initiator} <-> {responder}"
            out[(code, severity, peer)] += n
        if self.failing_overflow:
            out[("", "", OVERFLOW)] += self.failing_overflow
        return out

    def to_dict(self) -> dict[str, Any]:
        causes = sorted(self.causes.values(), key=lambda c: (_severity_rank(c.severity if c.code else None),
                                                             -c.sas, c.code, c.severity))
        by_peer: dict[str, Counter[str]] = {}
        for (code, severity, peer), n in self.failing_peers().items():
            by_peer.setdefault(peer, Counter())[code or severity] += n
        peers = sorted(by_peer.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:TOP_PEERS]
        return {
            "capture_point": self.name,
            "input": self.index,
            "address": self.address(),
            "sas": self.sas,
            "outcomes": dict(self.outcomes),
            "findings": dict(self.findings),
            "causes": [c.to_dict() for c in causes],
            "failing_peers": [{"peer": peer, "sas": sum(codes.values()), "causes": dict(sorted(codes.items()))}
                              for peer, codes in peers],
            "capture_findings": dict(sorted(self.capture_findings.items())),
        }


@dataclass(slots=True)
class _Across:
    """One (root cause, peer) and the gateways where it was seen."""

    code: str
    severity: str
    peer: str
    gateways: dict[str, int] = field(default_factory=dict)
    summary: str = ""
    summary_from: str = ""  # the first gateway by name says it, whatever order they came in

    def to_dict(self) -> dict[str, Any]:
        names = sorted(self.gateways)
        return {"code": self.code or None, "severity": self.severity if self.code else None,
                "outcome": None if self.code else self.severity, "peer": self.peer,
                "gateways": len(names), "sas": sum(self.gateways.values()),
                "capture_points": names[:TOP_GATEWAYS], "summary": self.summary}


class Fleet:
    """Every gateway's summary and what they have in common. Gateways may be added in any
    order: what it reports is sorted, so the result does not depend on which finished first."""

    def __init__(self) -> None:
        self.gateways: list[dict[str, Any]] = []
        self.inputs: list[dict[str, Any]] = []
        self._across: dict[tuple[str, str, str], _Across] = {}
        self.across_overflow = 0
        self.errors: list[str] = []

    def add(self, gateway: Gateway, record: dict[str, Any]) -> None:
        """One gateway's summary, and its input record (files, frames, times)."""
        doc = gateway.to_dict()
        self.gateways.append(doc)
        self.inputs.append(record)
        summaries = {c["code"] or c["outcome"]: c["summary"] for c in doc["causes"]}
        for (code, severity, peer), n in gateway.failing_peers().items():
            key = (code, severity, peer)
            across = self._across.get(key)
            if across is None:
                if len(self._across) >= MAX_ACROSS:
                    self.across_overflow += n
                    continue
                across = self._across[key] = _Across(code, severity, peer)
            across.gateways[gateway.name] = across.gateways.get(gateway.name, 0) + n
            if not across.summary_from or gateway.name < across.summary_from:
                across.summary_from, across.summary = gateway.name, summaries.get(code or severity, "")
        self.errors += [f["error"] for f in record.get("files", []) if f.get("error")]

    def across(self) -> list[dict[str, Any]]:
        """(cause, peer) seen at more than one gateway, the most widespread first."""
        shared = [a for a in self._across.values() if len(a.gateways) > 1 and a.peer != OVERFLOW]
        shared.sort(key=lambda a: (-len(a.gateways), -sum(a.gateways.values()), _severity_rank(a.severity),
                                   a.code, a.peer))
        return [a.to_dict() for a in shared]

    def causes(self) -> list[dict[str, Any]]:
        """Each root cause over the fleet: how many SAs, at how many gateways."""
        acc: dict[tuple[str | None, str | None, str | None], list[int]] = {}
        for g in self.gateways:
            for c in g["causes"]:
                entry = acc.setdefault((c["code"], c["severity"], c["outcome"]), [0, 0])
                entry[0] += c["sas"]
                entry[1] += 1
        rows = [{"code": code, "severity": sev, "outcome": outcome, "sas": sas, "gateways": gws}
                for (code, sev, outcome), (sas, gws) in acc.items()]
        return sorted(rows, key=lambda r: (_severity_rank(r["severity"]), -r["sas"], r["code"] or "",
                                           r["outcome"] or ""))

    def totals(self) -> dict[str, Any]:
        outcomes = dict.fromkeys(OUTCOMES, 0)
        findings = dict.fromkeys(SEVERITIES, 0)
        for g in self.gateways:
            for k, v in g["outcomes"].items():
                outcomes[k] = outcomes.get(k, 0) + v
            for k, v in g["findings"].items():
                findings[k] += v
        return {"capture_points": len(self.gateways), "files": sum(len(i["files"]) for i in self.inputs),
                "frames": sum(i["frames"] for i in self.inputs),
                "ike_messages": sum(i["ike_messages"] for i in self.inputs),
                "sas": sum(g["sas"] for g in self.gateways), "outcomes": outcomes, "findings": findings,
                "unreadable_files": len(self.errors)}

    def to_dict(self) -> dict[str, Any]:
        """The fleet summary as one JSON document."""
        order = sorted(range(len(self.gateways)), key=lambda i: self.gateways[i]["capture_point"])
        return {"schema_version": SCHEMA_VERSION, "kind": "fleet", "totals": self.totals(),
                "across": self.across(), "causes": self.causes(),
                "gateways": [{**self.gateways[i], "files": self.inputs[i]["files"]} for i in order]}


def _what(row: dict[str, Any]) -> str:
    return row["code"] or f"{row['outcome']} with no finding"


def _sev(row: dict[str, Any]) -> str:
    return {"error": "ERROR", "warning": "WARN ", "info": "INFO "}.get(row["severity"] or "", "     ")


def _outcomes(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in outcomes.items() if n) or "none"


def _names(row: dict[str, Any]) -> str:
    more = row["gateways"] - len(row["capture_points"])
    return ", ".join(row["capture_points"]) + (f", ... ({more} more)" if more > 0 else "")


def render_text(doc: dict[str, Any]) -> str:
    """The fleet summary for people: totals, what several gateways share, each cause, each gateway."""
    t = doc["totals"]
    f = t["findings"]
    out = [f"Fleet: {t['capture_points']} capture points, {t['files']} files, {t['frames']} frames, "
           f"{t['ike_messages']} IKE messages, {t['sas']} IKE SAs ({_outcomes(t['outcomes'])}); "
           f"{_n(f['error'], 'error')}, {_n(f['warning'], 'warning')}, {f['info']} info", ""]
    if doc["across"]:
        out.append("The same failure at several gateways")
        for a in doc["across"]:
            out.append(f"{_sev(a)} {_what(a)} with {a['peer']}: {_n(a['gateways'], 'gateway')}, {_n(a['sas'], 'IKE SA')}")
            out.append(f"      at: {_names(a)}")
            if a["summary"]:
                out.append(f"      first: {a['summary']}")
        out.append("")
    if doc["causes"]:
        out.append("Root causes over the fleet")
        for c in doc["causes"]:
            out.append(f"{_sev(c)} {_what(c)}: {_n(c['sas'], 'IKE SA')} at {_n(c['gateways'], 'gateway')}")
        out.append("")
    out.append("Gateways")
    for g in doc["gateways"]:
        gf = g["findings"]
        address = f" ({g['address']})" if g["address"] else ""
        frames = sum(x["frames"] for x in g["files"])
        out.append(f"{g['capture_point']}{address}: {_n(len(g['files']), 'file')}, {_n(frames, 'frame')}, {_n(g['sas'], 'IKE SA')} "
                   f"({_outcomes(g['outcomes'])}); {_n(gf['error'], 'error')}, {_n(gf['warning'], 'warning')}")
        for c in g["causes"]:
            ex = c["example"]
            out.append(f"  {_sev(c)} {_what(c)} x{c['sas']}  e.g. SA {ex['sa']}, frames "
                       f"{','.join(map(str, ex['frames']))}")
        if g["failing_peers"]:
            peers = ", ".join(f"{p['peer']} ({p['sas']})" for p in g["failing_peers"])
            out.append(f"  failing peers: {peers}")
        if g["capture_findings"]:
            out.append("  capture: " + ", ".join(f"{code} x{n}" for code, n in g["capture_findings"].items()))
        for x in g["files"]:
            if x["error"]:
                out.append(f"  unreadable: {x['error']}")
            elif x["overlaps"]:
                out.append(f"  {x['path']} overlaps the file before it in time: not one capture cut in turn")
    return "\n".join(out) + "\n"


def render_markdown(doc: dict[str, Any]) -> str:
    """The fleet summary for a ticket: the same content as text, as tables."""
    t = doc["totals"]
    f = t["findings"]
    out = ["## IKE fleet summary", "",
           f"{t['capture_points']} capture points, {t['files']} files, {t['frames']} frames, "
           f"{t['ike_messages']} IKE messages, {t['sas']} IKE SAs ({_outcomes(t['outcomes'])}); "
           f"{_n(f['error'], 'error')}, {_n(f['warning'], 'warning')}, {f['info']} info.", ""]
    if doc["across"]:
        out += ["### The same failure at several gateways", "",
                "| severity | root cause | peer | gateways | IKE SAs | at |", "|---|---|---|--:|--:|---|"]
        out += [f"| {a['severity'] or ''} | `{_what(a)}` | {a['peer']} | {a['gateways']} | {a['sas']} | {_names(a)} |"
                for a in doc["across"]]
        out.append("")
    if doc["causes"]:
        out += ["### Root causes over the fleet", "", "| severity | root cause | IKE SAs | gateways |",
                "|---|---|--:|--:|"]
        out += [f"| {c['severity'] or ''} | `{_what(c)}` | {c['sas']} | {c['gateways']} |" for c in doc["causes"]]
        out.append("")
    out += ["### Gateways", "", "| capture point | address | files | IKE SAs | outcomes | errors | root causes "
            "| failing peers |", "|---|---|--:|--:|---|--:|---|---|"]
    for g in doc["gateways"]:
        causes = ", ".join(f"`{_what(c)}` x{c['sas']}" for c in g["causes"])
        peers = ", ".join(f"{p['peer']} ({p['sas']})" for p in g["failing_peers"])
        out.append(f"| {g['capture_point']} | {g['address'] or ''} | {len(g['files'])} | {g['sas']} | "
                   f"{_outcomes(g['outcomes'])} | {g['findings']['error']} | {causes} | {peers} |")
    return "\n".join(out) + "\n"


def render(doc: dict[str, Any], fmt: str) -> str:
    """The fleet summary in one format; in jsonl one line per gateway and per failure shared by
    several gateways, then the fleet's totals, to follow the SAs' lines."""
    if fmt == "text":
        return render_text(doc)
    if fmt == "markdown":
        return render_markdown(doc)
    if fmt == "json":
        return json.dumps(doc, indent=1) + "\n"
    head = {"schema_version": doc["schema_version"]}
    rows = [{**head, "kind": "gateway", **g} for g in doc["gateways"]]
    rows += [{**head, "kind": "fleet_group", **a} for a in doc["across"]]
    rows.append({**head, "kind": "fleet", "totals": doc["totals"], "causes": doc["causes"]})
    return "".join(json.dumps(r) + "\n" for r in rows)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
