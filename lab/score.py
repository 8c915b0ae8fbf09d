"""How well ikescope's diagnosis matches the lab's labels, with and without the key tables.

For each labelled capture in pcaps/: the root cause ikescope names first against the label's,
and, for negotiations that came up as configured, the error findings it raises (there should
be none). Causes the label marks as invisible on the wire are not counted as misses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab import labels


@dataclass
class Score:
    """Counts for one reading (without or with keys)."""

    failures: int = 0
    right_first: int = 0
    listed: int = 0  # the label is the first finding or one of the other causes it lists
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (capture, label, named first)
    successes: int = 0
    errors_on_success: list[tuple[str, str]] = field(default_factory=list)  # (capture, code)


def _analyze(out: Path, label: dict[str, Any], keys: bool) -> Any:
    from ikescope import api
    from ikescope.crypto.keys import load_key_files
    tables = [out / t for t in label.get("key_tables") or ()] if keys else []
    settings = api.Settings(keys=load_key_files(tables)) if tables else api.Settings()
    return api.analyze([out / label["file"]], settings)


def score(out: Path, keys: bool) -> Score:
    s = Score()
    for label in labels.load(out)["captures"]:
        if keys and not label.get("key_tables"):
            continue
        report = _analyze(out, label, keys)
        cause = label["root_cause"]
        if cause is None or not label["cause_on_wire"]:
            if cause is None:
                s.successes += 1
                s.errors_on_success += [(label["file"], f.code) for f in report.findings()
                                        if f.severity.value == "error"]
            continue
        s.failures += 1
        # the first finding of each SA: the root cause, or on a tunnel that came up its top remark
        tops = [r.findings[0] for r in report.results if r.findings]
        if cause in {f.code for f in tops}:
            s.right_first += 1
            s.listed += 1
            continue
        if cause in {a.code for f in tops for a in f.alternatives}:
            s.listed += 1
        s.misses.append((label["file"], cause, ", ".join(f.code for f in tops) or "nothing"))
    return s


def render(out: Path) -> str:
    lines = ["| reading | labelled failures | label named first | label first or among the other causes listed "
             "| successes | error findings on successes |",
             "|---|--:|--:|--:|--:|--:|"]
    details = []
    for keys in (False, True):
        s = score(out, keys)
        name = "with the key tables" if keys else "without keys"
        lines.append(f"| {name} | {s.failures} | {s.right_first} | {s.listed} | {s.successes} | "
                     f"{len(s.errors_on_success)} |")
        details += [f"- {name}: {f}: label {want}, named first {got}" for f, want, got in s.misses]
        details += [f"- {name}: {f}: error {code} on a negotiation that worked" for f, code in s.errors_on_success]
    return "\n".join(lines + ([""] + details if details else [])) + "\n"
