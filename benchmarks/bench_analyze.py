"""Time a whole analysis (read, demultiplex, decode, track, diagnose, report) of a
large gateway-like capture, and its peak memory.

The capture is written once to a temporary file: background traffic (ESP,
ESP-in-UDP, TCP, DNS, VLAN, IPv6) with a share of IKE taken from the lab's real
strongSwan captures, each negotiation replayed under fresh SPIs so the tracker
sees thousands of IKE SAs.

    python benchmarks/bench_analyze.py [--frames 1000000] [--ike-share 0.02] [--keep FILE]
"""

from __future__ import annotations

import argparse
import random
import resource
import struct
import tempfile
import time
from pathlib import Path

from bench_demux import non_ike_templates

from ikescope import api
from ikescope.capture.pcapfile import open_capture

REPO = Path(__file__).resolve().parents[1]


def lab_negotiations() -> list[list[bytes]]:
    """The IKE frames of each lab capture, in order."""
    out = []
    for path in sorted((REPO / "pcaps").glob("*.pcap")):
        frames = [f.data for f in open_capture(path)]
        ike = [d for d in frames if len(d) > 42 and d[23] == 17]  # Ethernet + IPv4 + UDP
        if ike:
            out.append(ike)
    return out


def respi(frame: bytes, n: int) -> bytes:
    """The same frame with its initiator SPI made unique by ``n`` (UDP checksum cleared)."""
    off = 42 + (4 if frame[36:38] == b"\x11\x94" and frame[42:46] == bytes(4) else 0)
    spi = struct.pack(">Q", (int.from_bytes(frame[off:off + 8], "big") ^ n) & 0xFFFFFFFFFFFFFFFF)
    return frame[:40] + b"\x00\x00" + frame[42:off] + spi + frame[off + 8:]


def write_capture(path: Path, count: int, ike_share: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    others = non_ike_templates()
    names, weights = list(others), [w for w, _ in others.values()]
    negotiations = lab_negotiations()
    pending: list[bytes] = []
    ike = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        ts = 1_700_000_000.0
        for i in range(count):
            ts += 0.0005
            if rng.random() < ike_share:
                if not pending:
                    pending = [respi(fr, i + 1) for fr in rng.choice(negotiations)]
                data = pending.pop(0)
                ike += 1
            else:
                data = others[rng.choices(names, weights)[0]][1]
            sec = int(ts)
            f.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(data), len(data)) + data)
    return ike


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--ike-share", type=float, default=0.02)
    ap.add_argument("--keep", type=Path, help="write the capture here and keep it")
    args = ap.parse_args()
    path = args.keep or Path(tempfile.mkstemp(suffix=".pcap")[1])
    ike = write_capture(path, args.frames, args.ike_share)
    start = time.perf_counter()
    report = api.analyze([path])
    doc = report.to_dict()
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.frames} frames ({ike} IKE) in {elapsed:.2f} s: {args.frames / elapsed:,.0f} frames/s, "
          f"{doc['totals']['sas']} IKE SAs, {sum(doc['totals']['findings'].values())} findings, "
          f"peak RSS {rss:.0f} MiB")
    if args.keep is None:
        path.unlink()


if __name__ == "__main__":
    main()
