"""The library surface: composes the pipeline stages for the CLI and for scripts.

Each function here only wires generators together (capture -> net -> wire ->
...); every stage stays a streaming generator, so the same chain serves a
file and, later, a live interface.
"""

from __future__ import annotations

import heapq
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
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
from .diagnose.rules.path import path_findings
from .diagnose.finding import Finding
from .model import Datagram, Frame, NetEvent, Tick
from .errors import CaptureError
from .report.model import (CaptureFinding, Event, InputEnded, InputFailed, InputRecord, InputStarted, Report,
                           SaResult)
from .net import Demux
from .report.path import path_dict
from .track.path import DEFAULT_WINDOW, Passage, PathLog, PathMatcher, shared_messages, sighting
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


PathHook = Callable[[SaRecord], "tuple[list[Finding], dict[str, Any] | None]"]


class Pipeline:
    """The whole chain after the capture, fed one frame (or clock tick) at a time: sans-I/O,
    so a file, a pipe and a live interface drive it alike.

    ``feed`` and ``finish`` return the SA results and capture-level findings they
    complete; ``record`` counts what passed, for the report's input summary.
    """

    def __init__(self, settings: Settings | None = None, input_index: int = 0,
                 record: InputRecord | None = None, path: PathHook | None = None) -> None:
        st = settings or Settings()
        self.input = input_index
        self._path = path
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
            extra, path = self._path(sa) if self._path is not None else ([], None)
            out.append(SaResult(self.input, sa, self._diag.sa_closed(sa, extra), path))

    def feed_items(self, batch: Iterable[Datagram | NetEvent]) -> list[SaResult | CaptureFinding]:
        """Datagrams and network events read elsewhere (two capture points merged into one
        stream), instead of frames."""
        out: list[SaResult | CaptureFinding] = []
        self._items(batch, out)
        return out

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


class TwoPoints:
    """Two captures of the same negotiations at two points of their path, analysed as one
    (``track.path``): every SA once, with what became of each message between the points.

    Sans-I/O like ``Pipeline``: fed the frames of either point. The reader takes the next
    frame from the point whose next frame is earliest on point 0's clock (``on_zero_clock``,
    which follows the estimated clock offset), so the copies waiting for their twin stay
    within the matcher's window. Point 0's addresses, times and frame numbers describe the
    SA; a message seen only at point 1 is told in point 0's addresses through the NAT
    mapping the matched ones reveal, with point 1's frame numbers. Network-level events
    (ESP, ICMP, IP fragments that never completed) are taken from point 0.
    """

    def __init__(self, names: tuple[str, str], records: tuple[InputRecord, InputRecord],
                 settings: Settings | None = None, window: float = DEFAULT_WINDOW) -> None:
        self.names = names
        self.records = records
        self._demux = (Demux(), Demux())
        self._matcher = PathMatcher(window)
        st = settings or Settings()
        # twice the tracker's open SAs: room for entries of messages no SA takes (late copies)
        self._log = PathLog(max_sas=2 * st.tracker.max_open, max_kept=st.tracker.max_kept_messages)
        self._merged = InputRecord(path=names[0])  # what the chain after the matcher counts
        self._pipe = Pipeline(st, 0, self._merged, path=self._sa_path)
        self._net: deque[NetEvent] = deque()  # point 0's, held in time order with the messages
        self._last = float("-inf")
        # Settled messages wait here until no older copy is unsettled, so they reach the tracker in
        # time order: a copy seen at one point only settles a window after the ones seen at both.
        self._ready: list[tuple[float, int, Datagram]] = []
        self._seq = 0

    @property
    def offset(self) -> float:
        """Point 1's clock minus point 0's, as estimated so far."""
        return self._matcher.offset

    def on_zero_clock(self, point: int, ts: float) -> float:
        return self._matcher.on_zero_clock(point, ts)

    def feed(self, point: int, frame: Frame) -> list[SaResult | CaptureFinding]:
        rec = self.records[point]
        rec.frames += 1
        if rec.first_ts is None:
            rec.first_ts = frame.ts
        rec.last_ts = frame.ts
        return self._take(point, self._demux[point].feed(frame), frame.ts)

    def ended(self, point: int) -> list[SaResult | CaptureFinding]:
        """``point``'s capture has no more frames (the other may go on for long)."""
        return self._release(self._matcher.end(point), False)

    def finish(self) -> list[SaResult | CaptureFinding]:
        out: list[SaResult | CaptureFinding] = []
        for point in (0, 1):
            out += self._take(point, self._demux[point].flush(), None)
        out += self._release(self._matcher.finish(), True)
        ends = [self.records[0].last_ts, None if self.records[1].last_ts is None
                else self.on_zero_clock(1, self.records[1].last_ts)]
        self._merged.last_ts = max((t for t in ends if t is not None), default=None)
        out += self._pipe.finish()
        for point in (0, 1):
            self.records[point].net = dict(self._demux[point].stats)
        return out

    def _take(self, point: int, items: list[Datagram | NetEvent], ts: float | None
              ) -> list[SaResult | CaptureFinding]:
        passages: list[Passage] = []
        for item in items:
            if isinstance(item, Datagram):
                self.records[point].ike_messages += 1
                passages += self._matcher.feed(sighting(point, item))
            elif point == 0:
                self._net.append(item)
        if ts is not None:
            passages += self._matcher.tick(point, ts)
        return self._release(passages, False)

    def _release(self, passages: list[Passage], end: bool) -> list[SaResult | CaptureFinding]:
        """Settled passages and point 0's network events to the chain, in time order; an event
        waits while a message before it is still unsettled."""
        batch: list[Datagram | NetEvent] = []
        for p in passages:
            self._log.add(p, self.offset)
            a, b = p.seen
            dg = a.datagram if a is not None else self._log.as_point_zero(b.datagram, self.offset)  # type: ignore[union-attr]
            self._seq += 1
            heapq.heappush(self._ready, (dg.ts, self._seq, dg))
        horizon = min((t for t in (self._matcher.oldest, self._matcher.read_upto) if t is not None), default=None)
        while self._ready and (end or horizon is None or self._ready[0][0] <= horizon):
            dg = heapq.heappop(self._ready)[2]
            while self._net and self._net[0].ts <= dg.ts:
                batch.append(self._net.popleft())
            if dg.ts < self._last:
                dg = replace(dg, ts=self._last)  # the tracker sees time go forward
            self._last = dg.ts
            batch.append(dg)
        if self._ready:
            horizon = self._ready[0][0] if horizon is None else min(horizon, self._ready[0][0])
        while self._net and (end or horizon is None or self._net[0].ts < horizon):
            batch.append(self._net.popleft())
        return self._pipe.feed_items(batch)

    def _sa_path(self, sa: SaRecord) -> tuple[list[Finding], dict[str, Any] | None]:
        messages, omitted = self._log.take(sa.ispi)
        if not messages:
            return [], None
        short = (os.path.basename(self.names[0]), os.path.basename(self.names[1]))
        return path_findings(sa, messages, short), path_dict(messages, self.names, self.offset, omitted)


def two_points(paths: Sequence[str | Path], limit: int = 256, max_frames: int = 100_000) -> bool:
    """Whether two captures hold the same negotiations seen at two points: some of the first
    ``limit`` IKE messages of one are byte for byte among the first of the other. Reads at most
    ``max_frames`` frames of each; standard input (``-``) is never looked at."""
    if len(paths) != 2 or "-" in map(str, paths) or os.path.realpath(paths[0]) == os.path.realpath(paths[1]):
        return False  # standard input can be read only once

    def datagrams(path: str | Path) -> Iterator[Datagram]:
        demux = Demux(esp_events=False)
        with open_capture(path) as reader:
            for n, frame in enumerate(reader):
                if n >= max_frames:
                    return
                yield from (item for item in demux.feed(frame) if isinstance(item, Datagram))

    try:
        return shared_messages(datagrams(paths[0]), datagrams(paths[1]), limit) > 0
    except CaptureError:
        return False


def _merge(readers: Sequence[Iterable[Frame]], tp: TwoPoints) -> Iterator[tuple[int, Frame | None]]:
    """The frames of both points, the earliest on point 0's clock first; (point, None) when a
    point has no more."""
    its = [iter(r) for r in readers]
    heads: list[Frame | None] = [next(it, None) for it in its]
    for point, head in enumerate(heads):
        if head is None:
            yield point, None
    while True:
        live = [(tp.on_zero_clock(i, h.ts), i) for i, h in enumerate(heads) if h is not None]
        if not live:
            return
        _, point = min(live)
        frame = heads[point]
        yield point, frame
        heads[point] = next(its[point], None)
        if heads[point] is None:
            yield point, None


def _run_points(readers: list[tuple[str, CaptureReader]], settings: Settings,
                progress: ProgressHook | None) -> Iterator[Event]:
    names = (readers[0][0], readers[1][0])
    records = (InputRecord(path=names[0]), InputRecord(path=names[1]))
    tp = TwoPoints(names, records, settings)
    for index, name in enumerate(names):
        yield InputStarted(index, name)
    frames = [_with_progress(reader, name, progress) for name, reader in readers]
    for point, frame in _merge(frames, tp):
        yield from tp.feed(point, frame) if frame is not None else tp.ended(point)
    yield from tp.finish()
    for index, (_, reader) in enumerate(readers):
        records[index].truncated = bool(getattr(reader, "truncated", False))
        records[index].truncated_detail = getattr(reader, "truncated_detail", "") or ""
        if records[index].truncated:
            yield cut_short(index, records[index], getattr(reader, "truncated_kind", ""))
        yield InputEnded(index, records[index])


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


def point_order(paths: Iterable[str | Path]) -> list[str]:
    """Two capture points in the order of their file names (``gw-a.pcap`` before ``gw-b.pcap``, wherever
    each lies), then of their whole paths: the same report whichever order they were named in."""
    return sorted(map(str, paths), key=lambda p: (Path(p).name, p))


def input_names(paths: Iterable[str | Path], rotated: bool = False, points: bool | None = None) -> list[str]:
    """What ``run`` names its inputs, in its order, so a report can name them before they start."""
    paths = list(paths)
    if not rotated and len(paths) == 2 and (points or (points is None and two_points(paths))):
        return point_order(paths)
    if not rotated:
        return [str(p) for p in paths]
    return [name for name, _ in _open_rotated(paths, keep_going=True)]


def run(paths: Iterable[str | Path], settings: Settings | None = None,
        progress: ProgressHook | None = None, jobs: int | None = 1,
        ladder: Callable[[SaRecord], dict[str, Any]] | None = None, keep_going: bool = False,
        rotated: bool = False, points: bool | None = None) -> Iterator[Event]:
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

    ``points``: two files are captures of the same negotiations at two points of their path
    (``TwoPoints``): True says so, False says they are not, None (the default) decides from
    the data (``two_points``). They are then analysed as one, in the order of their names, so
    that the order given changes nothing; ``jobs`` does not apply.
    """
    st = settings or Settings()
    paths = list(paths)
    if not rotated and len(paths) == 2 and (points or (points is None and two_points(paths))):
        readers2 = _open_all(point_order(paths), keep_going)
        if any(isinstance(r, CaptureError) for _, r in readers2):
            points = False  # an unreadable file: the other one is analysed alone
            for _, r in readers2:
                if isinstance(r, CaptureReader):
                    r.close()
        else:
            try:
                yield from _run_points(readers2, st, progress)  # type: ignore[arg-type]
            finally:
                for _, r in readers2:
                    r.close()  # type: ignore[union-attr]
            return
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
