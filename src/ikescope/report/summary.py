"""What a report keeps while results stream past: counters and bounded groups.

A busy gateway's capture can hold tens of thousands of SAs that failed for the
same reason (a scan, a responder that ignores everyone, three hundred road
warriors with one proposal mistake). Each SA is written out as it closes and
then dropped; only this summary stays, and its size depends on the number of
distinct finding codes, never on the number of SAs:

- totals: SAs by outcome, findings by severity;
- one group per (root-cause code, severity): how many SAs, over which time,
  the busiest initiators and responders, and the first few SAs as examples.

A group is shown once it has more members than its examples
(``GROUP_EXAMPLES``), so a single failure is never a group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

GROUP_EXAMPLES = 3  # SAs shown in full before the rest of their kind is only counted
TOP_PEERS = 5  # busiest initiators / responders named per group
MAX_PEERS = 10_000  # distinct addresses counted per group and side; beyond it they are lumped together
MAX_GROUPS = 1_000  # kinds of group; beyond it new kinds share one overflow group
# One side makes a pattern when it takes part in at least this share of a group's SAs.
DOMINANT_SHARE = 0.9

SEVERITIES = ("error", "warning", "info")
OUTCOMES = ("established", "failed", "incomplete", "deleted", "restarted")


def came_up(sa_doc: dict[str, Any]) -> bool:
    return sa_doc["outcome"] in ("established", "deleted")


def quiet(sa_doc: dict[str, Any]) -> bool:
    """An SA that came up with nothing worse than info to say: counted, not listed."""
    rc = sa_doc["root_cause"]
    return came_up(sa_doc) and (rc is None or rc["severity"] == "info")


def group_key(sa_doc: dict[str, Any]) -> tuple[str, str]:
    """(code, severity) of the root cause; an SA that needs attention without one is keyed by its outcome."""
    rc = sa_doc["root_cause"]
    if rc is None:
        return ("", sa_doc["outcome"])
    return (rc["code"], rc["severity"])


@dataclass(slots=True)
class _Peers:
    """Counts per address, bounded: addresses past ``MAX_PEERS`` are counted as ``others``."""

    counts: Counter[str] = field(default_factory=Counter)
    others: int = 0

    def add(self, address: str) -> None:
        if address in self.counts or len(self.counts) < MAX_PEERS:
            self.counts[address] += 1
        else:
            self.others += 1

    def top(self) -> list[dict[str, Any]]:
        return [{"address": a, "sas": n} for a, n in self.counts.most_common(TOP_PEERS)]

    def distinct(self) -> int:
        return len(self.counts) + (1 if self.others else 0)

    def dominant(self, total: int) -> str | None:
        if not self.counts:
            return None
        address, n = self.counts.most_common(1)[0]
        return address if n >= DOMINANT_SHARE * total else None


@dataclass(slots=True)
class Group:
    """SAs (or capture-level findings) that share a root cause."""

    code: str
    severity: str
    kind: str  # "sa" or "capture"
    count: int = 0
    first_time: float | None = None
    last_time: float | None = None
    initiators: _Peers = field(default_factory=_Peers)
    responders: _Peers = field(default_factory=_Peers)
    examples: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""

    def add(self, when: tuple[float, float] | None, example: dict[str, Any], summary: str,
            peers: tuple[str, str] | None = None) -> None:
        self.count += 1
        if when is not None:
            first, last = when
            self.first_time = first if self.first_time is None else min(self.first_time, first)
            self.last_time = last if self.last_time is None else max(self.last_time, last)
        if peers is not None:
            self.initiators.add(peers[0])
            self.responders.add(peers[1])
        if len(self.examples) < GROUP_EXAMPLES:
            self.examples.append(example)
            self.summary = self.summary or summary

    def pattern(self) -> str:
        """One phrase for how the members relate: who is common to them."""
        if self.kind != "sa":
            return f"{self.count} capture-level findings"
        responder = self.responders.dominant(self.count)
        initiator = self.initiators.dominant(self.count)
        ni, nr = self.initiators.distinct(), self.responders.distinct()
        if responder is not None and initiator is None:
            return f"one responder, {ni} initiators"
        if initiator is not None and responder is None:
            return f"one initiator, {nr} responders"
        if initiator is not None and responder is not None:
            return "the same two peers, again and again"
        return f"{ni} initiators, {nr} responders"

    def to_dict(self) -> dict[str, Any]:
        return {
            "of": self.kind,
            "code": self.code or None,
            "severity": self.severity if self.code else None,
            "outcome": None if self.code else self.severity,
            "count": self.count,
            "first_time": self.first_time,
            "last_time": self.last_time,
            "pattern": self.pattern(),
            "initiators": self.initiators.top(),
            "responders": self.responders.top(),
            "distinct_initiators": self.initiators.distinct(),
            "distinct_responders": self.responders.distinct(),
            "examples": list(self.examples),
            "summary": self.summary,
        }


class Summary:
    """Totals and groups of a whole report, fed one SA or capture finding at a time."""

    def __init__(self) -> None:
        self.sas = 0
        self.outcomes = dict.fromkeys(OUTCOMES, 0)
        self.findings = dict.fromkeys(SEVERITIES, 0)
        self._groups: dict[tuple[str, str, str], Group] = {}

    def _group(self, kind: str, code: str, severity: str) -> Group:
        key = (kind, code, severity)
        g = self._groups.get(key)
        if g is None:
            if len(self._groups) >= MAX_GROUPS:
                key = (kind, "ikescope.other", "warning")
                g = self._groups.get(key)
            if g is None:
                g = self._groups[key] = Group(code=key[1], severity=key[2], kind=kind)
        return g

    def add_sa(self, sa_doc: dict[str, Any], findings: list[dict[str, Any]], peers: tuple[str, str],
               when: tuple[float, float]) -> Group | None:
        """Count one SA; returns its group (None for a quiet SA, which joins none)."""
        self.sas += 1
        self.outcomes[sa_doc["outcome"]] = self.outcomes.get(sa_doc["outcome"], 0) + 1
        for f in findings:
            self.findings[f["severity"]] += 1
        if quiet(sa_doc):
            return None
        code, severity = group_key(sa_doc)
        g = self._group("sa", code, severity)
        rc = sa_doc["root_cause"]
        frames = next((f["frames"] for f in findings if f["root_cause"]), [])
        g.add(when, {"input": sa_doc["input"], "sa": sa_doc["id"], "frames": frames[:12]},
              rc["summary"] if rc else sa_doc["outcome_detail"], peers)
        return g

    def add_capture_finding(self, f: dict[str, Any]) -> Group:
        self.findings[f["severity"]] += 1
        g = self._group("capture", f["code"], f["severity"])
        times = [ev["time"] for ev in f["evidence"] if ev["time"] is not None]
        g.add((min(times), max(times)) if times else None,
              {"input": f["input"], "sa": None, "frames": f["frames"][:12]}, f["summary"])
        return g

    def groups(self) -> list[Group]:
        """Groups with more members than examples, the largest first."""
        shown = [g for g in self._groups.values() if g.count > GROUP_EXAMPLES]
        return sorted(shown, key=lambda g: (SEVERITIES.index(g.severity) if g.severity in SEVERITIES else 3,
                                            -g.count, g.code))

    def totals(self) -> dict[str, Any]:
        return {"sas": self.sas, "findings": dict(self.findings), "outcomes": dict(self.outcomes)}
