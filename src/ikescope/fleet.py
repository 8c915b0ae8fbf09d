"""``ikescope fleet``: the rotated captures of many gateways, analysed on Dask, one report.

The unit of work is one capture sequence (``sequence``): all files of one
capture point, read in time order through one ``api.Pipeline``, so an SA that
spans a rotation is one SA. A unit needs nothing from any other, which is what
lets Dask's scheduler place units on whatever workers it has; ikescope keeps no
scheduler of its own, only the order of the report.

``analyze_unit`` runs where the unit is placed. It sends back plain data: the
unit's JSONL lines (when they are wanted, compressed), its input record and the gateway's
summary (``report.fleet.Gateway``), so neither SA records nor the pipeline's
state cross the network. The caller adds the summaries into a
``report.fleet.Fleet``, whose output does not depend on which unit finished
first: the same fleet gives the same summary on one process, on a laptop's
cores or on a cluster.

Workers read the captures by their paths, so with ``scheduler`` (an existing
cluster) the files must be at the same paths on the workers as here (a shared
file system), and the workers must have the same ikescope installed.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import zlib
from collections.abc import Iterator, Sequence as Seq
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from .api import Pipeline, Settings, cut_short
from .capture.rotated import RotatedCapture, expand, first_frame, size
from .errors import CaptureError, IkescopeError
from .report.fleet import Gateway
from .report.model import SCHEMA_VERSION, CaptureFinding, InputRecord, SaResult
from .sequence import Sequence, group

# Everything the embedded cluster listens on (scheduler, workers, their HTTP endpoints; the port of
# each chosen by the system) is on the loopback: nothing of it is reachable from the network.
LOOPBACK = "127.0.0.1"
INSTALL_HINT = "ikescope fleet needs Dask: pip install 'ikescope[fleet]' (or --workers 0 to run in this process)"


@dataclass(slots=True)
class Plan:
    """The sequences to analyse, and what was left out on the way.

    skipped: files found in a directory or by a pattern that are no captures.
    errors: files named on the command line that cannot be read.
    """

    sequences: list[Sequence]
    skipped: list[str]
    errors: list[str]


def plan(paths: Seq[str], pattern: str | None = None) -> Plan:
    """Find the capture files under ``paths`` and order them into one sequence per capture point.

    Each file's first frame is read here to order the sequences, so the caller must see the files
    at the paths the workers will use. Raises IkescopeError for a ``pattern`` that is not a regular
    expression or leaves files without a capture point.
    """
    try:
        regex = re.compile(pattern) if pattern is not None else None
    except re.error as exc:
        raise IkescopeError(f"--group {pattern!r} is not a regular expression: {exc}") from None
    found, skipped, errors = [], [], []
    for f in expand(paths):
        try:
            found.append((f.path, first_frame(f.path)))
        except CaptureError as exc:
            if f.named:
                errors.append(str(exc))
            else:
                skipped.append(f.path)
    return Plan(group(found, regex), skipped, errors)


@dataclass(slots=True)
class UnitResult:
    """What one unit sends back: plain data, small next to its captures.

    jsonl: its SAs, findings and input as JSONL in capture order, zlib-compressed as they were
    made (empty unless asked for): a unit holds its lines until it is done, and compressed they
    take about an eighth of the memory and of the network (some 800 bytes per SA).
    record: its input record, with ``capture_point`` and ``files``.
    """

    index: int
    name: str
    jsonl: bytes
    record: dict[str, Any]
    gateway: Gateway

    def lines(self, chunk: int = 1 << 20) -> Iterator[str]:
        """The JSONL text, a piece at a time, so that it is never whole in memory here either."""
        unpack, text = zlib.decompressobj(), codecs.getincrementaldecoder("utf-8")()
        data = memoryview(self.jsonl)
        for start in range(0, len(data), chunk):
            yield text.decode(unpack.decompress(data[start : start + chunk]))
        yield text.decode(unpack.flush(), final=True)


def _line(kind: str, point: str, doc: dict[str, Any]) -> bytes:
    return (json.dumps({"schema_version": SCHEMA_VERSION, "kind": kind, "capture_point": point, **doc}) + "\n").encode()


def analyze_unit(seq: Sequence, index: int, settings: Settings, lines: bool = True) -> UnitResult:
    """Analyse one capture sequence as one stream: the work a Dask worker does."""
    capture = RotatedCapture(seq.files)
    record = InputRecord(path=seq.name)
    pipe = Pipeline(settings, index, record)
    gateway = Gateway(seq.name, index)
    pack = zlib.compressobj(1)  # the fastest level: a few per cent of the analysis' time
    out: list[bytes] = []

    def take(events: list[SaResult | CaptureFinding]) -> None:
        for event in events:
            if isinstance(event, SaResult):
                r = event.render()
                gateway.add_sa(r.sa_doc, r.findings, r.peers)
                if lines:
                    out.append(pack.compress(_line("sa", seq.name, r.sa_doc)))
                    out.extend(pack.compress(_line("finding", seq.name, f)) for f in r.findings)
            else:
                doc = event.doc()
                gateway.add_capture_finding(doc)
                if lines:
                    out.append(pack.compress(_line("finding", seq.name, doc)))

    for frame in capture:
        take(pipe.feed(frame))
    take(pipe.finish())
    record.truncated, record.truncated_detail = capture.truncated, capture.truncated_detail
    if record.truncated:
        take([cut_short(index, record, capture.truncated_kind)])
    doc = {"input": index, **record.to_dict(), "files": [f.to_dict() for f in capture.files]}
    if lines:
        out += [pack.compress(_line("input", seq.name, doc)), pack.flush()]
    return UnitResult(index, seq.name, b"".join(out), {"capture_point": seq.name, **doc}, gateway)


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: of the cluster at ``scheduler``, or of a LocalCluster of ``workers`` processes
    (default: the machine's cores) with one thread each, on the loopback only. Both are closed on
    leaving the block, also on failure."""
    try:
        import distributed
    except ImportError:
        raise IkescopeError(INSTALL_HINT) from None
    with ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                host=LOOPBACK, dashboard_address=f"{LOOPBACK}:0", silence_logs=logging.ERROR))
            yield stack.enter_context(distributed.Client(cluster))
            return
        try:
            client = stack.enter_context(distributed.Client(scheduler, timeout="30s"))
        except OSError as exc:
            raise IkescopeError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        yield client


def run(sequences: list[Sequence], settings: Settings, lines: bool = True, workers: int | None = None,
        scheduler: str | None = None) -> Iterator[UnitResult]:
    """Every sequence's result, as each finishes.

    ``workers=0`` (and no ``scheduler``): one after another in this process, without Dask.
    Otherwise on the Dask cluster ``connect`` gives. The largest sequences are started first,
    so that a big one does not finish last, alone.
    """
    if workers == 0 and scheduler is None:
        for index, seq in enumerate(sequences):
            yield analyze_unit(seq, index, settings, lines)
        return
    with connect(workers, scheduler) as client:
        from distributed import as_completed

        futures = [client.submit(analyze_unit, seq, index, settings, lines, pure=False,
                                 priority=sum(map(size, seq.files)))
                   for index, seq in enumerate(sequences)]
        try:
            for future in as_completed(futures):
                result = future.result()
                future.release()
                yield result
        finally:
            client.cancel([f for f in futures if not f.done()])
