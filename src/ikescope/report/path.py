"""An SA's path between two capture points, as report data and as text lines.

``path_dict`` is the ``path`` entry of an SA in the JSON report; the text and Markdown
renderers read it back (``path_lines``), so every format says the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ..diagnose.rules.path import describe, endpoint_mapping, median_delay
from ..track.path import MessagePath


def _status(mp: MessagePath) -> str:
    lost = sum(mp.lost)
    if lost and mp.passed:
        return "partly_lost"
    if lost:
        return "lost"
    return "passed" if mp.passed else "outside"


def message_dict(mp: MessagePath) -> dict[str, Any]:
    flows = [sorted(f) for f in mp.flows]
    return {
        "message": describe(mp),
        "status": _status(mp),
        "copies": [len(mp.frames[0]), len(mp.frames[1])],
        "passed": mp.passed,
        "lost": list(mp.lost),
        "lost_frames": [list(mp.lost_frames[0]), list(mp.lost_frames[1])],
        "outside": mp.outside,
        "delay": median_delay(mp),
        "frames": [list(mp.frames[0]), list(mp.frames[1])],
        "packets": [list(mp.packets[0]), list(mp.packets[1])],
        "fragmented": bool(mp.passed) and sorted(set(mp.packets[0])) != sorted(set(mp.packets[1])),
        "flows": flows,
        "rewritten": bool(mp.passed) and bool(flows[0]) and bool(flows[1]) and flows[0] != flows[1],
    }


def path_dict(messages: list[MessagePath], points: tuple[str, str], offset: float,
              omitted: int = 0) -> dict[str, Any]:
    """The ``path`` of an SA's report entry: the two points (their inputs' names), the clock
    offset (the second point's clock minus the first's), every message's fate, and how many
    copies of messages past the ones listed were left out (``track.path.MAX_MESSAGES``)."""
    return {"points": list(points), "clock_offset": round(offset, 6),
            "messages": [message_dict(mp) for mp in messages], "omitted": omitted}


def _copies(n: int) -> str:
    return f"{n} cop{'y' if n == 1 else 'ies'}"


def message_text(m: dict[str, Any], points: list[str]) -> str:
    """One message's fate in words (``points``: the two points' short names)."""
    parts = []
    if m["passed"]:
        delay = f", {m['delay'] * 1000:.1f} ms apart" if m["delay"] is not None else ""
        parts.append(f"{_copies(m['passed'])} seen at both points{delay}")
    for point, n in enumerate(m["lost"]):
        if n:
            parts.append(f"{_copies(n)} LOST: seen at {points[point]}, never at {points[1 - point]}")
    if m["outside"]:
        parts.append(f"{_copies(m['outside'])} seen while only one point was capturing")
    if m["fragmented"] or any(p > 1 for side in m["packets"] for p in side):
        how = "fragmented differently in between, " if m["fragmented"] else ""
        parts.append(f"{how}IP packets per copy: " + ", ".join(
            f"{'/'.join(map(str, side)) or 'none'} at {points[i]}" for i, side in enumerate(m["packets"])))
    if m["rewritten"]:
        parts.append("rewritten")
    return f"{m['message']}: " + "; ".join(parts)


def mapping(path: dict[str, Any]) -> list[tuple[str, str]]:
    """(address:port at the first point, at the second) of what is rewritten in between."""
    return endpoint_mapping((m["flows"][0][0], m["flows"][1][0]) for m in path["messages"]
                            if m["rewritten"] and len(m["flows"][0]) == 1 and len(m["flows"][1]) == 1)


def path_lines(path: dict[str, Any] | None) -> Iterable[str]:
    """The path section of an SA in text: a head line, the NAT mapping, one line per message
    (those indented by two spaces)."""
    if not path:
        return
    points = [os.path.basename(p) or p for p in path["points"]]
    yield f"path between {points[0]} and {points[1]} (clock offset {path['clock_offset']:+.3f} s):"
    for a, b in mapping(path):
        yield f"  NAT in between: {a} at {points[0]} is {b} at {points[1]}"
    for m in path["messages"]:
        yield "  " + message_text(m, points)
    if path["omitted"]:
        yield f"  ({path['omitted']} copies of further messages are not listed)"
