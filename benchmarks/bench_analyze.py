"""Time a whole analysis (read, demultiplex, decode, track, diagnose, report) of a
large gateway-like capture, and its peak memory, in this process.

The capture is the gateway kind of generate.py: background traffic (ESP,
ESP-in-UDP, TCP, DNS, VLAN, IPv6) with a share of IKE replayed from the lab's
captures under fresh SPIs and addresses, so the tracker sees thousands of IKE SAs.
compare.py times the command line instead, against other tools.

    python benchmarks/bench_analyze.py [--frames 1000000] [--ike-share 0.02] [--keep FILE]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from generate import write_gateway

from ikescope import api


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--ike-share", type=float, default=0.02)
    ap.add_argument("--keep", type=Path, help="write the capture here and keep it")
    args = ap.parse_args()
    path = args.keep or Path(tempfile.mkstemp(suffix=".pcap")[1])
    stats = write_gateway(path, args.frames, args.ike_share)
    start = time.perf_counter()
    report = api.analyze([path])
    doc = report.to_dict()
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.frames} frames ({stats.ike_messages} IKE messages) in {elapsed:.2f} s: "
          f"{args.frames / elapsed:,.0f} frames/s, {doc['totals']['sas']} IKE SAs, "
          f"{sum(doc['totals']['findings'].values())} findings, peak RSS {rss:.0f} MiB")
    if args.keep is None:
        path.unlink()


if __name__ == "__main__":
    main()
