"""The library surface: composes the pipeline stages for the CLI and for scripts.

Each function here only wires generators together (capture -> net -> wire ->
...); every stage stays a streaming generator, so the same chain serves a
file and, later, a live interface.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .capture.pcapfile import open_capture
from .model import Datagram, Frame
from .net import Demux
from .track.records import SaRecord
from .track.tracker import Tracker, TrackerSettings
from .wire.decode import decode_message
from .wire.message import Decoded


def decode_frames(frames: Iterable[Frame], demux: Demux | None = None) -> Iterator[tuple[Datagram, Decoded]]:
    """Every IKE message carried by ``frames``, decoded, in capture order."""
    dm = demux if demux is not None else Demux()
    for frame in frames:
        for item in dm.feed(frame):
            if isinstance(item, Datagram):
                yield item, decode_message(item.payload)
    for item in dm.flush():
        if isinstance(item, Datagram):
            yield item, decode_message(item.payload)


class DecodeRun:
    """One capture file being decoded: iterate it for (Datagram, Decoded) pairs,
    then ask ``info()`` for what the capture and network layers counted."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._reader = open_capture(path)
        self._demux = Demux()
        self._messages = 0

    def __iter__(self) -> Iterator[tuple[Datagram, Decoded]]:
        for pair in decode_frames(self._reader, self._demux):
            self._messages += 1
            yield pair

    def info(self) -> dict[str, Any]:
        stats = dict(self._demux.stats)
        return {
            "frames": stats.get("frames", 0),
            "ike_messages": self._messages,
            "truncated": bool(getattr(self._reader, "truncated", False)),
            "truncated_detail": getattr(self._reader, "truncated_detail", "") or "",
            "net": stats,
        }


def decode_file(path: str | Path) -> DecodeRun:
    """Open ``path`` (raises CaptureError if it is not a readable capture) for decoding."""
    return DecodeRun(path)


def track(pairs: Iterable[tuple[Datagram, Decoded]], settings: TrackerSettings | None = None) -> Iterator[SaRecord]:
    """IKE SAs rebuilt from decoded messages, each yielded when it closes (idle or end of input)."""
    tracker = Tracker(settings)
    for dg, dec in pairs:
        yield from tracker.feed(dg, dec)
    yield from tracker.close_all()
