"""Runs the rules and ranks what they find.

Rules:
1. A rule only reads: the SA record, its context, a network event. It returns
   findings and changes nothing, so rules can run in any order.
2. Per SA, the root cause is the most severe, most certain finding that is not
   a mere symptom (``supporting``); retransmissions and silence caused by a
   mismatch are kept as evidence under it, not as headlines.
3. Memory: the context keeps a bounded history of SAs per peer pair, nothing else.
4. Traffic outranks inference: ESP seen both ways between the peers after the SA came up
   proves a CHILD SA works, so guesses (not certainties) that NAT traversal or the CHILD SA
   failed are dropped.
5. A probe is not a negotiation: on an SA a scanner started, its probe finding replaces the
   audit and the cross-SA inferences that would read it as a tunnel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from ..model import Datagram, NetEvent, Severity
from ..track.records import SaRecord
from ..wire.message import Decoded
from .context import DiagnoseSettings, RuleContext
from . import infer
from .differential import differential
from .finding import CatalogEntry, Confidence, Finding, evidence, make
from .rules import MESSAGE_RULES, NET_RULES, SA_RULES

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_CONFIDENCE_RANK = {Confidence.CERTAIN: 0, Confidence.LIKELY: 1, Confidence.POSSIBLE: 2}


def rank_key(f: Finding) -> tuple:
    """Severity, then causes before symptoms, then confidence; among equals the finding that
    accounts for more of the exchange (more frames: a request and the peer's answer) first."""
    return (_SEVERITY_RANK[f.severity], f.supporting, _CONFIDENCE_RANK[f.confidence], -len(f.frames),
            f.frames[0] if f.frames else 0, f.code)


def rank(findings: Iterable[Finding]) -> list[Finding]:
    """Order one SA's findings and mark the root cause (rule 2)."""
    ordered = sorted(findings, key=rank_key)
    if ordered and ordered[0].severity is not Severity.INFO:
        ordered[0] = replace(ordered[0], root_cause=True)
    return ordered


# Inferred failures that ESP flowing both ways disproves (rule 4).
ESP_CONTRADICTS = frozenset({"ike.nat_t_unsupported", "ike.nat_no_float", "ike.child_sa_rejected"})

# What a probe's own finding says better (rule 5): the audit of what the answer gave away, and
# inferences that take the probe for a negotiation (a second mode, another version, a loop).
PROBE_SUBSUMES = frozenset({"ike.weak_crypto", "ike.aggressive_psk", "ike.exchange_mode_mismatch",
                            "ike.version_mismatch", "ike.negotiation_loop", "ike.no_response"})

RULE_ERROR = CatalogEntry(
    code="ikescope.rule_error",
    severity=Severity.WARNING,
    title="A diagnosis rule failed on this SA",
    explanation="One of ikescope's rules hit an internal error while judging this SA, so a finding may be "
                "missing. The other rules ran normally.",
    wire="Nothing on the wire: this is a defect in ikescope.",
    remedy="Please report it with the capture (or the frames named) so the rule can be fixed.",
)


def _rule_failed(rule: Callable, exc: Exception, sa: SaRecord) -> Finding:
    first = sa.messages[0] if sa.messages else None
    ev = [evidence(first, "first message of the SA")] if first else []
    return make(RULE_ERROR, Confidence.CERTAIN, f"rule {rule.__name__} failed: {type(exc).__name__}: {exc}",
                ev, sa=sa.id)


class Diagnoser:
    """Feed it closed SAs, net events and orphan messages; it returns findings."""

    def __init__(self, settings: DiagnoseSettings | None = None,
                 sa_rules: Iterable[Callable] = SA_RULES) -> None:
        self.context = RuleContext(settings or DiagnoseSettings())
        self._sa_rules = tuple(sa_rules)

    def sa_closed(self, sa: SaRecord, extra: Iterable[Finding] = ()) -> list[Finding]:
        """The SA's ranked findings; ``extra``: findings from outside the rules (two capture
        points' view of the path) ranked with them."""
        found: list[Finding] = list(extra)
        for rule in self._sa_rules:
            try:
                found.extend(rule(sa, self.context))
            except Exception as exc:  # noqa: BLE001 - a rule bug must not end the analysis
                found.append(_rule_failed(rule, exc, sa))
        if sa.esp and sa.esp_both_ways(sa.established_ts):
            found = [f for f in found if f.code not in ESP_CONTRADICTS or f.confidence is Confidence.CERTAIN]
        if any(f.code == "ike.probe" for f in found):
            found = [f for f in found if f.code not in PROBE_SUBSUMES]
        ranked = infer.attach(sa, differential(sa, rank(found), self.context), self.context)
        self.context.remember(sa)
        return ranked

    def net_event(self, ev: NetEvent) -> list[Finding]:
        return [f for rule in NET_RULES for f in rule(ev)]

    def orphan_message(self, dg: Datagram, decoded: Decoded) -> list[Finding]:
        """A message the tracker could not place in an SA (no header, unknown version)."""
        return [f for rule in MESSAGE_RULES for f in rule(dg, decoded)]
