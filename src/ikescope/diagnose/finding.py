"""Findings and the catalog entries they cite.

A ``Finding`` carries only what is particular to one occurrence: the SA, the
exchange, the frames, a one-line summary and how sure it is. The general text
(explanation, what to check, how gateways log it) lives once in the
``CatalogEntry`` of its code, so every report, page of ``docs/findings.md`` and
JSON record says the same thing about the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..model import Severity
from ..track.records import MessageRef


class Confidence(str, Enum):
    """certain: a clear notify or decode says so; likely: the message pattern says so;
    possible: one explanation among others."""

    CERTAIN = "certain"
    LIKELY = "likely"
    POSSIBLE = "possible"


@dataclass(frozen=True, slots=True)
class VendorRef:
    """How a gateway words the same condition in its own log.

    vendor: "Huawei", "ZyWALL", "Clavister" (see ../shared/seeds for the sources).
    text: the log line, message or reason code as the gateway shows it.
    """

    vendor: str
    text: str


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One finding code. ``supporting`` marks symptoms (retransmissions, silence)
    that another finding on the same SA usually explains; the report ranks them
    below the root cause."""

    code: str
    severity: Severity
    title: str
    explanation: str
    wire: str
    remedy: str
    vendor_refs: tuple[VendorRef, ...] = ()
    versions: tuple[int, ...] = (1, 2)
    supporting: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """One packet that shows the finding, with what to look at in it."""

    frame: int
    ts: float
    text: str
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another cause that fits a finding's evidence (see ``differential``): what it is, why the
    packets fit it too, and what would tell it apart. ``code``: the finding it would be, if any."""

    cause: str
    why: str
    tell_apart: str
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    confidence: Confidence
    summary: str
    evidence: tuple[Evidence, ...]
    sa: int | None = None
    exchange: int | None = None
    confidence_reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    supporting: bool = False
    root_cause: bool = False
    alternatives: tuple[Alternative, ...] = ()  # other causes that fit, most plausible first
    inferred_config: Mapping[str, Any] | None = None  # the setting that fixes a failed SA's root cause (``infer``)
    # the evidence's frames, sorted (ranking reads them often, so they are worked out once)
    frames: tuple[int, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "frames", tuple(sorted({e.frame for e in self.evidence})))


def evidence(m: MessageRef, text: str, offset: int | None = None) -> Evidence:
    return Evidence(frame=m.frame, ts=m.ts, text=text, offset=offset)


def make(entry: CatalogEntry, confidence: Confidence, summary: str, ev: Iterable[Evidence], *,
         sa: int | None = None, exchange: int | None = None, reason: str = "",
         details: Mapping[str, Any] | None = None, severity: Severity | None = None) -> Finding:
    """A finding of ``entry``'s code; ``severity`` overrides the catalog's when the
    same condition matters less in this occurrence (a DH retry that succeeded)."""
    return Finding(code=entry.code, severity=severity or entry.severity, confidence=confidence, summary=summary,
                   evidence=tuple(ev), sa=sa, exchange=exchange, confidence_reason=reason,
                   details=dict(details or {}), supporting=entry.supporting)
