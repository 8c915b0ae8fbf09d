"""``--jobs N``: one capture analysed by N processes, with the report of one.

The parent reads the capture and runs the network layer (``Demux``: link, IP
reassembly, UDP/TCP framing), which is cheap per frame and turns a gateway's
traffic into the few IKE datagrams and network events that matter. Those are
sharded by their pair of IP addresses, so every message of an SA, and every SA
between the same two peers (restarts, rekeys, the rules' peer history), lands in
the same worker. Each worker runs decode, decryption, tracking and diagnosis.

Results come back tagged with an order key and are merged so the stream equals
one process's:

- phase 0, while frames flow: ``(0, time, frame, sa)``. An SA closed idle is
  keyed by its deadline, any other close by the message that caused it
  (``SaRecord.closed_at``); a capture-level finding by its frame. The parent
  ticks every worker with the time of the newest item it dispatched, as one
  tracker would be ticked, and releases a result once every worker's clock has
  passed its key.
- phases 1-3, at the end of the input: what the network layer flushes (by the
  order the parent dispatched it), unfinished IKEv1 fragment sets (by frame),
  then every SA still open (by SA name), all closed at the input's last time,
  and last what each worker's caps let go (``limits``), one finding per worker.

The open-SA cap is divided among the workers and the rules' peer history is kept
per worker, so only a capture that reaches those limits may read differently
with ``--jobs``; so may one whose timestamps go backwards.
"""

from __future__ import annotations

import contextlib
import heapq
import multiprocessing as mp
import queue
import time
import zlib
from dataclasses import replace
from collections.abc import Callable, Iterable, Iterator
from itertools import count
from typing import Any

from .diagnose.engine import Diagnoser
from .errors import WorkerCrash, where_raised
from .model import Datagram, Frame, NetEvent
from .report.model import CaptureFinding, FindingRendered, InputRecord, SaRendered, SaResult
from .track.records import SaRecord
from .track.tracker import Tracker

BATCH = 2048  # items dispatched between two ticks
IN_FLIGHT = 4  # batches a worker may have queued; the parent waits beyond, bounding memory
INF = float("inf")
LIVENESS_EVERY = 1.0  # seconds between two checks that the workers still run, while waiting for them

Key = tuple  # (phase, a, b, c, seq)


def shard_of(item: Datagram | NetEvent, jobs: int) -> int:
    """The worker for an item: by its unordered pair of addresses, the same in both directions."""
    a, b = item.src, item.dst
    pair = f"{a}|{b}" if a <= b else f"{b}|{a}"
    return zlib.crc32(pair.encode()) % jobs


class _Shard:
    """One worker's share of the pipeline: the same stages as ``api.analyze_frames`` after Demux."""

    def __init__(self, settings: Any, input_index: int, ladder: Callable[[SaRecord], dict[str, Any]] | None) -> None:
        from .api import Messages

        self.input = input_index
        self.ladder = ladder
        self.tracker = Tracker(settings.tracker)
        self.diag = Diagnoser(settings.diagnose)
        self.stage = Messages(settings.keys)
        self._seq = count()

    def _closed(self, sas: list[SaRecord], out: list, phase_key: tuple | None = None) -> None:
        for sa in sas:
            result = SaResult(self.input, sa, self.diag.sa_closed(sa)).render(self.ladder)
            at, frame, sa_id = sa.closed_at or (INF, INF, sa.id)
            key = (0, at, frame, sa_id) if phase_key is None else phase_key + (sa_id,)
            out.append((key + (next(self._seq),), result))

    def _messages(self, pairs: list, out: list, phase_key: tuple | None) -> None:
        for dg, decoded in pairs:
            if decoded.message is None:
                for f in self.diag.orphan_message(dg, decoded):
                    key = (0, dg.ts, dg.frame, -1) if phase_key is None else phase_key + (-1,)
                    out.append((key + (next(self._seq),), CaptureFinding(self.input, f).render()))
            self._closed(self.tracker.feed(dg, decoded), out, phase_key)

    def item(self, item: Datagram | NetEvent, out: list, phase_key: tuple | None = None) -> None:
        if isinstance(item, Datagram):
            self._messages(self.stage.feed(item), out, phase_key)
        else:
            self._closed(self.tracker.net_event(item), out, phase_key)
            for f in self.diag.net_event(item):
                key = (0, item.ts, item.frame, -1) if phase_key is None else phase_key + (-1,)
                out.append((key + (next(self._seq),), CaptureFinding(self.input, f).render()))

    def finish(self, end_ts: float, out: list) -> None:
        for dg, decoded in self.stage.flush():
            self._messages([(dg, decoded)], out, (2, dg.frame, 0))
        for sa in self.tracker.close_all(end_ts):
            result = SaResult(self.input, sa, self.diag.sa_closed(sa)).render(self.ladder)
            out.append(((3, sa.id, 0, 0, next(self._seq)), result))
        for ev in self.stage.limit_events() + self.tracker.limit_events():
            for f in self.diag.net_event(ev):
                out.append(((3, INF, 0, 0, next(self._seq)), CaptureFinding(self.input, f).render()))


def _worker(inbox: Any, outbox: Any, wid: int) -> None:
    """Runs ``_serve`` and, should it raise, tells the parent what and where instead of dying silently
    (the parent would wait for its answer forever)."""
    try:
        _serve(inbox, outbox, wid)
    except Exception as exc:
        outbox.put((wid, "error", f"{type(exc).__name__} at {where_raised(exc)} in a --jobs worker process", None))


def _serve(inbox: Any, outbox: Any, wid: int) -> None:
    """Messages: ("start", settings, input, ladder), ("items", [(seq|None, item)], tick), ("last",),
    ("end", end_ts), None. A datagram travels as the tuple of its fields (pickled in C, unlike a
    dataclass), everything returned as plain report records."""
    shard: _Shard | None = None
    settings = None
    while True:
        msg = inbox.get()
        if msg is None:
            return
        kind = msg[0]
        out: list = []
        if kind == "start":
            settings = msg[1]
            shard = _Shard(settings, msg[2], msg[3])
        elif kind == "items":
            assert shard is not None
            for seq, item in msg[1]:
                if type(item) is tuple:
                    item = Datagram(*item)
                shard.item(item, out, None if seq is None else (1, seq, 0))
            if msg[2] is not None:
                shard._closed(shard.tracker.tick(msg[2]), out)
            outbox.put((wid, "results", out, msg[2]))
            continue
        elif kind == "last":
            assert shard is not None
            outbox.put((wid, "last", shard.tracker.last_ts, None))
            continue
        elif kind == "end":
            assert shard is not None
            shard.finish(msg[1], out)
            outbox.put((wid, "end", out, None))


class Pool:
    """N worker processes that live for a whole run (every input goes through the same pool)."""

    def __init__(self, jobs: int) -> None:
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.jobs = jobs
        self.outbox = ctx.Queue()
        self.inboxes = [ctx.Queue() for _ in range(jobs)]
        self.procs = [ctx.Process(target=_worker, args=(self.inboxes[i], self.outbox, i), daemon=True)
                      for i in range(jobs)]
        for p in self.procs:
            p.start()

    def get(self, block: bool = True) -> tuple:
        """The next answer of any worker; raises WorkerCrash when a worker failed or is gone
        (and queue.Empty when ``block`` is false and nothing is there)."""
        while True:
            try:
                msg = self.outbox.get(block=block, timeout=LIVENESS_EVERY if block else None)
            except queue.Empty:
                if not block:
                    raise
                gone = [p.exitcode for p in self.procs if not p.is_alive()]
                if gone:
                    raise WorkerCrash(f"a --jobs worker process ended with status {gone[0]}") from None
                continue
            if msg[1] == "error":
                raise WorkerCrash(msg[2])
            return msg

    def close(self) -> None:
        for q in self.inboxes:
            q.put(None)
        deadline = time.monotonic() + 10
        for p in self.procs:
            # A worker exits only once what it queued is read: after a failure the parent no longer
            # reads, so the leftovers are drained here.
            while p.is_alive() and time.monotonic() < deadline:
                p.join(timeout=0.05)
                with contextlib.suppress(queue.Empty, OSError, ValueError):
                    while True:
                        self.outbox.get_nowait()
            if p.is_alive():
                p.terminate()


def analyze_frames(pool: Pool, frames: Iterable[Frame], input_index: int, record: InputRecord,
                   settings: Any, ladder: Callable[[SaRecord], dict[str, Any]] | None = None
                   ) -> Iterator[SaRendered | FindingRendered]:
    """``api.analyze_frames`` spread over ``pool``: the same results in the same order, already
    rendered as report records (with ladders when ``ladder`` draws them)."""
    from .net import Demux

    jobs = pool.jobs
    demux = Demux()  # as api.Pipeline: ESP sampled, routed to the shard of its address pair
    # The open-SA and kept-message caps are shared out, so N workers hold no more than one process would.
    tracker = replace(settings.tracker, max_open=max(1, settings.tracker.max_open // jobs),
                      max_kept_messages=max(1, settings.tracker.max_kept_messages // jobs))
    for q in pool.inboxes:
        q.put(("start", replace(settings, tracker=tracker), input_index, ladder))
    heap: list = []
    order = count()  # breaks ties so results themselves are never compared
    clocks = [-INF] * jobs
    pending = [0] * jobs  # batches sent and not yet answered
    batches: list[list] = [[] for _ in range(jobs)]
    newest = -INF
    n_items = 0

    def collect(block: bool) -> None:
        while True:
            try:
                wid, kind, out, tick = pool.get(block)
            except queue.Empty:
                return
            block = False
            for key, result in out:
                heapq.heappush(heap, (key, next(order), result))
            pending[wid] -= 1
            if tick is not None:
                clocks[wid] = max(clocks[wid], tick)

    def release() -> Iterator[SaRendered | FindingRendered]:
        mark = min(clocks)
        while heap and heap[0][0][0] == 0 and heap[0][0][1] < mark:
            yield heapq.heappop(heap)[2]

    def dispatch(seq_of: Any = None) -> None:
        for wid in range(jobs):
            while pending[wid] >= IN_FLIGHT:
                collect(True)
            pool.inboxes[wid].put(("items", batches[wid], newest if seq_of is None else None))
            pending[wid] += 1
            batches[wid] = []

    for frame in frames:
        record.frames += 1
        if record.first_ts is None:
            record.first_ts = frame.ts
        record.last_ts = frame.ts
        for item in demux.feed(frame):
            wid = shard_of(item, jobs)
            if isinstance(item, Datagram):
                record.ike_messages += 1
                item = (item.frames, item.ts, item.src, item.dst, item.sport, item.dport, item.transport,
                        item.encap, item.payload, item.truncated, item.problems)
            batches[wid].append((None, item))
            newest = max(newest, item[1] if type(item) is tuple else item.ts)
            n_items += 1
        if n_items >= BATCH:
            n_items = 0
            dispatch()
            collect(False)
            yield from release()
    dispatch()
    while any(pending):
        collect(True)
    yield from release()
    yield from _drain(heap, 0)
    # End of input: what the network layer still holds, in the order one process would see it.
    for seq, item in enumerate(demux.flush()):
        batches[shard_of(item, jobs)].append((seq, item))
        newest = max(newest, item.ts)
    dispatch(seq_of=True)
    while any(pending):
        collect(True)
    yield from _drain(heap, 1)
    last = -INF if record.last_ts is None else record.last_ts
    for q in pool.inboxes:
        q.put(("last",))
    for _ in range(jobs):
        _, _, shard_last, _ = pool.get()
        last = max(last, shard_last)
    for wid, q in enumerate(pool.inboxes):
        q.put(("end", last))
        pending[wid] += 1
    while any(pending):
        collect(True)
    yield from _drain(heap, 3)
    record.net = dict(demux.stats)


def _drain(heap: list, upto: int) -> Iterator[SaRendered | FindingRendered]:
    while heap and heap[0][0][0] <= upto:
        yield heapq.heappop(heap)[2]
