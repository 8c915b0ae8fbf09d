"""What a report keeps while results stream past: counters and bounded groups.

A busy gateway's capture can hold tens of thousands of SAs that failed for the
same reason (a scan, a responder that ignores everyone, three hundred road
warriors with one proposal mistake). Each SA is written out as it closes and
then dropped; only this summary stays, and its size depends on the number of
distinct finding codes, never on the number of SAs:

- totals: SAs by outcome, findings by severity;
- one group per (root-cause code, severity): how many SAs, over which time,
  the busiest initiators and responders, and the first few SAs as examples;
- one status per pair of peers: is the tunnel up at the end, since when, and
  after how many failed attempts (``PeerPair``), with a fixed number of SAs
  remembered per pair and a fixed number of pairs.

A group is shown once it has more members than its examples
(``GROUP_EXAMPLES``), so a single failure is never a group.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

GROUP_EXAMPLES = 3  # SAs shown in full before the rest of their kind is only counted
TOP_PEERS = 5  # busiest initiators / responders named per group
MAX_PEERS = 10_000  # distinct addresses counted per group and side; beyond it they are lumped together
MAX_GROUPS = 1_000  # kinds of group; beyond it new kinds share one overflow group
MAX_PAIRS = 4_096  # peer pairs given a status; SAs of further pairs are only counted
PAIR_HISTORY = 8  # latest SAs (by start) remembered per pair; older ones leave only counts
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


@dataclass(slots=True, order=True)
class _Attempt:
    """One SA of a peer pair, as much as the pair's status needs.

    kind: "up" (came up), "faulty" (came up, but its root cause is an error: the peer
    stopped answering, the CHILD SA was refused, ...), "failed", or "open" (no verdict:
    the capture ends inside it, or it began before the capture).
    """

    start: float
    input: int
    sa: int
    kind: str = field(compare=False)
    up_at: float | None = field(compare=False)  # when it came up
    end: float = field(compare=False)  # its last message
    deleted: bool = field(compare=False)
    clean: bool = field(compare=False)  # nothing worse than info was found on it
    code: str | None = field(compare=False)  # its root cause, if any


def _attempt(sa_doc: dict[str, Any]) -> _Attempt | None:
    outcome, rc = sa_doc["outcome"], sa_doc["root_cause"]
    if outcome == "restarted":
        return None  # the first half of a retry (COOKIE, INVALID_KE_PAYLOAD): its successor carries the verdict
    severity = rc["severity"] if rc else None
    if came_up(sa_doc):
        kind = "faulty" if severity == "error" else "up"
    else:
        kind = "failed" if outcome == "failed" else "open"
    start, tte = sa_doc["start"], sa_doc["time_to_establish"]
    return _Attempt(start, sa_doc["input"], sa_doc["id"], kind,
                    start + (tte or 0.0) if kind in ("up", "faulty") else None, start + sa_doc["duration"],
                    outcome == "deleted", severity in (None, "info"), rc["code"] if rc else None)


def _ref(a: _Attempt) -> dict[str, int]:
    return {"input": a.input, "sa": a.sa}


@dataclass(slots=True)
class PeerPair:
    """What the SAs between two peers add up to: the tunnel's state at the end of the input.

    Only the ``PAIR_HISTORY`` latest SAs (by start) are kept: an SA that starts earlier
    than all of them leaves only a count, whatever order the SAs close in, so the counts
    stay exact and the memory fixed.
    """

    peers: tuple[str, str]  # as the first SA seen named them: initiator, responder
    sas: int = 0
    failed: int = 0
    history: list[_Attempt] = field(default_factory=list)
    older_failed: int = 0  # failed attempts among those no longer kept

    def add(self, attempt: _Attempt | None) -> None:
        self.sas += 1
        if attempt is None:
            return
        if attempt.kind == "failed":
            self.failed += 1
        bisect.insort(self.history, attempt)
        if len(self.history) > PAIR_HISTORY and self.history.pop(0).kind == "failed":
            self.older_failed += 1

    def status(self) -> dict[str, Any]:
        """The pair's state at the end: "up" (since when, after how many failed attempts),
        "faulty" (the last SA to come up has an error), "down" (it came up and was deleted)
        or "never_up"."""
        h = self.history
        last_fail = next((a for a in reversed(h) if a.kind == "failed"), None)
        out: dict[str, Any] = {"peers": list(self.peers), "sas": self.sas, "failed": self.failed,
                               "last_failure": None if last_fail is None else
                               {**_ref(last_fail), "time": last_fail.start, "code": last_fail.code}}
        live = [i for i, a in enumerate(h) if a.kind == "up" and not a.deleted]
        if live:
            i = live[-1]
            # Back over clean SAs that handed over to the next one (rekeys, reauthentication):
            # the tunnel has been up since the first of them.
            while i > 0 and h[i - 1].kind == "up" and h[i - 1].clean and \
                    (not h[i - 1].deleted or h[i - 1].end >= h[i].start):
                i -= 1
            status, ref = "up", h[i]
            since = ref.up_at
        else:
            came = [a for a in h if a.kind in ("up", "faulty")]
            if not came:
                return {**out, "status": "never_up", "since": None, "sa": None, "code": None,
                        "failed_before": self.failed, "failed_after": 0}
            ref = came[-1]
            status = "faulty" if ref.kind == "faulty" else "down"
            since = ref.up_at if status == "faulty" else ref.end
        before = self.older_failed + sum(1 for a in h if a.kind == "failed" and a.start < ref.start)
        return {**out, "status": status, "since": since, "sa": _ref(ref), "code": ref.code,
                "failed_before": before, "failed_after": self.failed - before}


class Summary:
    """Totals, groups and peer pairs of a whole report, fed one SA or capture finding at a time."""

    def __init__(self) -> None:
        self.sas = 0
        self.outcomes = dict.fromkeys(OUTCOMES, 0)
        self.findings = dict.fromkeys(SEVERITIES, 0)
        self._groups: dict[tuple[str, str, str], Group] = {}
        self._pairs: dict[tuple[str, str], PeerPair] = {}
        self.untracked_pairs_sas = 0  # SAs of pairs beyond MAX_PAIRS, which get no status

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
        self._add_pair(sa_doc, peers)
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

    def _add_pair(self, sa_doc: dict[str, Any], peers: tuple[str, str]) -> None:
        key = (peers[0], peers[1]) if peers[0] <= peers[1] else (peers[1], peers[0])
        pair = self._pairs.get(key)
        if pair is None:
            if len(self._pairs) >= MAX_PAIRS:
                self.untracked_pairs_sas += 1
                return
            pair = self._pairs[key] = PeerPair(peers)
        pair.add(_attempt(sa_doc))

    def peer_pairs(self) -> list[dict[str, Any]]:
        """Every pair's status, in the order the pairs were first seen."""
        return [p.status() for p in self._pairs.values()]

    def groups(self) -> list[Group]:
        """Groups with more members than examples, the largest first."""
        shown = [g for g in self._groups.values() if g.count > GROUP_EXAMPLES]
        return sorted(shown, key=lambda g: (SEVERITIES.index(g.severity) if g.severity in SEVERITIES else 3,
                                            -g.count, g.code))

    def totals(self) -> dict[str, Any]:
        return {"sas": self.sas, "findings": dict(self.findings), "outcomes": dict(self.outcomes),
                "unpaired_sas": self.untracked_pairs_sas}
