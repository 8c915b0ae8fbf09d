"""Capture sequences: the files of one capture point, in the order they were captured.

A fleet of gateways leaves many rotated captures side by side. Each capture
point (a gateway's link) is one sequence, analysed as one stream so that an
SA spanning a rotation is one SA. This module only decides which file belongs
to which sequence and in what order; the files are looked at by ``capture``.

- The capture point of a file is its directory (``captures/gw07/ike.pcap3``
  belongs to ``gw07``), or, with a pattern, what the pattern picks out of the
  file name: its group named ``point``, else its first group, else the whole
  match (``--group '^(gw\\d+)-'`` on ``gw07-0003.pcap``).
- A sequence is ordered by the time of each file's first frame, never by the
  name, which lies once a ring of files has wrapped; equal times fall back to
  the name, and files without a frame go last.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import IkescopeError


@dataclass(frozen=True, slots=True)
class Sequence:
    """One capture point's files, oldest first.

    name: the capture point, as reports name it.
    """

    name: str
    files: tuple[str, ...]

    @property
    def label(self) -> str:
        """How a report of files names the sequence: its only file, or its first and last, the
        last without the directory they share (``caps/ike.pcap3 .. ike.pcap2``), so that the
        short name of the input is that of its files."""
        if len(self.files) == 1:
            return self.files[0]
        return f"{self.files[0]} .. {os.path.basename(self.files[-1])}"


def point_of(path: str, pattern: re.Pattern[str] | None) -> str | None:
    """The capture point a file belongs to (None: its name does not match ``pattern``)."""
    if pattern is None:
        return os.path.dirname(path)
    m = pattern.search(os.path.basename(path))
    if m is None:
        return None
    if "point" in pattern.groupindex:
        return m.group("point")
    return m.group(1) if pattern.groups else m.group(0)


def group(files: Iterable[tuple[str, float | None]], pattern: re.Pattern[str] | None = None) -> list[Sequence]:
    """(path, time of its first frame) pairs as sequences, one per capture point, sorted by name.

    Raises IkescopeError naming the files that ``pattern`` does not place: guessing a capture
    point for them would mix two gateways' traffic in one stream.
    """
    points: dict[str, list[tuple[str, float | None]]] = {}
    unplaced = []
    for path, first in files:
        point = point_of(path, pattern)
        if point is None:
            unplaced.append(path)
        else:
            points.setdefault(point, []).append((path, first))
    if unplaced:
        shown = ", ".join(unplaced[:3]) + (f" and {len(unplaced) - 3} more" if len(unplaced) > 3 else "")
        raise IkescopeError(f"--group {pattern.pattern if pattern else ''!s} matches no capture point in: {shown}")
    names = _short_names(list(points)) if pattern is None else {p: p for p in points}
    return sorted((Sequence(names[point], tuple(path for path, _ in sorted(members, key=_by_time)))
                   for point, members in points.items()), key=lambda s: s.name)


def _by_time(member: tuple[str, float | None]) -> tuple[bool, float, str]:
    path, first = member
    return (first is None, first if first is not None else 0.0, path)


def _short_names(dirs: list[str]) -> dict[str, str]:
    """Directories named from below what they have in common: ``captures/gw01`` and
    ``captures/gw02`` are ``gw01`` and ``gw02``; a lone directory keeps its last part."""
    if len(dirs) < 2:
        return {d: os.path.basename(os.path.normpath(d)) if d else "." for d in dirs}
    common = os.path.commonpath([os.path.abspath(d or ".") for d in dirs])
    return {d: os.path.relpath(os.path.abspath(d or "."), common) for d in dirs}
