"""The library surface: composes the pipeline stages for the CLI and for scripts.

Each function here only wires generators together (capture -> net -> wire ->
...); every stage stays a streaming generator, so the same chain serves a
file and, later, a live interface.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import parallel, sequence
from .capture.rotated import RotatedCapture, first_frame
from .capture.pcapfile import CaptureReader, open_capture
from .crypto.decrypt import Decryptor
from .crypto.keys import KeyStore
from .diagnose.context import DiagnoseSettings
from .diagnose.engine import Diagnoser
from .diagnose.rules import capture as capture_rules
from .model import Datagram, Frame, NetEvent, Tick
from .errors import CaptureError
from .report.model import (CaptureFinding, Event, InputEnded, InputFailed, InputRecord, InputStarted, Report,
                           SaResult)
from .net import Demux
from .track.records import SaRecord
from .track.fragments import V1Defragmenter, fragment_of
from .track.tracker import Tracker, TrackerSettings
from .wire.decode import decode_message
from .wire.message import Decoded


class Messages:
    """Datagrams to decoded messages: decode, join IKEv1 fragments, decrypt.

    ``feed`` returns what a consumer should see for one datagram: for the
    tracker (``whole_only``) a fragment is held back and its joined message
    comes when the set is complete; for ``decode`` every fragment is shown as
    it was on the wire, followed by the joined message.
    """

    def __init__(self, keys: KeyStore | None = None, whole_only: bool = True, join: bool = True) -> None:
        self._decryptor = Decryptor(keys) if keys else None
        self._defrag = V1Defragmenter() if join else None
        self._whole_only = whole_only

    def _open(self, dg: Datagram, dec: Decoded) -> tuple[Datagram, Decoded]:
        return dg, (self._decryptor.process(dg, dec) if self._decryptor is not None else dec)

    def feed(self, dg: Datagram) -> list[tuple[Datagram, Decoded]]:
        dec = decode_message(dg.payload)
        if self._defrag is None:
            return [self._open(dg, dec)]
        fragment, done = self._defrag.feed(dg, dec)
        out = [] if fragment and self._whole_only else [self._open(dg, dec)]
        return out + [self._open(d, m) for d, m in done if not (self._whole_only is False and fragment_of(m))]

    def flush(self) -> list[tuple[Datagram, Decoded]]:
        """Pieces of unfinished fragment sets (already shown when every fragment is shown)."""
        if self._defrag is None or not self._whole_only:
            return []
        return [self._open(d, m) for d, m in self._defrag.flush()]

    def limit_events(self) -> list[NetEvent]:
        """What the fragment joiner and the decryptor let go to stay within their caps (``limits``)."""
        return ((self._defrag.limit_events() if self._defrag is not None else [])
                + (self._decryptor.limit_events() if self._decryptor is not None else []))


def decode_frames(frames: Iterable[Frame], demux: Demux | None = None, keys: KeyStore | None = None,
                  fragments: bool = False, join: bool = True) -> Iterator[tuple[Datagram, Decoded]]:
    """Every IKE message carried by ``frames``, decoded (and decrypted where ``keys`` open it), in capture
    order. IKEv1 fragments are joined into the message they carry; with ``fragments`` each fragment is
    also yielded as it was on the wire, before the joined message; ``join=False`` yields exactly the
    messages on the wire (fragments as they are, nothing joined)."""
    dm = demux if demux is not None else Demux(esp_events=False)
    stage = Messages(keys, whole_only=not fragments and join, join=join)
    for frame in frames:
        for item in dm.feed(frame):
            if isinstance(item, Datagram):
                yield from stage.feed(item)
    for item in dm.flush():
        if isinstance(item, Datagram):
            yield from stage.feed(item)
    yield from stage.flush()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that tunes an analysis, gathered so the CLI fills one object."""

    tracker: TrackerSettings = field(default_factory=TrackerSettings)
    diagnose: DiagnoseSettings = field(default_factory=DiagnoseSettings)
    keys: KeyStore | None = None  # opens encrypted messages of the SAs it holds keys for


class DecodeRun:
    """One capture file being decoded: iterate it for (Datagram, Decoded) pairs,
    then ask ``info()`` for what the capture and network layers counted."""

    def __init__(self, path: str | Path, keys: KeyStore | None = None, fragments: bool = False,
                 join: bool = True) -> None:
        self.path = str(path)
        self._reader = open_capture(path)
        self._demux = Demux(esp_events=False)  # only IKE is decoded; ESP is counted
        self._keys = keys
        self._fragments = fragments
        self._join = join
        self._messages = 0
        self.last_ts: float | None = None  # time of the last frame read, IKE or not

    def __iter__(self) -> Iterator[tuple[Datagram, Decoded]]:
        for pair in decode_frames(self._timed(), self._demux, self._keys, self._fragments, self._join):
            self._messages += 1
            yield pair

    def _timed(self) -> Iterator[Frame]:
        for frame in self._reader:
            self.last_ts = frame.ts
            yield frame

    def info(self) -> dict[str, Any]:
        stats = dict(self._demux.stats)
        return {
            "frames": stats.get("frames", 0),
            "ike_messages": self._messages,
            "truncated": bool(getattr(self._reader, "truncated", False)),
            "truncated_detail": getattr(self._reader, "truncated_detail", "") or "",
            "net": stats,
        }


def decode_file(path: str | Path, keys: KeyStore | None = None, fragments: bool = False,
                join: bool = True) -> DecodeRun:
    """Open ``path`` (raises CaptureError if it is not a readable capture) for decoding; see
    ``decode_frames`` for ``fragments`` and ``join``."""
    return DecodeRun(path, keys, fragments, join)


class Pipeline:
    """The whole chain after the capture, fed one frame (or clock tick) at a time: sans-I/O,
    so a file, a pipe and a live interface drive it alike.

    ``feed`` and ``finish`` return the SA results and capture-level findings they
    complete; ``record`` counts what passed, for the report's input summary.
    """

    def __init__(self, settings: Settings | None = None, input_index: int = 0,
                 record: InputRecord | None = None) -> None:
        st = settings or Settings()
        self.input = input_index
        self.record = record if record is not None else InputRecord(path="")
        self._demux = Demux()  # ESP comes as sampled evidence that CHILD SAs carry traffic
        self._tracker = Tracker(st.tracker)
        self._diag = Diagnoser(st.diagnose)
        self._stage = Messages(st.keys)

    @property
    def open_sas(self) -> int:
        return self._tracker.open_count

    def feed(self, frame: Frame | Tick) -> list[SaResult | CaptureFinding]:
        out: list[SaResult | CaptureFinding] = []
        if type(frame) is Tick:
            self._closed(self._tracker.tick(frame.ts), out)
            return out
        rec = self.record
        rec.frames += 1
        if rec.first_ts is None:
            rec.first_ts = frame.ts
        rec.last_ts = frame.ts
        self._items(self._demux.feed(frame), out)  # type: ignore[arg-type]
        return out

    def net_event(self, ev: NetEvent) -> list[SaResult | CaptureFinding]:
        """A network-level event from outside the frames (the capture's own drops)."""
        out: list[SaResult | CaptureFinding] = []
        self._items([ev], out)
        return out

    def finish(self) -> list[SaResult | CaptureFinding]:
        """End of input: what the network layer and the fragment joiner still hold, then every open SA."""
        out: list[SaResult | CaptureFinding] = []
        self._items(self._demux.flush(), out)
        self._messages(self._stage.flush(), out)
        # The last frame of any kind dates the end of the capture: quiet after an SA's last
        # message is only silence if the capture was still running.
        self._closed(self._tracker.close_all(self.record.last_ts), out)
        for ev in self._stage.limit_events() + self._tracker.limit_events():
            out.extend(CaptureFinding(self.input, f) for f in self._diag.net_event(ev))
        self.record.net = dict(self._demux.stats)
        return out

    def _closed(self, sas: list[SaRecord], out: list) -> None:
        for sa in sas:
            out.append(SaResult(self.input, sa, self._diag.sa_closed(sa)))

    def _messages(self, pairs: list[tuple[Datagram, Decoded]], out: list) -> None:
        for dg, decoded in pairs:
            if decoded.message is None:
                out.extend(CaptureFinding(self.input, f) for f in self._diag.orphan_message(dg, decoded))
            self._closed(self._tracker.feed(dg, decoded), out)

    def _items(self, batch: Iterable[Datagram | NetEvent], out: list) -> None:
        for item in batch:
            if isinstance(item, Datagram):
                self.record.ike_messages += 1
                self._messages(self._stage.feed(item), out)
            else:
                self._closed(self._tracker.net_event(item), out)
                out.extend(CaptureFinding(self.input, f) for f in self._diag.net_event(item))


def analyze_frames(frames: Iterable[Frame | Tick], input_index: int = 0, record: InputRecord | None = None,
                   settings: Settings | None = None) -> Iterator[SaResult | CaptureFinding]:
    """The whole chain on one stream of frames: SA results as each SA closes, and
    capture-level findings (network faults, undecodable messages) as they occur.

    ``record`` is filled in as frames pass, for the report's input summary.
    """
    pipe = Pipeline(settings, input_index, record)
    for frame in frames:
        yield from pipe.feed(frame)
    yield from pipe.finish()


PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # smaller captures are analysed in one process by default
ProgressHook = Callable[[str, int, "int | None"], None]
PROGRESS_EVERY = 8192  # frames between two progress reports


def _with_progress(reader: CaptureReader | RotatedCapture, path: str, hook: ProgressHook | None) -> Iterator[Frame]:
    if hook is None:
        yield from reader
        return
    for n, frame in enumerate(reader, 1):
        if n % PROGRESS_EVERY == 0:
            hook(path, *reader.progress())
        yield frame


def _open_all(paths: Iterable[str | Path], keep_going: bool) -> list[tuple[str, CaptureReader | CaptureError]]:
    out: list[tuple[str, CaptureReader | CaptureError]] = []
    for p in paths:
        try:
            out.append((str(p), open_capture(p)))
        except CaptureError as exc:
            if not keep_going:
                for _, reader in out:
                    if isinstance(reader, CaptureReader):
                        reader.close()
                raise
            out.append((str(p), exc))
    return out


def _open_rotated(paths: Iterable[str | Path], keep_going: bool
                  ) -> list[tuple[str, RotatedCapture | CaptureError]]:
    """The sequences of rotated pieces (``sequence``), then the files that are no captures, as
    ``_open_all`` gives them. Every piece's first frame is read here, to order the pieces."""
    found: list[tuple[str, float | None]] = []
    failed: list[tuple[str, RotatedCapture | CaptureError]] = []
    for p in paths:
        try:
            found.append((str(p), first_frame(str(p))))
        except CaptureError as exc:
            if not keep_going:
                raise
            failed.append((str(p), exc))
    return [(seq.label, RotatedCapture(seq.files)) for seq in sequence.group(found)] + failed


def input_names(paths: Iterable[str | Path], rotated: bool = False) -> list[str]:
    """What ``run`` names its inputs, in its order, so a report can name them before they start."""
    if not rotated:
        return [str(p) for p in paths]
    return [name for name, _ in _open_rotated(paths, keep_going=True)]


def run(paths: Iterable[str | Path], settings: Settings | None = None,
        progress: ProgressHook | None = None, jobs: int | None = 1,
        ladder: Callable[[SaRecord], list[str]] | None = None, keep_going: bool = False,
        rotated: bool = False) -> Iterator[Event]:
    """Analyse capture files as a stream of events: each input's start, every SA as it
    closes, capture-level findings, each input's end with its counts. Nothing is kept
    once handed on, so a capture of any length runs in bounded memory.

    Every file is opened before the first event, so a wrong name is known before any
    output: it raises CaptureError, or with ``keep_going`` becomes an ``InputFailed``
    event in its place and the other files are analysed. ``progress(path, bytes_read,
    size)`` is called now and then while a file is read.

    ``jobs``: processes to spread each capture over (``parallel``); None picks the
    machine's cores for captures of at least ``PARALLEL_MIN_BYTES`` and one process
    for smaller ones, where starting workers costs more than it saves. With several
    processes SAs and capture findings arrive already rendered (``SaRendered``,
    ``FindingRendered``), their ladders drawn by ``ladder``.

    ``rotated``: the files are pieces of rotated captures (``sequence``): those of one
    directory are one input, read in the order of their first frames, with frames numbered
    across the pieces.
    """
    st = settings or Settings()
    readers = _open_rotated(paths, keep_going) if rotated else _open_all(paths, keep_going)
    sizes = [reader.progress()[1] or 0 for _, reader in readers if not isinstance(reader, CaptureError)]
    if jobs is None:
        jobs = (os.cpu_count() or 1) if any(size >= PARALLEL_MIN_BYTES for size in sizes) else 1
    pool = parallel.Pool(jobs) if jobs > 1 else None
    try:
        for index, (path, reader) in enumerate(readers):
            if isinstance(reader, CaptureError):
                yield InputFailed(index, InputRecord(path=path, error=str(reader)))
                continue
            rec = InputRecord(path=path)
            yield InputStarted(index, path)
            frames = _with_progress(reader, path, progress)
            if pool is not None:
                yield from parallel.analyze_frames(pool, frames, index, rec, st, ladder)
            else:
                yield from analyze_frames(frames, index, rec, st)
            rec.truncated = bool(getattr(reader, "truncated", False))
            rec.truncated_detail = getattr(reader, "truncated_detail", "") or ""
            if rec.truncated:
                yield cut_short(index, rec, getattr(reader, "truncated_kind", ""))
            yield InputEnded(index, rec)
    finally:
        if pool is not None:
            pool.close()


def cut_short(index: int, rec: InputRecord, kind: str) -> CaptureFinding:
    """The finding that input ``index`` was read only up to its last whole frame."""
    return CaptureFinding(index, capture_rules.cut_short(rec.truncated_detail, kind, rec.frames, rec.last_ts))


def analyze(paths: Iterable[str | Path], settings: Settings | None = None,
            progress: ProgressHook | None = None) -> Report:
    """Analyse capture files into one report held in memory (see ``run`` for large captures)."""
    report = Report()
    for event in run(paths, settings, progress):
        report.add(event)
    return report


def track(pairs: Iterable[tuple[Datagram, Decoded]], settings: TrackerSettings | None = None) -> Iterator[SaRecord]:
    """IKE SAs rebuilt from decoded messages, each yielded when it closes (idle or end of input)."""
    tracker = Tracker(settings)
    for dg, dec in pairs:
        yield from tracker.feed(dg, dec)
    # A file's last frame, IKE or not, is when the capture stopped: quiet before it was silence.
    yield from tracker.close_all(pairs.last_ts if isinstance(pairs, DecodeRun) else None)
