"""Throughput of ``ikescope fleet`` on Dask against one process, on this machine.

Generates a fleet (``generate.py fleet``) once into the work directory, then analyses it
the way ``ikescope fleet`` does, in turn and ``--repeats`` times:

- in this process, one capture point after the other (``--workers 0``, no Dask);
- on an embedded LocalCluster of 1 worker, then of 2 (one thread each).

For the clusters, the time to start the cluster is measured apart from the analysis
(a cluster that serves a day's fleet starts once). Each worker's peak resident memory
comes from the worker process itself once its cluster is done (``VmHWM``); for the runs in
this process, from its first run. Prints a Markdown table
of medians: wall seconds and, steadier on a shared machine, the CPU seconds of the processes
that analysed, with MB of capture and IKE messages per CPU second: one worker's throughput.

    python benchmarks/bench_fleet.py [--points 8] [--files 4] [--negotiations 2500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_fleet  # noqa: E402

from ikescope.api import Settings  # noqa: E402
from ikescope.fleet import connect, plan, run  # noqa: E402
from ikescope.report.fleet import Fleet  # noqa: E402


def _peak_rss_mib() -> float:
    """The process's peak resident memory. Not ru_maxrss: a spawned worker inherits its parent's."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Sample(NamedTuple):
    startup: float  # seconds to start the cluster and its workers
    wall: float  # seconds from the first unit submitted to the last result merged
    cpu: float  # CPU seconds of the processes that analysed (the workers, or this one)
    rss: list[float]  # peak RSS of each of them, MiB


def analyse(sequences: list, workers: int) -> tuple[Sample, dict]:
    """One analysis of the fleet, and its summary."""
    fleet = Fleet()
    if workers == 0:
        start, cpu = time.perf_counter(), _cpu_seconds()
        for unit in run(sequences, Settings(), lines=True, workers=0):
            fleet.add(unit.gateway, unit.record)
        wall = time.perf_counter() - start
        return Sample(0.0, wall, _cpu_seconds() - cpu, [_peak_rss_mib()]), fleet.to_dict()
    begin = time.perf_counter()
    with connect(workers=workers) as client:
        client.wait_for_workers(workers)
        start = time.perf_counter()
        before = client.run(_cpu_seconds)
        for unit in run(sequences, Settings(), lines=True, scheduler=client.scheduler.address):
            fleet.add(unit.gateway, unit.record)
        wall = time.perf_counter() - start
        after = client.run(_cpu_seconds)
        rss = sorted(client.run(_peak_rss_mib).values())
    return Sample(start - begin, wall, sum(after[w] - before[w] for w in after), rss), fleet.to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ikescope-bench"))
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--negotiations", type=int, default=2500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fleet", type=Path, default=None,
                        help="analyse this fleet directory instead of a generated one (e.g. links to gateway "
                             "captures, for a mix of IKE and other traffic)")
    args = parser.parse_args()

    out = args.fleet
    if out is None:
        out = args.workdir / f"fleet-{args.points}x{args.files}x{args.negotiations}"
        if not (out / "generated.json").exists():
            (out / "generated.json").parent.mkdir(parents=True, exist_ok=True)
            stats = write_fleet(out, args.points, args.files, args.negotiations)
            (out / "generated.json").write_text(json.dumps(stats.as_dict()))
    sequences = plan([str(out)]).sequences
    size = sum(os.path.getsize(f) for s in sequences for f in s.files)
    print(f"fleet: {out}, {len(sequences)} capture points, {sum(len(s.files) for s in sequences)} files, "
          f"{size / 1e6:.1f} MB; {os.cpu_count()} CPUs")

    print(f"load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    runs: dict[int, list[Sample]] = {0: [], 1: [], 2: []}
    summaries = []
    for _ in range(args.repeats):
        for workers in runs:
            sample, summary = analyse(sequences, workers)
            runs[workers].append(sample)
            summaries.append(summary)
    assert all(s == summaries[0] for s in summaries), "every way of running must give the same summary"
    totals = summaries[0]["totals"]
    messages = totals["ike_messages"]
    print(f"{totals['frames']:,} frames, {messages:,} IKE messages, {totals['sas']:,} IKE SAs\n")

    print("| how | workers | cluster start s | wall s | wall MB/s | CPU s | MB per CPU s | IKE messages per CPU s "
          "| peak RSS per worker MiB |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for workers, samples in runs.items():
        startup = statistics.median(s.startup for s in samples)
        wall = statistics.median(s.wall for s in samples)
        cpu = statistics.median(s.cpu for s in samples)
        rss = min(max(s.rss) for s in samples)  # this process's peak only grows: its first run is the one
        how = "one process, no Dask" if workers == 0 else "LocalCluster"
        print(f"| {how} | {max(workers, 1)} | {startup:.1f} | {wall:.1f} | {size / 1e6 / wall:.2f} | {cpu:.1f} | "
              f"{size / 1e6 / cpu:.2f} | {messages / cpu:,.0f} | {rss:.0f} |")
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
